import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { responseDestination, type SipEndpoint } from '../transport/transport-layer.ts';
import { derivedTimers, type SipSender, type SipTimerConfig } from './timers.ts';

export type ServerTransactionState =
  | 'trying'
  | 'proceeding'
  | 'completed'
  | 'confirmed'
  | 'accepted'
  | 'terminated';

/**
 * RFC 3261 §17.2 server transaction (INVITE and non-INVITE) with the
 * RFC 6026 Accepted state. The TU answers with `respond()`; request
 * retransmissions are absorbed here and answered with the last response.
 */
export class ServerTransaction {
  readonly request: SipRequest;
  readonly source: SipEndpoint;
  readonly key: string;
  readonly isInvite: boolean;
  #state: ServerTransactionState;
  readonly #clock: Clock;
  readonly #sender: SipSender;
  readonly #config: SipTimerConfig;
  readonly #timers: ReturnType<typeof derivedTimers>;
  readonly #reliable: boolean;
  readonly #onTerminated: () => void;
  #lastResponse: SipResponse | undefined;
  #retransmitTimer: Timer | undefined;
  #timeoutTimer: Timer | undefined;
  #endTimer: Timer | undefined;
  #retransmitIntervalMs: number;
  /** Final-response retransmissions sent (Timer G). */
  retransmissions = 0;
  /** Set when Timer H fired: the peer never ACKed our error response. */
  ackTimedOut = false;
  /** Called once when an ACK for our non-2xx final arrives. */
  onAck: (() => void) | undefined;
  /** Called when a CANCEL matched this (INVITE) transaction. */
  onCancel: (() => void) | undefined;

  constructor(options: {
    request: SipRequest;
    source: SipEndpoint;
    key: string;
    clock: Clock;
    sender: SipSender;
    timers: SipTimerConfig;
    onTerminated: () => void;
  }) {
    this.request = options.request;
    this.source = options.source;
    this.key = options.key;
    this.isInvite = options.request.method === 'INVITE';
    this.#state = this.isInvite ? 'proceeding' : 'trying';
    this.#clock = options.clock;
    this.#sender = options.sender;
    this.#config = options.timers;
    this.#reliable = options.source.transport !== 'udp';
    this.#timers = derivedTimers(options.timers, this.#reliable);
    this.#onTerminated = options.onTerminated;
    this.#retransmitIntervalMs = this.#timers.retransmitStartMs;
  }

  get state(): ServerTransactionState {
    return this.#state;
  }

  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** True once a final response was sent. */
  get isFinal(): boolean {
    return this.#state !== 'trying' && this.#state !== 'proceeding';
  }

  #transmit(response: SipResponse): void {
    const to = responseDestination(response, this.source);
    if (to) void this.#sender.send(response, to);
  }

  respond(response: SipResponse): void {
    if (this.#state === 'terminated') return;
    const status = response.status;
    if (this.isInvite && this.#state === 'accepted' && status >= 200 && status < 300) {
      this.#transmit(response); // the UAS core retransmits its 2xx through the transaction's destination
      return;
    }
    if (this.isFinal) return;
    this.#lastResponse = response;
    this.#transmit(response);
    if (status < 200) {
      if (this.#state === 'trying') this.#state = 'proceeding';
      return;
    }
    if (this.isInvite) {
      if (status < 300) {
        this.#state = 'accepted';
        this.#endTimer = this.#clock.setTimer(this.#timers.transactionTimeoutMs, () => this.#terminate()); // Timer L
        return;
      }
      this.#state = 'completed';
      if (!this.#reliable) this.#scheduleG();
      this.#timeoutTimer = this.#clock.setTimer(this.#timers.transactionTimeoutMs, () => {
        this.ackTimedOut = true; // Timer H
        this.#terminate();
      });
      return;
    }
    this.#state = 'completed';
    this.#endTimer = this.#clock.setTimer(this.#timers.timerJMs, () => this.#terminate()); // Timer J
  }

  #scheduleG(): void {
    this.#retransmitTimer = this.#clock.setTimer(this.#retransmitIntervalMs, () => {
      if (this.#state !== 'completed' || !this.#lastResponse) return;
      this.retransmissions++;
      this.#transmit(this.#lastResponse);
      this.#retransmitIntervalMs = Math.min(this.#retransmitIntervalMs * 2, this.#config.t2Ms);
      this.#scheduleG();
    });
  }

  /** A retransmission of the request arrived. */
  receiveRetransmission(): void {
    if ((this.#state === 'proceeding' || this.#state === 'completed') && this.#lastResponse) {
      this.#transmit(this.#lastResponse);
    }
  }

  /** ACK matched this INVITE transaction (non-2xx final). */
  receiveAck(): void {
    if (this.#state !== 'completed') return;
    this.#state = 'confirmed';
    this.#retransmitTimer?.cancel();
    this.#timeoutTimer?.cancel();
    this.onAck?.();
    this.#endTimer = this.#clock.setTimer(this.#timers.timerIKMs, () => this.#terminate()); // Timer I
  }

  dispose(): void {
    this.#retransmitTimer?.cancel();
    this.#timeoutTimer?.cancel();
    this.#endTimer?.cancel();
    this.#state = 'terminated';
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.dispose();
    this.#onTerminated();
  }
}
