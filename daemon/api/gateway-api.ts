import { freemem, loadavg, totalmem } from 'node:os';
import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { LinegateError } from '../../drivers/base/errors.ts';
import type { Service } from '../../drivers/base/service.ts';
import type { FxoPort, FxsPort } from '../../drivers/line/types.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import type { ActiveCallInfo } from '../calls/call-manager.ts';
import type { CallRecord } from '../calls/cdr-store.ts';
import type { SmsService } from '../sms/sms-service.ts';
import type { GatewayEventBus } from './events.ts';
import type { RequestRouter } from './requests.ts';
import type { StateRegistry } from './state.ts';

export interface GatewayApiOptions {
  clock: Clock;
  version: string;
  startedAtMs: number;
  bus: GatewayEventBus;
  states: StateRegistry;
  router: RequestRouter;
  fxsPorts: ReadonlyMap<string, FxsPort>;
  fxoPorts: ReadonlyMap<string, FxoPort>;
  extensionOf: (portId: string) => string | undefined;
  modems: ReadonlyMap<string, GsmModem>;
  sms: SmsService;
  activeCalls: () => ActiveCallInfo[];
  restart: () => void;
}

/**
 * Feeds the shared state registry and event bus from the rooms (ports,
 * modems, calls, system) and answers the typed requests that MQTT and the
 * web UI socket share. One place, so both interfaces always agree.
 */
export class GatewayApi implements Service {
  readonly name = 'api';
  readonly #o: GatewayApiOptions;
  readonly #off: Array<() => void> = [];
  #systemTimer: Timer | undefined;

  constructor(options: GatewayApiOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const { states, bus } = this.#o;
    for (const [id, port] of this.#o.fxsPorts) {
      const publish = () => {
        const ext = this.#o.extensionOf(id);
        states.set(id, {
          kind: 'fxs',
          hook: port.hook,
          ringing: port.state === 'ringing',
          inCall: this.#o.activeCalls().some((c) => c.from === id || c.to === id),
          failed: port.state === 'failed',
          ...(ext ? { number: ext } : {}),
        });
      };
      publish();
      this.#off.push(
        port.on('offHook', publish),
        port.on('onHook', publish),
        port.on('failed', (reason) => {
          publish();
          bus.publish('port_failed', { time: this.#o.clock.wallClockMs(), port: id, reason });
        }),
        port.on('recovered', publish),
      );
    }
    for (const [id, port] of this.#o.fxoPorts) {
      const publish = () =>
        states.set(id, {
          kind: 'fxo',
          hook: port.state === 'offHook' ? 'off' : 'on',
          ringing: port.state === 'ringing',
          inCall: this.#o.activeCalls().some((c) => c.from === id || c.to === id),
          failed: port.state === 'failed',
        });
      publish();
      this.#off.push(
        port.on('ring', publish),
        port.on('lineDrop', publish),
        port.on('failed', publish),
        port.on('recovered', publish),
      );
    }
    for (const [id, modem] of this.#o.modems) {
      let online = false;
      const publish = () => {
        const n = modem.network;
        states.set(id, {
          kind: 'modem',
          online,
          sim: n.sim,
          registration: n.registration,
          ...(n.operator ? { operator: n.operator } : {}),
          ...(n.technology ? { technology: n.technology } : {}),
          ...(n.signalDbm !== undefined ? { signalDbm: n.signalDbm } : {}),
          smsQueueDepth: 0,
        });
      };
      publish();
      this.#off.push(
        modem.on('network', () => {
          online = true;
          publish();
        }),
        modem.on('lost', (reason) => {
          online = false;
          publish();
          bus.publish('modem_lost', { time: this.#o.clock.wallClockMs(), modem: id, reason });
        }),
        modem.on('recovered', () => {
          online = true;
          publish();
          bus.publish('modem_recovered', { time: this.#o.clock.wallClockMs(), modem: id, downtimeS: 0 });
        }),
      );
    }
    this.#publishCalls();
    this.#publishSystem();
    this.#systemTimer = this.#o.clock.setInterval(30_000, () => this.#publishSystem());
    this.#registerHandlers();
  }

  async stop(): Promise<void> {
    for (const off of this.#off.splice(0)) off();
    this.#systemTimer?.cancel();
  }

  /** Call events from the call manager. */
  callStarted(call: ActiveCallInfo): void {
    this.#o.bus.publish('call_started', {
      time: call.startedAt,
      callId: call.callId,
      direction: 'internal',
      from: call.callerNumber || call.from,
      to: call.dialed,
      endpoints: [call.from, call.to].filter(Boolean),
    });
    this.#refreshPorts();
  }

  callAnswered(call: ActiveCallInfo): void {
    this.#o.bus.publish('call_answered', {
      time: call.answeredAt ?? this.#o.clock.wallClockMs(),
      callId: call.callId,
    });
    this.#refreshPorts();
  }

