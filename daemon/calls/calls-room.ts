import type { Clock } from '../../drivers/base/clock.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';
import type { FxoPort, FxsPort } from '../../drivers/line/types.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import type { LinegateConfig } from '../config/schema.ts';
import type { Store } from '../store/database.ts';
import type { Endpoint } from './call-leg.ts';
import { type ActiveCallInfo, CallManager } from './call-manager.ts';
import { CdrStore, type CallRecord } from './cdr-store.ts';
import { parseDigitMap } from './digit-map.ts';
import { FxoEndpoint } from './endpoints/fxo-endpoint.ts';
import { GsmEndpoint } from './endpoints/gsm-endpoint.ts';
import { FxsEndpoint } from './endpoints/fxs-endpoint.ts';
import { Router } from './router.ts';
import { echoService, testToneService } from './services/built-in-services.ts';

export interface CallsRoomOptions {
  config: LinegateConfig;
  clock: Clock;
  logger: Logger;
  store: Store;
  fxsPorts: ReadonlyMap<string, FxsPort>;
  fxoPorts: ReadonlyMap<string, FxoPort>;
  modems?: ReadonlyMap<string, GsmModem>;
  /** More endpoints (SIP trunks and phones, GSM, FXO) as their rooms provide them. */
  extraEndpoints?: Endpoint[];
  on?: {
    started?: (call: ActiveCallInfo) => void;
    answered?: (call: ActiveCallInfo) => void;
    ended?: (call: ActiveCallInfo, record: CallRecord) => void;
  };
}

/** Built-in service codes of the contract. */
export const SERVICE_CODES: ReadonlyMap<string, string> = new Map([
  ['*43', 'service:echo'],
  ['*44', 'service:tone'],
]);

/**
 * The calls room assembled from the configuration: an endpoint per phone,
 * line, modem and trunk, the router, the call manager and the CDR store.
 * FXS ports without a configured extension get 201, 202... in board order.
 */
export class CallsRoom implements Service {
  readonly name = 'calls';
  readonly cdr: CdrStore;
  readonly router: Router;
  readonly manager: CallManager;
  readonly endpoints = new Map<string, Endpoint>();
  readonly extensions = new Map<string, string>();
  readonly #fxs: FxsEndpoint[] = [];
  readonly #lines: Array<FxoEndpoint | GsmEndpoint> = [];

  constructor(options: CallsRoomOptions) {
    const { config, clock, logger } = options;
    this.cdr = new CdrStore(options.store);
    const dialPlan = parseDigitMap(config.calls.dialPlan);
    const configured = new Map(config.lines.fxs.map((l) => [l.id, l]));
    let nextExtension = 201;
    const taken = new Set([
      ...config.lines.fxs.map((l) => l.extension),
      ...config.sip.phones.map((p) => p.extension),
    ]);
    let manager: CallManager | undefined;
    for (const [id, port] of options.fxsPorts) {
      let extension = configured.get(id)?.extension;
      if (!extension) {
        while (taken.has(String(nextExtension))) nextExtension++;
        extension = String(nextExtension++);
        taken.add(extension);
      }
      const name = configured.get(id)?.name;
      const endpoint = new FxsEndpoint({
        port,
        extension,
        ...(name ? { name } : {}),
        country: config.country,
        clock,
        logger,
        dialPlan,
        emergencyNumbers: config.calls.emergencyNumbers,
        timeZone: config.timezone,
        newCallId: () => manager?.newCallId() ?? `call-${Date.now()}`,
        onOriginate: (leg, outcome) => {
          if (outcome.kind === 'dial') manager?.place(leg, outcome.number);
        },
      });
      this.#fxs.push(endpoint);
      this.endpoints.set(id, endpoint);
      this.extensions.set(extension, id);
    }
    const fxoConfig = new Map(config.lines.fxo.map((l) => [l.id, l]));
    for (const [id, port] of options.fxoPorts) {
      const endpoint = new FxoEndpoint({
        port,
        inboundTarget: fxoConfig.get(id)?.inboundTarget ?? '201',
        clock,
        logger,
        newCallId: () => manager?.newCallId() ?? `call-${Date.now()}`,
        onIncoming: (leg, target) => manager?.place(leg, target),
      });
      this.#lines.push(endpoint);
      this.endpoints.set(id, endpoint);
    }
    const modemConfig = new Map(config.modems.map((m) => [m.id, m]));
    for (const [id, modem] of options.modems ?? []) {
      const endpoint = new GsmEndpoint({
        modem,
        inboundTarget: modemConfig.get(id)?.inboundTarget ?? '201',
        logger,
        newCallId: () => manager?.newCallId() ?? `call-${Date.now()}`,
        onIncoming: (leg, target) => manager?.place(leg, target),
      });
      this.#lines.push(endpoint);
      this.endpoints.set(id, endpoint);
    }
    this.endpoints.set('service:echo', echoService());
    this.endpoints.set('service:tone', testToneService(clock));
    for (const e of options.extraEndpoints ?? []) this.endpoints.set(e.id, e);
    const outbound =
      config.calls.outbound.length > 0
        ? config.calls.outbound
        : [
            ...config.sip.trunks.map((t) => `sip:${t.id}`),
            ...[...this.endpoints.values()].filter((e) => e.kind === 'gsm').map((e) => e.id),
            ...[...this.endpoints.values()].filter((e) => e.kind === 'fxo').map((e) => e.id),
          ];
    this.router = new Router({
      endpoints: this.endpoints,
      extensions: this.extensions,
      services: SERVICE_CODES,
      outbound,
    });
    manager = new CallManager({
      clock,
      logger,
      router: this.router,
      cdr: this.cdr,
      ringTimeoutMs: config.calls.ringTimeoutS * 1000,
      ...(options.on ? { on: options.on } : {}),
    });
    this.manager = manager;
  }

  /** Extension of each FXS port, e.g. fxs1 → 201. */
  extensionOf(portId: string): string | undefined {
    return this.#fxs.find((e) => e.id === portId)?.extension;
  }

  async start(): Promise<void> {
    this.cdr.init();
    for (const e of [...this.#fxs, ...this.#lines]) await e.start();
  }

  async stop(): Promise<void> {
    for (const e of [...this.#fxs, ...this.#lines]) await e.stop();
  }

  health(): ServiceHealth {
    return { status: 'ok', activeCalls: this.manager.active.length };
  }
}
