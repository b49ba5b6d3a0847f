import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import { SipHeaders } from '../message/headers.ts';
import { cseqOf, SIP_VERSION, type SipRequest, type SipResponse } from '../message/message.ts';
import type { SipEndpoint } from '../transport/transport-layer.ts';
import { derivedTimers, type SipSender, type SipTimerConfig } from './timers.ts';

export type ClientTransactionState =
  | 'calling'
  | 'trying'
  | 'proceeding'
  | 'completed'
  | 'accepted'
  | 'terminated';

export interface ClientTransactionEvents {
  /** Every response the TU must see (1xx, each 2xx, the first non-2xx final). */
  onResponse(response: SipResponse): void;
  /** Timer B/F fired, or the transport failed: the TU acts as if 408/503 arrived. */
  onTimeout(reason: 'timeout' | 'transport'): void;
  onTerminated?(): void;
}

/**
 * RFC 3261 §17.1 client transaction (INVITE and non-INVITE), with the
 * RFC 6026 Accepted state for INVITE 2xx. All timers run on the injected
 * clock; retransmissions happen only over unreliable transports.
 */
export class ClientTransaction {
  readonly request: SipRequest;
  readonly destination: SipEndpoint;
  readonly isInvite: boolean;
  #state: ClientTransactionState;
  readonly #clock: Clock;
  readonly #sender: SipSender;
  readonly #timers: ReturnType<typeof derivedTimers>;
  readonly #config: SipTimerConfig;
  readonly #events: ClientTransactionEvents;
  readonly #reliable: boolean;
  #retransmitTimer: Timer | undefined;
  #timeoutTimer: Timer | undefined;
  #endTimer: Timer | undefined;
  #retransmitIntervalMs: number;
  #ack: SipRequest | undefined;
  /** Retransmissions sent (for tests and stats). */
  retransmissions = 0;

  constructor(options: {
    request: SipRequest;
    destination: SipEndpoint;
    clock: Clock;
    sender: SipSender;
    timers: SipTimerConfig;
    events: ClientTransactionEvents;
  }) {
    this.request = options.request;
    this.destination = options.destination;
    this.isInvite = options.request.method === 'INVITE';
    this.#state = this.isInvite ? 'calling' : 'trying';
    this.#clock = options.clock;
    this.#sender = options.sender;
    this.#config = options.timers;
    this.#reliable = options.destination.transport !== 'udp';
    this.#timers = derivedTimers(options.timers, this.#reliable);
    this.#events = options.events;
    this.#retransmitIntervalMs = this.#timers.retransmitStartMs;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  start(): void {
    this.#transmit(this.request);
    if (!this.#reliable) this.#scheduleRetransmit();
    // Timer B (INVITE) / Timer F (non-INVITE).
    this.#timeoutTimer = this.#clock.setTimer(this.#timers.transactionTimeoutMs, () => {
      if (this.#state === 'calling' || this.#state === 'trying' || this.#state === 'proceeding') {
        if (this.isInvite && this.#state === 'proceeding') return; // B does not run in Proceeding
        this.#terminate();
        this.#events.onTimeout('timeout');
      }
    });
  }