  callEnded(call: ActiveCallInfo, record: CallRecord): void {
    this.#o.bus.publish('call_ended', {
      time: record.endedAt,
      callId: call.callId,
      direction: record.direction,
      from: record.callerNumber || record.source,
      to: record.dialedNumber,
      reason: record.disposition,
      durationS: Math.round((record.endedAt - record.startedAt) / 1000),
      billableS: record.answeredAt ? Math.round((record.endedAt - record.answeredAt) / 1000) : 0,
    });
    this.#refreshPorts();
  }

  #refreshPorts(): void {
    for (const [id, port] of this.#o.fxsPorts) {
      const prior = this.#o.states.get(id);
      if (prior?.kind === 'fxs') {
        this.#o.states.set(id, {
          ...prior,
          hook: port.hook,
          ringing: port.state === 'ringing',
          inCall: this.#o.activeCalls().some((c) => c.from === id || c.to === id),
        });
      }
    }
    this.#publishCalls();
  }

  #publishCalls(): void {
    this.#o.states.set('calls', {
      kind: 'calls',
      active: this.#o.activeCalls().map((c) => ({
        callId: c.callId,
        direction: 'internal',
        from: c.callerNumber || c.from,
        to: c.dialed,
        endpoints: [c.from, c.to].filter(Boolean),
        startedAt: c.startedAt,
        answered: c.state === 'answered',
      })),
    });
  }

  #publishSystem(): void {
    const total = totalmem();
    this.#o.states.set('system', {
      kind: 'system',
      version: this.#o.version,
      uptimeS: Math.round((this.#o.clock.wallClockMs() - this.#o.startedAtMs) / 1000),
      cpuPct: Math.round(((loadavg()[0] ?? 0) * 100) / 2),
      memUsedPct: Math.round(((total - freemem()) * 100) / total),
      diskUsedPct: 0,
      loadAvg1: loadavg()[0] ?? 0,
    });
  }

  #registerHandlers(): void {
    const { router, sms } = this.#o;
    this.#off.push(
      router.register('sms/send', (p) => sms.send(p)),
      router.register('modem/ussd', async (p) => {
        const modem = p.modem ?? [...this.#o.modems.keys()][0];
        if (!modem) throw new LinegateError('NOT_FOUND', 'no modem');
        const r = await sms.ussd(modem, p.code);
        return { modem, response: r.response };
      }),
      router.register('system/restart', (p) => {
        const delayS = p.delayS ?? 1;
        this.#o.clock.setTimer(delayS * 1000, this.#o.restart);
        return { restartingInS: delayS };
      }),
      router.register('diagnostics/ping', () => ({
        pong: true as const,
        uptimeS: Math.round((this.#o.clock.wallClockMs() - this.#o.startedAtMs) / 1000),
        version: this.#o.version,
      })),
      router.register('diagnostics/state', () => ({ states: this.#o.states.snapshot() })),
    );
  }
}
