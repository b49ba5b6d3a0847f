import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import type { CallerId } from '../../drivers/line/types.ts';
import type { CauseRow } from './causes.ts';

export type LegState = 'setup' | 'ringing' | 'answered' | 'ended';

export interface LegQuality {
  codec?: string;
  mos?: number;
  jitterMs?: number;
  lossPct?: number;
}

export interface CallLegEvents extends Record<string, unknown[]> {
  /** The far party is being alerted (send ringback to the other leg). */
  ringing: [];
  answered: [];
  ended: [CauseRow];
  /** A digit the party dialed during the call (RFC 4733, in-band or AT). */
  dtmf: [string];
}

/**
 * One party of a call, whatever the endpoint: an analog phone, a PSTN line,
 * a GSM call, a SIP dialog or a built-in service. Audio crosses the leg as
 * 20 ms frames of 8 kHz 16-bit PCM; SIP legs keep their RTP, jitter buffer
 * and codec inside.
 */
export interface CallLeg extends TypedEmitter<CallLegEvents> {
  readonly id: string;
  /** Endpoint id: fxs1, fxo1, gsm1, sip:itsp, sip-phone:203, service:echo ... */
  readonly endpoint: string;
  readonly state: LegState;
  /** Caller identity presented to this leg's party (outgoing) or received from it (incoming). */
  readonly callerId: CallerId;
  /** Plays a frame to this leg's party. */
  sendAudio(frame: Int16Array): void;
  /** Frames spoken by this leg's party. */
  onAudio(handler: (frame: Int16Array) => void): () => void;
  /**
   * What happens at the other end of the call, reported to this leg's party:
   * `ringing` (an analog phone hears ringback, a SIP caller gets 180) and
   * `answered` (the tone stops, a SIP caller gets 200 OK).
   */
  progress(kind: 'ringing' | 'answered'): void;
  /** Ends the leg with a cause; idempotent. */
  hangup(cause: CauseRow): Promise<void>;
  quality?(): LegQuality;
}

/** State bookkeeping shared by every leg kind: one transition table, events fired once. */
export abstract class BaseLeg extends TypedEmitter<CallLegEvents> implements CallLeg {
  readonly id: string;
  readonly endpoint: string;
  readonly callerId: CallerId;
  #state: LegState = 'setup';
  readonly #audioHandlers = new Set<(frame: Int16Array) => void>();

  constructor(id: string, endpoint: string, callerId: CallerId) {
    super();
    this.id = id;
    this.endpoint = endpoint;
    this.callerId = callerId;
  }

  get state(): LegState {
    return this.#state;
  }

  abstract sendAudio(frame: Int16Array): void;
  abstract progress(kind: 'ringing' | 'answered'): void;
  abstract hangup(cause: CauseRow): Promise<void>;

  onAudio(handler: (frame: Int16Array) => void): () => void {
    this.#audioHandlers.add(handler);
    return () => this.#audioHandlers.delete(handler);
  }

  /** Subclasses call this with each frame from their party. */
  protected emitAudio(frame: Int16Array): void {
    for (const h of this.#audioHandlers) h(frame);
  }

  protected markRinging(): void {
    if (this.#state !== 'setup') return;
    this.#state = 'ringing';
    this.emit('ringing');
  }

  protected markAnswered(): void {
    if (this.#state === 'answered' || this.#state === 'ended') return;
    this.#state = 'answered';
    this.emit('answered');
  }

  /** Returns false when the leg had already ended. */
  protected markEnded(cause: CauseRow): boolean {
    if (this.#state === 'ended') return false;
    this.#state = 'ended';
    this.#audioHandlers.clear();
    this.emit('ended', cause);
    return true;
  }
}

/** What the call manager asks of an endpoint when it places a call to it. */
export interface OutgoingCallRequest {
  callId: string;
  /** The number as the endpoint should dial it (after the route's digit manipulation). */
  to: string;
  from: CallerId;
}

export type EndpointKind = 'fxs' | 'fxo' | 'gsm' | 'sip-trunk' | 'sip-phone' | 'service';

export interface Endpoint {
  readonly id: string;
  readonly kind: EndpointKind;
  /** Free to take a call (not busy, not failed). */
  available(): boolean;
  /** Places a call to this endpoint: ring the phone, dial out on the line, INVITE the trunk. */
  call(request: OutgoingCallRequest): CallLeg;
}
