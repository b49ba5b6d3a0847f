import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { CallLeg } from './call-leg.ts';
import { type CauseRow, causeByName } from './causes.ts';
import type { CallRecord, CdrStore, Disposition } from './cdr-store.ts';
import type { RouteDecision, Router } from './router.ts';

export interface ActiveCallInfo {
  callId: string;
  from: string;
  to: string;
  callerNumber: string;
  dialed: string;
  state: 'routing' | 'ringing' | 'answered';
  startedAt: number;
  answeredAt: number | null;
}

export interface CallManagerEvents {
  started: (call: ActiveCallInfo) => void;
  answered: (call: ActiveCallInfo) => void;
  ended: (call: ActiveCallInfo, record: CallRecord) => void;
}

export interface CallManagerOptions {
  clock: Clock;
  logger: Logger;
  router: Router;
  cdr: CdrStore;
  /** How long a destination may ring before the next one is tried (or the call ends with no answer). */
  ringTimeoutMs: number;
  on?: Partial<CallManagerEvents>;
}

interface Call {
  info: ActiveCallInfo;
  a: CallLeg;
  b: CallLeg | undefined;
  decision: RouteDecision;
  ringTimer: Timer | undefined;
  unwire: Array<() => void>;
  ended: boolean;
}

/**
 * Connects the leg that placed a call to the destinations its route names,
 * one after another on busy, failure or no answer; bridges their audio once
 * one answers; tears both down when either ends; writes one CDR per call.
 */
export class CallManager {
  readonly #o: CallManagerOptions;
  readonly #log: Logger;
  readonly #calls = new Map<string, Call>();