  #transmit(message: SipRequest): void {
    void this.#sender.send(message, this.destination).then((ok) => {
      if (!ok && (this.#state === 'calling' || this.#state === 'trying')) {
        this.#terminate();
        this.#events.onTimeout('transport');
      }
    });
  }

  #scheduleRetransmit(): void {
    this.#retransmitTimer = this.#clock.setTimer(this.#retransmitIntervalMs, () => {
      if (
        this.#state === 'calling' ||
        this.#state === 'trying' ||
        (!this.isInvite && this.#state === 'proceeding')
      ) {
        this.retransmissions++;
        this.#transmit(this.request);
        // Timer A doubles without cap; Timer E doubles up to T2, and stays at T2 once Proceeding.
        this.#retransmitIntervalMs = this.isInvite
          ? this.#retransmitIntervalMs * 2
          : this.#state === 'proceeding'
            ? this.#config.t2Ms
            : Math.min(this.#retransmitIntervalMs * 2, this.#config.t2Ms);
        this.#scheduleRetransmit();
      }
    });
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    if (this.#state === 'terminated') return;
    if (status < 200) {
      if (this.#state === 'calling' || this.#state === 'trying' || this.#state === 'proceeding') {
        if (this.isInvite) {
          this.#retransmitTimer?.cancel();
          this.#timeoutTimer?.cancel();
        } else if (this.#state === 'trying' && !this.#reliable) {
          this.#retransmitIntervalMs = this.#config.t2Ms;
        }
        this.#state = 'proceeding';
        this.#events.onResponse(response);
      }
      return;
    }
    if (this.isInvite) {
      if (status < 300) {
        if (this.#state === 'accepted') {
          this.#events.onResponse(response); // 2xx retransmission or fork: the TU re-ACKs
          return;
        }
        if (this.#state === 'completed') return;
        this.#stopTimers();
        this.#state = 'accepted';
        this.#endTimer = this.#clock.setTimer(this.#timers.transactionTimeoutMs, () => this.#terminate()); // Timer M
        this.#events.onResponse(response);
        return;
      }
      if (this.#state === 'completed') {
        if (this.#ack) this.#transmit(this.#ack);
        return;
      }
      if (this.#state === 'accepted') return;
      this.#stopTimers();
      this.#state = 'completed';
      this.#ack = buildNon2xxAck(this.request, response);
      this.#transmit(this.#ack);
      this.#events.onResponse(response);
      this.#endTimer = this.#clock.setTimer(this.#timers.timerDMs, () => this.#terminate()); // Timer D
      return;
    }
    if (this.#state === 'completed') return;
    this.#stopTimers();
    this.#state = 'completed';
    this.#events.onResponse(response);
    this.#endTimer = this.#clock.setTimer(this.#timers.timerIKMs, () => this.#terminate()); // Timer K
  }

  /** Stops everything (stack shutdown). */
  dispose(): void {
    this.#stopTimers();
    this.#endTimer?.cancel();
    this.#state = 'terminated';
  }

  #stopTimers(): void {
    this.#retransmitTimer?.cancel();
    this.#timeoutTimer?.cancel();
  }

  #terminate(): void {
    if (this.#state === 'terminated') return;
    this.#stopTimers();
    this.#endTimer?.cancel();
    this.#state = 'terminated';
    this.#events.onTerminated?.();
  }
}

/** The ACK a client transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3). */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.getLines('via')[0];
  if (topVia !== undefined) headers.append('Via', topVia.split(',')[0] as string);
  for (const route of invite.headers.getLines('route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', invite.headers.get('from') ?? '');
  headers.append('To', response.headers.get('to') ?? invite.headers.get('to') ?? '');
  headers.append('Call-ID', invite.headers.get('call-id') ?? '');
  headers.append('CSeq', `${cseqOf(invite)?.seq ?? 1} ACK`);
  return {
    kind: 'request',
    method: 'ACK',
    uri: invite.uri,
    version: SIP_VERSION,
    headers,
    body: Buffer.alloc(0),
  };
}

/** CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, top Via, Call-ID, From, To, CSeq number, Route. */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.getLines('via')[0];
  if (topVia !== undefined) headers.append('Via', topVia.split(',')[0] as string);
  for (const route of invite.headers.getLines('route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', invite.headers.get('from') ?? '');
  headers.append('To', invite.headers.get('to') ?? '');
  headers.append('Call-ID', invite.headers.get('call-id') ?? '');
  headers.append('CSeq', `${cseqOf(invite)?.seq ?? 1} CANCEL`);
  return {
    kind: 'request',
    method: 'CANCEL',
    uri: invite.uri,
    version: SIP_VERSION,
    headers,
    body: Buffer.alloc(0),
  };
}
