import { errorMessage } from '../../../drivers/base/errors.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../../drivers/base/service.ts';
import type { AudioStream } from '../../../drivers/audio/types.ts';
import type { CallerId } from '../../../drivers/line/types.ts';
import type { GsmModem } from '../../../drivers/modem/types.ts';
import { BaseLeg, type CallLeg, type Endpoint, type OutgoingCallRequest } from '../call-leg.ts';
import { type CauseRow, causeByName, causeFromGsm } from '../causes.ts';

export interface GsmEndpointOptions {
  modem: GsmModem;
  inboundTarget: string;
  logger: Logger;
  onIncoming: (leg: CallLeg, target: string) => void;
  newCallId: () => string;
}

/**
 * Voice calls through a GSM modem as a call endpoint: an incoming call
 * (RING + CLIP) goes to the inbound target and is answered (ATA) when the
 * target answers; outgoing calls dial (ATD) and follow the modem's call
 * state. The modem's release reason maps to a cause through the one table.
 */
export class GsmEndpoint implements Endpoint, Service {
  readonly kind = 'gsm' as const;
  readonly id: string;
  readonly name: string;
  readonly #o: GsmEndpointOptions;
  readonly #log: Logger;
  #stream: AudioStream | undefined;
  #leg: GsmLeg | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(options: GsmEndpointOptions) {
    this.#o = options;
    this.id = options.modem.id;
    this.name = `endpoint:${options.modem.id}`;
    this.#log = options.logger.child({ ns: 'gsm-calls', modem: options.modem.id });
  }

  async start(): Promise<void> {
    const modem = this.#o.modem;
    try {
      this.#stream = await modem.audio.open();
      this.#unsubscribe.push(this.#stream.onFrame((frame) => this.#leg?.fromModem(frame)));
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'modem audio unavailable; calls will have no audio');
    }
    this.#unsubscribe.push(
      modem.on('ring', (callerId) => this.#ring(callerId)),
      modem.on('callAnswered', () => this.#leg?.answeredByNetwork()),
      modem.on('callEnded', (reason) => this.#leg?.end(causeFromGsm(reason))),
      modem.on('lost', () => this.#leg?.end(causeByName('network_out_of_order'))),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    await this.#leg?.hangup(causeByName('normal_clearing'));
    await this.#stream?.close();
  }

  health(): ServiceHealth {
    return { status: 'ok', inCall: this.#leg !== undefined };
  }

  available(): boolean {
    const reg = this.#o.modem.network.registration;
    return this.#leg === undefined && (reg === 'home' || reg === 'roaming');
  }

  call(request: OutgoingCallRequest): CallLeg {
    const leg = new GsmLeg(request.callId, this.id, request.from, this);
    if (!this.available()) {
      queueMicrotask(() => leg.end(causeByName('no_circuit_available')));
      return leg;
    }
    this.#leg = leg;
    this.#o.modem.dial(request.to).then(
      () => leg.ringing(),
      (err: unknown) => {
        this.#log.warn({ err: errorMessage(err) }, 'dial failed');
        leg.end(causeFromGsm(errorMessage(err)));
      },
    );
    return leg;
  }

  #ring(callerId: CallerId): void {
    if (this.#leg) return; // RING repeats every few seconds for the same call
    const leg = new GsmLeg(this.#o.newCallId(), this.id, callerId, this);
    leg.incoming = true;
    this.#leg = leg;
    this.#o.onIncoming(leg, this.#o.inboundTarget);
  }

  // --- called by the leg ---

  toModem(frame: Int16Array): void {
    this.#stream?.write(frame);
  }

  answer(): Promise<void> {
    return this.#o.modem.answer();
  }

  legEnded(leg: GsmLeg, byNetwork: boolean): void {
    if (this.#leg !== leg) return;
    this.#leg = undefined;
    if (!byNetwork)
      void this.#o.modem
        .hangup()
        .catch((err: unknown) => this.#log.warn({ err: errorMessage(err) }, 'hangup failed'));
  }
}

class GsmLeg extends BaseLeg {
  incoming = false;
  readonly #endpoint: GsmEndpoint;

  constructor(id: string, endpoint: string, callerId: CallerId, owner: GsmEndpoint) {
    super(id, endpoint, callerId);
    this.#endpoint = owner;
  }

  sendAudio(frame: Int16Array): void {
    if (this.state === 'answered') this.#endpoint.toModem(frame);
  }

  fromModem(frame: Int16Array): void {
    if (this.state === 'answered') this.emitAudio(frame);
  }

  progress(kind: 'ringing' | 'answered'): void {
    if (!this.incoming || kind !== 'answered') return;
    this.#endpoint.answer().then(
      () => this.markAnswered(),
      () => this.end(causeByName('network_out_of_order')),
    );
  }

  ringing(): void {
    this.markRinging();
  }

  answeredByNetwork(): void {
    this.markAnswered();
  }

  async hangup(cause: CauseRow): Promise<void> {
    if (this.markEnded(cause)) this.#endpoint.legEnded(this, false);
  }

  /** The network or the modem ended the call. */
  end(cause: CauseRow): void {
    if (this.markEnded(cause)) this.#endpoint.legEnded(this, true);
  }
}