  constructor(options: CallManagerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ ns: 'calls' });
  }

  newCallId(): string {
    return randomUUID();
  }

  get active(): ActiveCallInfo[] {
    return [...this.#calls.values()].map((c) => ({ ...c.info }));
  }

  /** A leg that wants to reach `dialed` (a phone that dialed, a SIP INVITE, a ringing line...). */
  place(a: CallLeg, dialed: string): void {
    const decision = this.#o.router.resolve(a.endpoint, dialed);
    const info: ActiveCallInfo = {
      callId: a.id,
      from: a.endpoint,
      to: decision.kind === 'route' ? (decision.targets[0]?.endpoint.id ?? '') : '',
      callerNumber: a.callerId.number ?? '',
      dialed,
      state: 'routing',
      startedAt: this.#o.clock.wallClockMs(),
      answeredAt: null,
    };
    const call: Call = { info, a, b: undefined, decision, ringTimer: undefined, unwire: [], ended: false };
    this.#calls.set(a.id, call);
    this.#log.info(
      { callId: a.id, from: a.endpoint, dialed, route: decision.route, why: decision.why },
      'call placed',
    );
    this.#o.on?.started?.({ ...info });
    call.unwire.push(a.on('ended', (cause) => this.#end(call, cause, 'a')));
    if (decision.kind === 'reject') {
      void this.#finish(call, decision.cause);
      return;
    }
    this.#tryTarget(call, 0, causeByName('no_route_to_destination'));
  }

  #tryTarget(call: Call, index: number, lastCause: CauseRow): void {
    if (call.ended) return;
    const decision = call.decision;
    if (decision.kind !== 'route') return;
    const target = decision.targets[index];
    if (!target) {
      void this.#finish(call, lastCause);
      return;
    }
    if (!target.endpoint.available()) {
      this.#log.debug({ callId: call.info.callId, endpoint: target.endpoint.id }, 'destination busy or down');
      this.#tryTarget(
        call,
        index + 1,
        target.endpoint.kind === 'fxs' ? causeByName('user_busy') : causeByName('no_circuit_available'),
      );
      return;
    }
    let b: CallLeg;
    try {
      b = target.endpoint.call({
        callId: `${call.info.callId}-${index}`,
        to: target.to,
        from: call.a.callerId,
      });
    } catch (err) {
      this.#log.warn({ endpoint: target.endpoint.id, err: errorMessage(err) }, 'destination failed');
      this.#tryTarget(call, index + 1, causeByName('destination_out_of_order'));
      return;
    }
    call.b = b;
    call.info.to = target.endpoint.id;
    const unwireB: Array<() => void> = [];
    const detach = () => {
      for (const u of unwireB.splice(0)) u();
      call.ringTimer?.cancel();
      call.ringTimer = undefined;
    };
    unwireB.push(
      b.on('ringing', () => {
        call.info.state = 'ringing';
        call.a.progress('ringing');
      }),
      b.on('answered', () => {
        call.ringTimer?.cancel();
        call.info.state = 'answered';
        call.info.answeredAt = this.#o.clock.wallClockMs();
        call.a.progress('answered');
        this.#bridge(call, b);
        this.#o.on?.answered?.({ ...call.info });
      }),
      b.on('ended', (cause) => {
        detach();
        if (call.ended) return;
        // Not answered and another destination is left: fail over (busy, failure or no answer alike).
        if (call.info.state !== 'answered' && index + 1 < decision.targets.length) {
          call.b = undefined;
          call.info.state = 'routing';
          this.#tryTarget(call, index + 1, cause);
          return;
        }
        this.#end(call, cause, 'b');
      }),
    );
    call.unwire.push(detach);
    call.ringTimer = this.#o.clock.setTimer(this.#o.ringTimeoutMs, () => {
      if (call.info.state === 'answered') return;
      void b.hangup(causeByName('no_answer'));
    });
  }

  #bridge(call: Call, b: CallLeg): void {
    const a = call.a;
    call.unwire.push(
      a.onAudio((frame) => b.sendAudio(frame)),
      b.onAudio((frame) => a.sendAudio(frame)),
      a.on('dtmf', (d) => b.emit('dtmf', d)),
    );
  }

  #end(call: Call, cause: CauseRow, side: 'a' | 'b'): void {
    if (call.ended) return;
    void this.#finish(call, cause, side);
  }

  async #finish(call: Call, cause: CauseRow, endedBy?: 'a' | 'b'): Promise<void> {
    if (call.ended) return;
    call.ended = true;
    this.#calls.delete(call.info.callId);
    for (const u of call.unwire.splice(0)) u();
    call.ringTimer?.cancel();
    const others = [endedBy === 'a' ? undefined : call.a, endedBy === 'b' ? undefined : call.b].filter(
      (l): l is CallLeg => l !== undefined && l.state !== 'ended',
    );
    await Promise.all(others.map((l) => l.hangup(cause).catch(() => {})));
    const record = this.#record(call, cause);
    try {
      this.#o.cdr.write(record);
    } catch (err) {
      this.#log.error({ callId: call.info.callId, err: errorMessage(err) }, 'CDR write failed');
    }
    this.#log.info(
      { callId: call.info.callId, disposition: record.disposition, cause: cause.name },
      'call ended',
    );
    this.#o.on?.ended?.({ ...call.info }, record);
  }

  #record(call: Call, cause: CauseRow): CallRecord {
    const answered = call.info.answeredAt !== null;
    const disposition: Disposition = answered
      ? 'answered'
      : cause.name === 'user_busy'
        ? 'busy'
        : cause.name === 'no_answer' || cause.name === 'no_user_responding'
          ? 'no_answer'
          : cause.name === 'normal_clearing'
            ? 'cancelled'
            : cause.name === 'call_rejected'
              ? 'rejected'
              : 'failed';
    const q = call.b?.quality?.() ?? call.a.quality?.();
    return {
      callId: call.info.callId,
      parentId: call.info.callId,
      startedAt: call.info.startedAt,
      answeredAt: call.info.answeredAt,
      endedAt: this.#o.clock.wallClockMs(),
      direction: directionOf(call.info.from, call.info.to),
      source: call.info.from,
      destination: call.info.to || '-',
      callerNumber: call.info.callerNumber,
      callerName: call.a.callerId.name ?? null,
      dialedNumber: call.info.dialed,
      route: call.decision.route,
      disposition,
      q850: cause.q850,
      sipStatus: null,
      codec: q?.codec ?? null,
      mos: q?.mos ?? null,
      jitterMs: q?.jitterMs ?? null,
      lossPct: q?.lossPct ?? null,
      recording: null,
    };
  }
}

function directionOf(from: string, to: string): 'inbound' | 'outbound' | 'internal' {
  const local = (id: string) =>
    id.startsWith('fxs') ||
    id.startsWith('sip-phone:') ||
    id.startsWith('service:') ||
    id === '' ||
    id === '-';
  if (local(from) && local(to)) return 'internal';
  return local(from) ? 'outbound' : 'inbound';
}
