import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import { isGrammarError, unquoteParam } from '../message/grammar.ts';
import { integerHeader, nameAddrList, type SipResponse } from '../message/message.ts';

/** A trunk account: our AOR at an ITSP, with ordered failover servers. */
export interface SipAccount {
  id: string;
  username: string;
  password: string;
  /** Registrar domain: the AOR is sip:{username}@{domain}. */
  domain: string;
  /** Servers tried in order (e.g. 'sip:sip1.itsp.example:5060;transport=tcp'); default sip:{domain}. */
  servers?: string[];
  /** Auth user when it differs from the AOR user. */
  authUsername?: string;
  expiresS?: number;
}

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

export interface RegistrationStatus {
  accountId: string;
  state: RegistrationState;
  server: string;
  /** Granted expiry in seconds (registered). */
  expiresS?: number;
  /** Last failure status (408 timeout, 403...). */
  lastStatus?: number;
  /** When the next attempt happens (monotonic ms), for back-off visibility. */
  nextAttemptInMs?: number;
}

/** One REGISTER exchange, done by the stack (digest answered inside). */
export type RegisterSender = (request: {
  server: string;
  aor: string;
  expiresS: number;
  callId: string;
  cseq: number;
  credentials: { username: string; password: string };
}) => Promise<{ status: number; response?: SipResponse; contact: string }>;

export interface RegistrationClientOptions {
  account: SipAccount;
  clock: Clock;
  logger: Logger;
  send: RegisterSender;
  /** Back-off after a failure: base, doubled per failure, capped; ±20 % jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Re-register this long before expiry (at least at half the interval). Default 30 s. */
  refreshMarginMs?: number;
  random?: () => number;
}

/**
 * Keeps one trunk account registered (RFC 3261 §10.2): refresh before
 * expiry, exponential back-off with jitter, next server on failure,
 * 423 Min-Expires honoured, state changes as events.
 */
export class RegistrationClient extends TypedEmitter<{ state: [RegistrationStatus] }> {
  readonly #o: RegistrationClientOptions;
  #status: RegistrationStatus;
  #timer: Timer | undefined;
  #failures = 0;
  #serverIndex = 0;
  #cseq = 1;
  readonly #callId: string;
  #expiresS: number;
  #stopped = false;

  constructor(options: RegistrationClientOptions) {
    super();
    this.#o = options;
    this.#expiresS = options.account.expiresS ?? 300;
    this.#callId = `reg-${options.account.id}-${Math.floor((options.random ?? Math.random)() * 1e12).toString(36)}`;
    this.#status = { accountId: options.account.id, state: 'idle', server: this.#servers()[0] as string };
  }

  get status(): RegistrationStatus {
    return { ...this.#status };
  }

  #servers(): string[] {
    const a = this.#o.account;
    return a.servers && a.servers.length > 0 ? a.servers : [`sip:${a.domain}`];
  }

  #set(patch: Partial<RegistrationStatus>): void {
    this.#status = {
      accountId: this.#o.account.id,
      state: this.#status.state,
      server: this.#status.server,
      ...patch,
    };
    this.emit('state', this.status);
  }

  start(): void {
    this.#stopped = false;
    void this.#register();
  }

  /** Unregisters (Expires: 0) when registered; clears timers. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    if (this.#status.state === 'registered') {
      await this.#exchange(0).catch(() => undefined);
    }
    this.#set({ state: 'stopped', server: this.#status.server });
  }

  #exchange(expiresS: number) {
    const a = this.#o.account;
    return this.#o.send({
      server: this.#status.server,
      aor: `sip:${a.username}@${a.domain}`,
      expiresS,
      callId: this.#callId,
      cseq: this.#cseq++,
      credentials: { username: a.authUsername ?? a.username, password: a.password },
    });
  }

  async #register(): Promise<void> {
    if (this.#stopped) return;
    const server = this.#servers()[this.#serverIndex % this.#servers().length] as string;
    this.#set({ state: 'registering', server });
    let result: Awaited<ReturnType<RegisterSender>>;
    try {
      result = await this.#exchange(this.#expiresS);
    } catch {
      result = { status: 503, contact: '' };
    }
    if (this.#stopped) return;
    if (result.status === 423 && result.response) {
      const min = integerHeader(result.response, 'min-expires');
      if (min && min > this.#expiresS) {
        this.#expiresS = min;
        void this.#register();
        return;
      }
    }
    if (result.status >= 200 && result.status < 300) {
      this.#failures = 0;
      const granted = result.response ? grantedExpires(result.response, result.contact) : undefined;
      const expiresS = granted ?? this.#expiresS;
      const refreshMs = Math.max(
        Math.min(expiresS * 1000 - (this.#o.refreshMarginMs ?? 30_000), expiresS * 1000 * 0.9),
        (expiresS * 1000) / 2,
      );
      this.#set({ state: 'registered', server, expiresS, nextAttemptInMs: refreshMs });
      this.#timer = this.#o.clock.setTimer(refreshMs, () => void this.#register());
      return;
    }
    this.#failures++;
    this.#serverIndex++;
    const base = this.#o.retryBaseMs ?? 30_000;
    const max = this.#o.retryMaxMs ?? 1_800_000;
    const raw = Math.min(base * 2 ** (this.#failures - 1), max);
    const jitter = 0.8 + 0.4 * (this.#o.random ?? Math.random)();
    const delayMs = Math.round(raw * jitter);
    this.#o.logger.info(
      { account: this.#o.account.id, server, status: result.status, retryInMs: delayMs },
      'SIP registration failed',
    );
    this.#set({ state: 'failed', server, lastStatus: result.status, nextAttemptInMs: delayMs });
    this.#timer = this.#o.clock.setTimer(delayMs, () => void this.#register());
  }
}

/** The expiry the registrar granted our contact (its Contact expires param, else Expires). */
export function grantedExpires(response: SipResponse, ourContact: string): number | undefined {
  const contacts = nameAddrList(response, 'contact');
  if (!isGrammarError(contacts)) {
    const ours = ourContact.replace(/^<|>$/g, '');
    for (const c of contacts) {
      const value = unquoteParam(c.params.get('expires'));
      const uriText = `${c.uri.scheme}:${c.uri.user ? `${c.uri.user}@` : ''}${c.uri.host}`;
      if (value !== undefined && ours.includes(uriText)) return Number(value);
    }
  }
  return integerHeader(response, 'expires');
}
