import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import { errorMessage } from '../../../drivers/base/errors.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../../drivers/base/service.ts';
import type { AudioStream } from '../../../drivers/audio/types.ts';
import type { CallerId, FxoPort } from '../../../drivers/line/types.ts';
import { BaseLeg, type CallLeg, type Endpoint, type OutgoingCallRequest } from '../call-leg.ts';
import { type CauseRow, causeByName } from '../causes.ts';

export interface FxoEndpointOptions {
  port: FxoPort;
  /** Where incoming PSTN calls go (an extension or service code). */
  inboundTarget: string;
  clock: Clock;
  logger: Logger;
  /** A ringing line: the manager routes it to `inboundTarget`. */
  onIncoming: (leg: CallLeg, target: string) => void;
  newCallId: () => string;
  /** Wait for dial tone after seizing before dialing. Default 1500 ms. */
  dialDelayMs?: number;
}

/**
 * A PSTN line on an FXO port as a call endpoint. Incoming: the first ring
 * (and the caller ID between rings) starts a call to the inbound target;
 * the line is seized when that target answers, and released when either
 * side hangs up. Outgoing: seize, wait for dial tone, dial; an analog line
 * gives no answer signal, so the call counts as answered once dialed.
 */
export class FxoEndpoint implements Endpoint, Service {
  readonly kind = 'fxo' as const;
  readonly id: string;
  readonly name: string;
  readonly #o: FxoEndpointOptions;
  readonly #log: Logger;
  #stream: AudioStream | undefined;
  #leg: FxoLeg | undefined;
  #callerId: CallerId = {};
  #pendingRing: Timer | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(options: FxoEndpointOptions) {
    this.#o = options;
    this.id = options.port.id;
    this.name = `endpoint:${options.port.id}`;
    this.#log = options.logger.child({ ns: 'fxo', port: options.port.id });
  }

  async start(): Promise<void> {
    const port = this.#o.port;
    this.#stream = await port.audio.open();
    this.#unsubscribe.push(
      this.#stream.onFrame((frame) => this.#leg?.fromLine(frame)),
      port.on('callerId', (cid) => {
        this.#callerId = cid;
      }),
      port.on('ring', () => this.#ring()),
      port.on('ringStopped', () => this.#leg?.end(causeByName('normal_clearing'))),
      port.on('lineDrop', (reason) => {
        this.#log.info({ reason }, 'line dropped');
        this.#leg?.end(causeByName('normal_clearing'));
      }),
      port.on('failed', () => this.#leg?.end(causeByName('destination_out_of_order'))),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#pendingRing?.cancel();
    this.#leg?.end(causeByName('normal_clearing'));
    await this.#stream?.close();
  }

  health(): ServiceHealth {
    return this.#o.port.state === 'failed' ? { status: 'degraded', detail: 'port failed' } : { status: 'ok' };
  }

  available(): boolean {
    return this.#leg === undefined && this.#o.port.state === 'idle';
  }

  call(request: OutgoingCallRequest): CallLeg {
    const leg = new FxoLeg(request.callId, this.id, request.from, this);
    if (!this.available()) {
      queueMicrotask(() => leg.end(causeByName('no_circuit_available')));
      return leg;
    }
    this.#leg = leg;
    void (async () => {
      try {
        await this.#o.port.seize();
        await new Promise<void>((resolve) => this.#o.clock.setTimer(this.#o.dialDelayMs ?? 1500, resolve));
        if (leg.state === 'ended') return;
        leg.ringing();
        await this.#o.port.dial(request.to);
        leg.answeredOnLine();
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, 'dialing out failed');
        leg.end(causeByName('network_out_of_order'));
      }
    })();
    return leg;
  }

  #ring(): void {
    if (this.#leg) return;
    // Caller ID (Bell) arrives after the first ring: give it until shortly after, then route.
    this.#pendingRing ??= this.#o.clock.setTimer(4500, () => {
      this.#pendingRing = undefined;
      if (this.#leg || this.#o.port.state !== 'ringing') return;
      const leg = new FxoLeg(this.#o.newCallId(), this.id, this.#callerId, this);
      leg.incoming = true;
      this.#leg = leg;
      this.#callerId = {};
      this.#o.onIncoming(leg, this.#o.inboundTarget);
    });
  }

  // --- called by the leg ---

  toLine(frame: Int16Array): void {
    this.#stream?.write(frame);
  }

  async answerLine(): Promise<void> {
    await this.#o.port.seize();
  }

  legEnded(leg: FxoLeg): void {
    if (this.#leg !== leg) return;
    this.#leg = undefined;
    if (this.#o.port.state === 'offHook') void this.#o.port.release().catch(() => {});
  }
}

class FxoLeg extends BaseLeg {
  incoming = false;
  readonly #endpoint: FxoEndpoint;

  constructor(id: string, endpoint: string, callerId: CallerId, owner: FxoEndpoint) {
    super(id, endpoint, callerId);
    this.#endpoint = owner;
  }

  sendAudio(frame: Int16Array): void {
    if (this.state === 'answered') this.#endpoint.toLine(frame);
  }

  fromLine(frame: Int16Array): void {
    if (this.state === 'answered') this.emitAudio(frame);
  }

  progress(kind: 'ringing' | 'answered'): void {
    if (!this.incoming || kind !== 'answered') return;
    this.#endpoint.answerLine().then(
      () => this.markAnswered(),
      () => this.end(causeByName('network_out_of_order')),
    );
  }

  ringing(): void {
    this.markRinging();
  }

  answeredOnLine(): void {
    this.markAnswered();
  }

  async hangup(cause: CauseRow): Promise<void> {
    this.end(cause);
  }

  end(cause: CauseRow): void {
    if (this.markEnded(cause)) this.#endpoint.legEnded(this);
  }
}
