import type { SipMessage } from '../message/message.ts';
import type { SipEndpoint } from '../transport/transport-layer.ts';

/** RFC 3261 §17 / Table 4 base values. */
export interface SipTimerConfig {
  /** RTT estimate, default 500 ms. */
  t1Ms: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2Ms: number;
  /** Maximum time a message remains in the network, default 5 s. */
  t4Ms: number;
}

export const DEFAULT_TIMERS: SipTimerConfig = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 };

/** The derived timers of Table 4 (unreliable transport values; reliable ones are 0 where the RFC says so). */
export function derivedTimers(t: SipTimerConfig, reliable: boolean) {
  return {
    /** INVITE retransmit (A), non-INVITE retransmit (E), response retransmit (G): start at T1. */
    retransmitStartMs: t.t1Ms,
    /** B, F, H, J(unreliable), L, M: 64*T1. */
    transactionTimeoutMs: 64 * t.t1Ms,
    /** D: > 32 s for unreliable, 0 for reliable. */
    timerDMs: reliable ? 0 : Math.max(32_000, 64 * t.t1Ms),
    /** I and K: T4 for unreliable, 0 for reliable. */
    timerIKMs: reliable ? 0 : t.t4Ms,
    /** J: 64*T1 for unreliable, 0 for reliable. */
    timerJMs: reliable ? 0 : 64 * t.t1Ms,
  };
}

/** What transactions need from the transport layer. */
export interface SipSender {
  send(message: SipMessage, to: SipEndpoint): Promise<boolean>;
}
