/**
 * The durable SMS pipelines over SQLite.
 *
 * Outbound: send() validates, persists (idempotency key → same id), and a
 * sender loop picks a modem (round robin, least used, or by number prefix),
 * paces each SIM, retries retryable +CMS errors with back-off, records the
 * TP-MR of every segment and matches status reports to them.
 *
 * Inbound: a modem `sms` event is decoded and stored first (idempotency key
 * = modem + storage + PDU hash), only then deleted from the SIM; multipart
 * messages are reassembled (or delivered incomplete after a timeout); each
 * message gets one delivery row per route, retried from the database until
 * the route accepts it or it is dead-lettered. A crash at any point loses
 * nothing: stored PDUs are re-read idempotently, routes resume from their
 * rows. Routes deliver at least once and carry the message id for dedupe.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { errorMessage, LinegateError } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import type { GsmModem, IncomingSms } from '../../drivers/modem/types.ts';
import type { Store } from '../store/database.ts';
import { isRetryableSendError } from './cms-errors.ts';
import { type DecodedPdu, decodePdu } from './pdu/decode.ts';
import { encodeSubmit, MAX_SEGMENTS, previewSms, type SmsPreview } from './pdu/encode.ts';
import { normaliseNumber } from './pdu/fields.ts';
import { EmailRoute, type EmailRouteOptions } from './routes/email-route.ts';
import type { InboundRoute, InboundSms } from './routes/inbound-message.ts';
import { WebhookRoute, type WebhookRouteOptions } from './routes/webhook-route.ts';
import { SMS_MIGRATIONS } from './schema.ts';

export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';
export type ModemSelection = 'round-robin' | 'least-used' | 'prefix';
export type SmsEventType = 'sms_received' | 'sms_sent' | 'sms_failed' | 'sms_delivered';
export type RouteState = 'pending' | 'delivered' | 'dead';

export interface RetryPolicy {
  /** First retry delay; doubles each attempt up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Attempts before giving up (failed / dead-lettered). */
  maxAttempts: number;
}

export interface SmsServiceOptions {
  /** Minimum gap per SIM per segment sent. Default 6000 ms. */
  paceMs?: number;
  /** Outbound retry policy for retryable errors. Default 10 s doubling to 10 min, 5 attempts. */
  sendRetry?: Partial<RetryPolicy>;
  selection?: ModemSelection;
  /** For `prefix` selection: longest matching prefix of the normalised number wins. */
  prefixRoutes?: { prefix: string; modem: string }[];
  /** Ask for status reports (TP-SRR). Default true. */
  statusReports?: boolean;
  validitySeconds?: number;
  smsc?: string;
  /** Longest accepted text, in segments. Default 10. */
  maxSegments?: number;
  allowNationalShift?: boolean;
  /** Multipart parts still missing after this are delivered flagged incomplete. Default 10 min. */
  reassemblyTimeoutMs?: number;
  /** How often timed work (reassembly timeouts) is checked. Default 1000 ms. */
  sweepIntervalMs?: number;
  /** Inbound routes. `event` hands the message to onEvent('sms_received') and waits for it (MQTT QoS 1). */
  routes?: {
    event?: boolean;
    webhook?: WebhookRouteOptions;
    email?: EmailRouteOptions;
    /** Needs `sipMessage` in the dependencies. */
    sip?: boolean;
  };
  routeRetry?: Partial<RetryPolicy>;
}

export interface SmsServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  modems: ReadonlyMap<string, GsmModem>;
  options?: SmsServiceOptions;
  /** Events for MQTT and the UI; a returned promise is awaited for `sms_received` (route `event`). */
  onEvent?: (type: SmsEventType, payload: Record<string, unknown>) => void | Promise<void>;
  /** Sends an inbound SMS as SIP MESSAGE (route `sip`), resolves on 2xx. */
  sipMessage?: (sms: InboundSms) => Promise<void>;
}

export interface SendRequest {
  to: string;
  text: string;
  idempotencyKey?: string;
  modem?: string;
}

export interface SendResult {
  id: string;
  status: OutboundStatus;
  segments: number;
}

export interface SmsItem {
  id: string;
  direction: 'in' | 'out';
  number: string | null;
  text: string;
  status: string;
  /** ISO time the message was queued (out) or stored (in). */
  time: string;
  segments: number;
  modem: string | null;
  [key: string]: unknown;
}

export interface ListQuery {
  direction?: 'in' | 'out';
  limit?: number;
  /** Only items older than this (ISO time or epoch ms): the previous page's last `time`. */
  before?: string | number;
}

export interface SmsServiceEvents extends Record<string, unknown[]> {
  sms_received: [InboundSms];
  sms_sent: [SmsItem];
  sms_failed: [SmsItem];
  sms_delivered: [SmsItem];
}

interface OutRow {
  id: string;
  idempotency_key: string | null;
  number: string;
  text: string;
  requested_modem: string | null;
  modem: string | null;
  status: OutboundStatus;
  encoding: string;
  segments: number;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  error: string | null;
}

interface InRow {
  id: string;
  modem: string;
  number: string | null;
  smsc: string | null;
  text: string;
  encoding: string | null;
  sent_time: string | null;
  received_at: number;
  segments: number;
  parts_expected: number;
  complete: number;
  message_class: number | null;
  errors: string;
}

interface PduRow {
  idem_key: string;
  modem: string;
  pdu: string;
  number: string | null;
  concat_key: string | null;
  concat_seq: number | null;
  concat_parts: number | null;
  received_at: number;
}

interface RouteRow {
  message_id: string;
  route: string;
  state: RouteState;
  attempts: number;
  next_attempt_at: number;
}

const USABLE_REGISTRATION = new Set(['home', 'roaming']);

function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Digits only, for comparing a status report's recipient with our destination. */
function trailingDigits(n: string | null, count = 7): string {
  return (n ?? '').replace(/\D/g, '').slice(-count);
}

export class SmsService extends TypedEmitter<SmsServiceEvents> implements Service {
  readonly name = 'sms';
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #modems: ReadonlyMap<string, GsmModem>;
  readonly #options: SmsServiceOptions;
  readonly #onEvent: SmsServiceDeps['onEvent'];
  readonly #sipMessage: SmsServiceDeps['sipMessage'];
  readonly #sendRetry: RetryPolicy;
  readonly #routeRetry: RetryPolicy;
  #routes = new Map<string, InboundRoute>();
  #unsubscribe: (() => void)[] = [];
  #running = false;
  #outTimer: Timer | undefined;
  #routeTimer: Timer | undefined;
  #sweepTimer: Timer | undefined;
  /** Modems with a send in flight. */
  #busy = new Set<string>();
  /** Per modem: monotonic time before which pacing forbids the next send. */
  #freeAt = new Map<string, number>();
  #lost = new Set<string>();
  #rr = 0;
  /** message_id|route pairs being delivered now. */
  #delivering = new Set<string>();
  #pending = new Set<Promise<unknown>>();

  constructor(deps: SmsServiceDeps) {
    super();
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.logger.child({ ns: 'sms' });
    this.#modems = deps.modems;
    this.#options = deps.options ?? {};
    this.#onEvent = deps.onEvent;
    this.#sipMessage = deps.sipMessage;
    this.#sendRetry = { baseMs: 10_000, maxMs: 600_000, maxAttempts: 5, ...this.#options.sendRetry };
    this.#routeRetry = { baseMs: 5_000, maxMs: 600_000, maxAttempts: 10, ...this.#options.routeRetry };
  }

  // ---------------------------------------------------------------- lifecycle

  async start(_signal: AbortSignal): Promise<void> {
    if (this.#running) return;
    this.#store.migrate('sms', SMS_MIGRATIONS);
    const r = this.#options.routes ?? {};
    if (r.event) this.#routes.set('event', { name: 'event', deliver: (sms) => this.#emitReceived(sms) });
    if (r.webhook) this.#routes.set('webhook', new WebhookRoute(r.webhook, this.#clock));
    if (r.email) this.#routes.set('email', new EmailRoute(r.email, this.#clock));
    if (r.sip && this.#sipMessage) {
      const sip = this.#sipMessage;
      this.#routes.set('sip', { name: 'sip', deliver: (sms) => sip(sms) });
    }
    // A send that was in flight when we stopped may or may not have left the modem: send again
    // (a possible duplicate beats a silent loss); the log says so.
    const now = this.#clock.wallClockMs();
    const resumed = this.#store.db
      .prepare(
        "UPDATE sms_out SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE status = 'sending'",
      )
      .run(now, now).changes;
    if (resumed > 0)
      this.#log.warn({ count: resumed }, 'resending messages that were in flight at the last stop');
    for (const [id, modem] of this.#modems) {
      this.#unsubscribe.push(
        modem.on('sms', (sms) => this.#onModemSms(id, sms)),
        modem.on('network', () => this.#kickOutbound()),
        modem.on('lost', () => {
          this.#lost.add(id);
        }),
        modem.on('recovered', () => {
          this.#lost.delete(id);
          this.#kickOutbound();
        }),
      );
    }
    this.#running = true;
    this.#sweepTimer = this.#clock.setInterval(this.#options.sweepIntervalMs ?? 1000, () => this.#sweep());
    this.#sweep();
    this.#kickOutbound();
    this.#kickRoutes();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#outTimer?.cancel();
    this.#routeTimer?.cancel();
    this.#sweepTimer?.cancel();
    this.#outTimer = this.#routeTimer = this.#sweepTimer = undefined;
    // In-flight sends and deliveries finish (their results are written) before the store closes.
    await Promise.allSettled([...this.#pending]);
  }

  health(): ServiceHealth {
    if (!this.#running) return { status: 'failed', detail: 'not running' };
    const q = this.#store.db
      .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sms_out WHERE status IN ('queued','sending')")
      .get();
    const dead = this.#store.db
      .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sms_route WHERE state = 'dead'")
      .get();
    return { status: 'ok', queued: q?.n ?? 0, deadLetters: dead?.n ?? 0 };
  }

  /** Resolves when no send or delivery is in flight (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  // ---------------------------------------------------------------- outbound

  /** How `text` would be sent (encoding, segments, room left). */
  preview(text: string): SmsPreview {
    return previewSms(text, { allowNationalShift: this.#options.allowNationalShift ?? false });
  }

  send(request: SendRequest): SendResult {
    const { text, idempotencyKey } = request;
    if (typeof text !== 'string' || text.length === 0)
      throw new LinegateError('SMS_INVALID', 'text is empty');
    const number = typeof request.to === 'string' ? normaliseNumber(request.to) : null;
    if (number === null)
      throw new LinegateError('SMS_INVALID', `"to" is not a phone number: ${String(request.to)}`);
    if (request.modem !== undefined && !this.#modems.has(request.modem)) {
      throw new LinegateError('NOT_FOUND', `no modem "${request.modem}"`);
    }
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length > 200)) {
      throw new LinegateError('BAD_REQUEST', 'idempotencyKey must be a string of at most 200 characters');
    }
    const preview = this.preview(text);
    const maxSegments = Math.min(this.#options.maxSegments ?? 10, MAX_SEGMENTS);
    if (preview.segments > maxSegments) {
      throw new LinegateError(
        'SMS_INVALID',
        `text is too long: ${preview.segments} segments (${preview.encoding}), at most ${maxSegments}`,
      );
    }
    const now = this.#clock.wallClockMs();
    const row: OutRow = {
      id: randomUUID(),
      idempotency_key: idempotencyKey ?? null,
      number,
      text,
      requested_modem: request.modem ?? null,
      modem: null,
      status: 'queued',
      encoding: preview.encoding,
      segments: preview.segments,
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
      sent_at: null,
      delivered_at: null,
      error: null,
    };
    let result: SendResult;
    if (idempotencyKey === undefined) {
      this.#store.db
        .prepare(
          `INSERT INTO sms_out (id, idempotency_key, number, text, requested_modem, modem, status, encoding, segments,
           attempts, next_attempt_at, created_at, updated_at, sent_at, delivered_at, error)
           VALUES (@id, @idempotency_key, @number, @text, @requested_modem, @modem, @status, @encoding, @segments,
           @attempts, @next_attempt_at, @created_at, @updated_at, @sent_at, @delivered_at, @error)`,
        )
        .run(row);
      result = { id: row.id, status: 'queued', segments: row.segments };
    } else {
      const { inserted } = this.#store.insertIdempotent(
        'sms_out',
        row as unknown as Record<string, unknown>,
        'idempotency_key',
      );
      if (!inserted) {
        const existing = this.#outByKey(idempotencyKey)!;
        return { id: existing.id, status: existing.status, segments: existing.segments };
      }
      result = { id: row.id, status: 'queued', segments: row.segments };
    }
    this.#log.info({ id: row.id, segments: row.segments, encoding: row.encoding }, 'sms queued');
    this.#kickOutbound();
    return result;
  }

  #outByKey(key: string): OutRow | undefined {
    return this.#store.db
      .prepare<[string], OutRow>('SELECT * FROM sms_out WHERE idempotency_key = ?')
      .get(key);
  }

  #kickOutbound(): void {
    if (!this.#running) return;
    this.#outTimer?.cancel();
    this.#outTimer = this.#clock.setTimer(0, () => this.#pumpOutbound());
  }

  #modemUsable(id: string): boolean {
    const modem = this.#modems.get(id);
    if (!modem || this.#lost.has(id)) return false;
    return USABLE_REGISTRATION.has(modem.network.registration);
  }

  #candidates(row: OutRow): string[] {
    if (row.requested_modem) return [row.requested_modem];
    const all = [...this.#modems.keys()];
    if ((this.#options.selection ?? 'round-robin') === 'prefix') {
      let best = -1;
      let chosen: string[] = [];
      for (const r of this.#options.prefixRoutes ?? []) {
        if (!row.number.startsWith(r.prefix) || !this.#modems.has(r.modem)) continue;
        if (r.prefix.length > best) {
          best = r.prefix.length;
          chosen = [r.modem];
        } else if (r.prefix.length === best) chosen.push(r.modem);
      }
      if (chosen.length > 0) return chosen;
    }
    return all;
  }

  #pick(row: OutRow, nowMono: number): { modem?: string; wakeMono?: number } {
    const candidates = this.#candidates(row).filter((id) => this.#modemUsable(id));
    let wake: number | undefined;
    const free = candidates.filter((id) => {
      if (this.#busy.has(id)) return false;
      const at = this.#freeAt.get(id) ?? 0;
      if (at > nowMono) {
        wake = wake === undefined ? at : Math.min(wake, at);
        return false;
      }
      return true;
    });
    if (free.length === 0) return wake === undefined ? {} : { wakeMono: wake };
    if (this.#options.selection === 'least-used') {
      const since = this.#clock.wallClockMs() - 86_400_000;
      const used = (id: string) =>
        this.#store.db
          .prepare<[string, number], { n: number | null }>(
            "SELECT SUM(segments) AS n FROM sms_out WHERE modem = ? AND status IN ('sent','delivered','sending') AND updated_at >= ?",
          )
          .get(id, since)?.n ?? 0;
      const counted = free.map((id) => ({ id, n: used(id) }));
      counted.sort((a, b) => a.n - b.n);
      return { modem: counted[0]!.id };
    }
    const modem = free[this.#rr++ % free.length]!;
    return { modem };
  }

  #pumpOutbound(): void {
    this.#outTimer = undefined;
    if (!this.#running) return;
    const nowWall = this.#clock.wallClockMs();
    const nowMono = this.#clock.now();
    let wakeWall: number | undefined;
    const queued = this.#store.db
      .prepare<[], OutRow>(
        "SELECT * FROM sms_out WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 200",
      )
      .all();
    for (const row of queued) {
      if (row.next_attempt_at > nowWall) {
        wakeWall = wakeWall === undefined ? row.next_attempt_at : Math.min(wakeWall, row.next_attempt_at);
        continue;
      }
      if (row.requested_modem && !this.#modems.has(row.requested_modem)) {
        this.#finishFailed(row, `modem "${row.requested_modem}" no longer exists`);
        continue;
      }
      const { modem, wakeMono } = this.#pick(row, nowMono);
      if (wakeMono !== undefined) {
        const w = nowWall + (wakeMono - nowMono);
        wakeWall = wakeWall === undefined ? w : Math.min(wakeWall, w);
      }
      if (modem) this.#track(this.#sendOne(row, modem));
    }
    if (wakeWall !== undefined && this.#running) {
      this.#outTimer = this.#clock.setTimer(Math.max(0, wakeWall - nowWall), () => this.#pumpOutbound());
    }
  }

  async #sendOne(row: OutRow, modemId: string): Promise<void> {
    const modem = this.#modems.get(modemId)!;
    const paceMs = this.#options.paceMs ?? 6000;
    this.#busy.add(modemId);
    this.#freeAt.set(modemId, this.#clock.now() + paceMs * row.segments);
    const attempt = row.attempts + 1;
    const now = this.#clock.wallClockMs();
    this.#store.db
      .prepare("UPDATE sms_out SET status = 'sending', modem = ?, attempts = ?, updated_at = ? WHERE id = ?")
      .run(modemId, attempt, now, row.id);
    let refs: number[] | undefined;
    let failure: unknown;
    try {
      const { pdus } = encodeSubmit({
        to: row.number,
        text: row.text,
        statusReport: this.#options.statusReports ?? true,
        allowNationalShift: this.#options.allowNationalShift ?? false,
        ...(this.#options.smsc ? { smsc: this.#options.smsc } : {}),
        ...(this.#options.validitySeconds ? { validitySeconds: this.#options.validitySeconds } : {}),
      });
      this.#log.debug({ id: row.id, modem: modemId, segments: pdus.length }, '» sending sms');
      refs = await modem.sendSms(pdus);
    } catch (err) {
      failure = err;
    } finally {
      // Pacing counts from the start of the send (a rate per SIM); `busy` keeps sends one at a time.
      this.#busy.delete(modemId);
    }
    try {
      this.#recordSendResult({ ...row, modem: modemId, attempts: attempt }, refs, failure);
    } catch (err) {
      // Store closed under us (stop during a send): the row stays 'sending' and is resent on start.
      this.#log.error({ id: row.id, err: errorMessage(err) }, 'could not record send result');
    }
    this.#kickOutbound();
  }

  #recordSendResult(row: OutRow, refs: number[] | undefined, failure: unknown): void {
    const now = this.#clock.wallClockMs();
    if (refs && failure === undefined) {
      this.#store.transaction(() => {
        this.#store.db
          .prepare(
            "UPDATE sms_out SET status = 'sent', sent_at = ?, updated_at = ?, error = NULL WHERE id = ?",
          )
          .run(now, now, row.id);
        const insert = this.#store.db.prepare(
          `INSERT OR REPLACE INTO sms_out_part (out_id, seq, modem, reference, status, report_status, created_at)
           VALUES (?, ?, ?, ?, 'sent', NULL, ?)`,
        );
        for (const [i, ref] of refs.entries()) insert.run(row.id, i + 1, row.modem, ref, now);
      });
      this.#log.info({ id: row.id, modem: row.modem, refs }, 'sms sent');
      this.#emitOut('sms_sent', row.id);
      return;
    }
    const reason = errorMessage(failure ?? new Error('modem returned no message reference'));
    const retryable = isRetryableSendError(failure);
    if (retryable && row.attempts < this.#sendRetry.maxAttempts) {
      const delay = backoffMs(this.#sendRetry, row.attempts);
      this.#store.db
        .prepare(
          "UPDATE sms_out SET status = 'queued', next_attempt_at = ?, updated_at = ?, error = ? WHERE id = ?",
        )
        .run(now + delay, now, reason, row.id);
      this.#log.warn(
        { id: row.id, modem: row.modem, attempt: row.attempts, delayMs: delay, reason },
        'send failed, will retry',
      );
      return;
    }
    this.#finishFailed(row, reason);
  }

  #finishFailed(row: OutRow, reason: string): void {
    const now = this.#clock.wallClockMs();
    this.#store.db
      .prepare("UPDATE sms_out SET status = 'failed', updated_at = ?, error = ? WHERE id = ?")
      .run(now, reason, row.id);
    this.#log.warn({ id: row.id, reason }, 'sms failed');
    this.#emitOut('sms_failed', row.id);
  }

  #emitOut(type: 'sms_sent' | 'sms_failed' | 'sms_delivered', id: string): void {
    const item = this.get(id);
    if (!item) return;
    this.emit(type, item);
    this.#fireEvent(type, item);
  }

  #fireEvent(type: SmsEventType, payload: Record<string, unknown>): void {
    if (!this.#onEvent) return;
    try {
      const r = this.#onEvent(type, payload);
      if (r && typeof (r as Promise<void>).catch === 'function') {
        (r as Promise<void>).catch((err) =>
          this.#log.warn({ type, err: errorMessage(err) }, 'event sink failed'),
        );
      }
    } catch (err) {
      this.#log.warn({ type, err: errorMessage(err) }, 'event sink threw');
    }
  }

  // ---------------------------------------------------------------- inbound

  #onModemSms(modemId: string, sms: IncomingSms): void {
    try {
      this.#ingest(modemId, sms);
    } catch (err) {
      // Not stored: not deleted either, so the supervisor's next poll brings it back.
      this.#log.error({ modem: modemId, err: errorMessage(err) }, 'could not store incoming sms');
    }
  }

  #ingest(modemId: string, sms: IncomingSms): void {
    const pdu = String(sms.pdu ?? '')
      .trim()
      .toUpperCase();
    const decoded = decodePdu(pdu);
    const isReport = sms.statusReport || decoded.type === 'SMS-STATUS-REPORT';
    const storage = sms.storage ?? 'direct';
    const hash = createHash('sha256').update(pdu).digest('hex').slice(0, 32);
    const idemKey = `${modemId}|${storage}|${hash}`;
    const now = this.#clock.wallClockMs();
    if (decoded.errors.length > 0) {
      this.#log.warn({ modem: modemId, errors: decoded.errors }, '« malformed PDU stored as far as decoded');
    }
    const concat = !isReport ? decoded.concat : undefined;
    const concatKey =
      concat && concat.parts > 1
        ? `${modemId}|${decoded.number ?? ''}|${concat.refBits}:${concat.ref}|${concat.parts}`
        : null;
    let inserted = false;
    let completed: string | undefined;
    this.#store.transaction(() => {
      inserted = this.#store.insertIdempotent(
        'sms_in_pdu',
        {
          idem_key: idemKey,
          modem: modemId,
          storage: sms.storage ?? null,
          idx: sms.index ?? null,
          pdu,
          kind: isReport ? 'report' : 'message',
          number: decoded.number,
          concat_key: concatKey,
          concat_seq: concatKey ? concat!.seq : null,
          concat_parts: concatKey ? concat!.parts : null,
          message_id: null,
          received_at: now,
        },
        'idem_key',
      ).inserted;
      if (!inserted) return;
      if (isReport) {
        this.#applyStatusReport(modemId, decoded);
        this.#store.db.prepare("UPDATE sms_in_pdu SET message_id = 'report' WHERE idem_key = ?").run(idemKey);
      } else if (concatKey) {
        // A re-sent copy (new timestamp, so a new hash) of a part an assembled message already has
        // joins that message instead of opening a group that would time out as a duplicate.
        const earlier = this.#store.db
          .prepare<[string, number, number], { message_id: string }>(
            `SELECT message_id FROM sms_in_pdu WHERE concat_key = ? AND concat_seq = ? AND message_id IS NOT NULL
             AND received_at >= ? ORDER BY received_at DESC LIMIT 1`,
          )
          .get(concatKey, concat!.seq, now - (this.#options.reassemblyTimeoutMs ?? 600_000));
        if (earlier) {
          this.#store.db
            .prepare('UPDATE sms_in_pdu SET message_id = ? WHERE idem_key = ?')
            .run(earlier.message_id, idemKey);
        } else {
          completed = this.#tryAssemble(concatKey, false);
        }
      } else {
        completed = this.#createMessage(modemId, [{ decoded, idemKey }], 1, now);
      }
    });
    this.#log.info(
      {
        modem: modemId,
        storage: sms.storage,
        index: sms.index,
        kind: isReport ? 'report' : 'message',
        duplicate: !inserted,
      },
      '« sms stored',
    );
    // Stored (or already stored before): now it may leave the SIM.
    if (sms.storage !== undefined && sms.index !== undefined) {
      const modem = this.#modems.get(modemId);
      const storageName = sms.storage;
      const index = sms.index;
      if (modem) {
        this.#track(
          modem
            .deleteSms(storageName, index)
            .catch((err) =>
              this.#log.warn(
                { modem: modemId, storage: storageName, index, err: errorMessage(err) },
                'delete failed',
              ),
            ),
        );
      }
    }
    if (isReport && inserted) this.#afterReport();
    if (completed) this.#kickRoutes();
  }

  /** Assembles a multipart group when complete (or `force` on timeout); returns the new message id. */
  #tryAssemble(concatKey: string, force: boolean): string | undefined {
    const rows = this.#store.db
      .prepare<[string], PduRow>(
        'SELECT * FROM sms_in_pdu WHERE concat_key = ? AND message_id IS NULL ORDER BY received_at, rowid',
      )
      .all(concatKey);
    if (rows.length === 0) return undefined;
    const parts = rows[0]!.concat_parts ?? 1;
    const bySeq = new Map<number, PduRow>();
    for (const r of rows) if (r.concat_seq !== null && !bySeq.has(r.concat_seq)) bySeq.set(r.concat_seq, r);
    if (bySeq.size < parts && !force) return undefined;
    const ordered = [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    const decodedParts = ordered.map((r) => ({ decoded: decodePdu(r.pdu), idemKey: r.idem_key }));
    const id = this.#createMessage(rows[0]!.modem, decodedParts, parts, this.#clock.wallClockMs());
    // Extra copies of a seq we already have belong to this message too.
    const mark = this.#store.db.prepare('UPDATE sms_in_pdu SET message_id = ? WHERE idem_key = ?');
    for (const r of rows) mark.run(id, r.idem_key);
    return id;
  }

  #createMessage(
    modemId: string,
    parts: { decoded: DecodedPdu; idemKey: string }[],
    partsExpected: number,
    now: number,
  ): string {
    const id = randomUUID();
    const first = parts[0]!.decoded;
    const errors = parts.flatMap((p, i) =>
      p.decoded.errors.map((e) => (parts.length > 1 ? `part ${i + 1}: ${e}` : e)),
    );
    const complete = parts.length >= partsExpected;
    if (!complete) {
      const have = new Set(parts.map((p) => p.decoded.concat?.seq));
      const missing = [];
      for (let s = 1; s <= partsExpected; s++) if (!have.has(s)) missing.push(s);
      errors.push(`incomplete: part(s) ${missing.join(', ')} of ${partsExpected} never arrived`);
    }
    this.#store.db
      .prepare(
        `INSERT INTO sms_in (id, modem, number, smsc, text, encoding, sent_time, received_at, segments, parts_expected,
         complete, message_class, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        modemId,
        first.number,
        first.smsc,
        parts.map((p) => p.decoded.text).join(''),
        first.encoding,
        first.time,
        now,
        parts.length,
        partsExpected,
        complete ? 1 : 0,
        first.messageClass ?? null,
        JSON.stringify(errors),
      );
    const mark = this.#store.db.prepare('UPDATE sms_in_pdu SET message_id = ? WHERE idem_key = ?');
    for (const p of parts) mark.run(id, p.idemKey);
    const addRoute = this.#store.db.prepare(
      "INSERT INTO sms_route (message_id, route, state, attempts, next_attempt_at, updated_at) VALUES (?, ?, 'pending', 0, ?, ?)",
    );
    for (const route of this.#routes.keys()) addRoute.run(id, route, now, now);
    return id;
  }

  #applyStatusReport(modemId: string, d: DecodedPdu): void {
    if (d.reference === undefined || d.status === undefined) return;
    const candidates = this.#store.db
      .prepare<[string, number], { out_id: string; seq: number; number: string; created_at: number }>(
        `SELECT p.out_id, p.seq, o.number, p.created_at FROM sms_out_part p JOIN sms_out o ON o.id = p.out_id
         WHERE p.modem = ? AND p.reference = ? ORDER BY p.created_at DESC, p.rowid DESC LIMIT 10`,
      )
      .all(modemId, d.reference);
    if (candidates.length === 0) {
      this.#log.info({ modem: modemId, reference: d.reference }, '« status report for an unknown message');
      return;
    }
    // TP-MR wraps at 256: prefer the newest segment whose destination matches the report's recipient.
    const want = trailingDigits(d.number);
    const match = candidates.find((c) => want !== '' && trailingDigits(c.number) === want) ?? candidates[0]!;
    const category = d.statusCategory ?? 'failed';
    if (category === 'pending') {
      this.#store.db
        .prepare('UPDATE sms_out_part SET report_status = ? WHERE out_id = ? AND seq = ?')
        .run(d.status, match.out_id, match.seq);
      return;
    }
    this.#store.db
      .prepare('UPDATE sms_out_part SET status = ?, report_status = ? WHERE out_id = ? AND seq = ?')
      .run(category, d.status, match.out_id, match.seq);
    const parts = this.#store.db
      .prepare<[string], { status: string }>('SELECT status FROM sms_out_part WHERE out_id = ?')
      .all(match.out_id);
    const out = this.#store.db
      .prepare<[string], OutRow>('SELECT * FROM sms_out WHERE id = ?')
      .get(match.out_id);
    if (!out || out.status === 'delivered' || out.status === 'failed') return;
    const now = this.#clock.wallClockMs();
    if (parts.some((p) => p.status === 'failed')) {
      this.#store.db
        .prepare("UPDATE sms_out SET status = 'failed', updated_at = ?, error = ? WHERE id = ?")
        .run(now, `status report: TP-ST 0x${d.status.toString(16).padStart(2, '0')}`, out.id);
      this.#reported.push({ type: 'sms_failed', id: out.id });
    } else if (parts.length >= out.segments && parts.every((p) => p.status === 'delivered')) {
      this.#store.db
        .prepare("UPDATE sms_out SET status = 'delivered', delivered_at = ?, updated_at = ? WHERE id = ?")
        .run(now, now, out.id);
      this.#reported.push({ type: 'sms_delivered', id: out.id });
    }
  }

  /** Events decided inside a transaction, emitted after it commits. */
  #reported: { type: 'sms_failed' | 'sms_delivered'; id: string }[] = [];

  #afterReport(): void {
    for (const { type, id } of this.#reported.splice(0)) this.#emitOut(type, id);
  }

  /** Periodic: multipart groups whose first part is older than the timeout are delivered incomplete. */
  #sweep(): void {
    if (!this.#running) return;
    try {
      const cutoff = this.#clock.wallClockMs() - (this.#options.reassemblyTimeoutMs ?? 600_000);
      const stale = this.#store.db
        .prepare<[number], { concat_key: string }>(
          `SELECT concat_key FROM sms_in_pdu WHERE concat_key IS NOT NULL AND message_id IS NULL
           GROUP BY concat_key HAVING MIN(received_at) <= ?`,
        )
        .all(cutoff);
      let created = false;
      for (const { concat_key } of stale) {
        const id = this.#store.transaction(() => this.#tryAssemble(concat_key, true));
        if (id) {
          created = true;
          this.#log.warn({ id, key: concat_key }, 'multipart sms timed out: delivered incomplete');
        }
      }
      if (created) this.#kickRoutes();
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, 'sms sweep failed');
    }
  }

  // ---------------------------------------------------------------- routes

  #kickRoutes(): void {
    if (!this.#running) return;
    this.#routeTimer?.cancel();
    this.#routeTimer = this.#clock.setTimer(0, () => this.#pumpRoutes());
  }

  #pumpRoutes(): void {
    this.#routeTimer = undefined;
    if (!this.#running) return;
    const now = this.#clock.wallClockMs();
    const rows = this.#store.db
      .prepare<[], RouteRow>(
        "SELECT * FROM sms_route WHERE state = 'pending' ORDER BY next_attempt_at, rowid LIMIT 500",
      )
      .all();
    let wake: number | undefined;
    for (const row of rows) {
      const key = `${row.message_id}|${row.route}`;
      if (this.#delivering.has(key)) continue;
      if (row.next_attempt_at > now) {
        wake = wake === undefined ? row.next_attempt_at : Math.min(wake, row.next_attempt_at);
        continue;
      }
      const route = this.#routes.get(row.route);
      if (!route) {
        this.#store.db
          .prepare(
            "UPDATE sms_route SET state = 'dead', last_error = 'route no longer configured', updated_at = ? WHERE message_id = ? AND route = ?",
          )
          .run(now, row.message_id, row.route);
        continue;
      }
      const sms = this.#inbound(row.message_id);
      if (!sms) continue;
      this.#delivering.add(key);
      this.#track(this.#deliver(route, row, sms).finally(() => this.#delivering.delete(key)));
    }
    if (wake !== undefined) this.#routeTimer = this.#clock.setTimer(wake - now, () => this.#pumpRoutes());
  }

  async #deliver(route: InboundRoute, row: RouteRow, sms: InboundSms): Promise<void> {
    let failure: unknown;
    try {
      await route.deliver(sms);
    } catch (err) {
      failure = err ?? new Error('route failed');
    }
    if (!this.#running) {
      // Stopping: leave the row pending unless it succeeded (a closed store would throw).
      if (failure !== undefined) return;
    }
    try {
      const now = this.#clock.wallClockMs();
      const attempts = row.attempts + 1;
      if (failure === undefined) {
        this.#store.db
          .prepare(
            "UPDATE sms_route SET state = 'delivered', attempts = ?, last_error = NULL, updated_at = ? WHERE message_id = ? AND route = ?",
          )
          .run(attempts, now, row.message_id, row.route);
        this.#log.debug({ id: sms.id, route: route.name }, '» sms routed');
      } else {
        const dead = attempts >= this.#routeRetry.maxAttempts;
        const next = now + backoffMs(this.#routeRetry, attempts);
        this.#store.db
          .prepare(
            'UPDATE sms_route SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE message_id = ? AND route = ?',
          )
          .run(
            dead ? 'dead' : 'pending',
            attempts,
            next,
            errorMessage(failure),
            now,
            row.message_id,
            row.route,
          );
        this.#log.warn(
          { id: sms.id, route: route.name, attempts, err: errorMessage(failure) },
          dead ? 'sms route dead-lettered' : 'sms route failed, will retry',
        );
      }
    } catch (err) {
      this.#log.error({ id: sms.id, err: errorMessage(err) }, 'could not record route result');
    }
    this.#kickRoutes();
  }

  async #emitReceived(sms: InboundSms): Promise<void> {
    this.emit('sms_received', sms);
    if (this.#onEvent) await this.#onEvent('sms_received', { ...sms });
  }

  #inbound(id: string): InboundSms | undefined {
    const r = this.#store.db.prepare<[string], InRow>('SELECT * FROM sms_in WHERE id = ?').get(id);
    return r ? this.#inRowToSms(r) : undefined;
  }

  #inRowToSms(r: InRow): InboundSms {
    return {
      id: r.id,
      direction: 'in',
      modem: r.modem,
      number: r.number,
      text: r.text,
      sentTime: r.sent_time,
      time: iso(r.received_at),
      segments: r.segments,
      partsExpected: r.parts_expected,
      complete: r.complete === 1,
      encoding: r.encoding,
      smsc: r.smsc,
      messageClass: r.message_class,
      errors: JSON.parse(r.errors) as string[],
    };
  }

  // ---------------------------------------------------------------- queries

  get(id: string): SmsItem | undefined {
    const out = this.#store.db.prepare<[string], OutRow>('SELECT * FROM sms_out WHERE id = ?').get(id);
    if (out) return this.#outItem(out);
    const inRow = this.#store.db.prepare<[string], InRow>('SELECT * FROM sms_in WHERE id = ?').get(id);
    return inRow ? this.#inItem(inRow) : undefined;
  }

  list(query: ListQuery = {}): { items: SmsItem[] } {
    const limit = Math.max(1, Math.min(500, Math.floor(query.limit ?? 50)));
    let before = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const b = typeof query.before === 'number' ? query.before : Date.parse(query.before);
      if (!Number.isFinite(b))
        throw new LinegateError('BAD_REQUEST', '"before" must be an ISO time or epoch ms');
      before = b;
    }
    const items: SmsItem[] = [];
    if (query.direction !== 'in') {
      const rows = this.#store.db
        .prepare<[number, number], OutRow>(
          'SELECT * FROM sms_out WHERE created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
        )
        .all(before, limit);
      items.push(...rows.map((r) => this.#outItem(r)));
    }
    if (query.direction !== 'out') {
      const rows = this.#store.db
        .prepare<[number, number], InRow>(
          'SELECT * FROM sms_in WHERE received_at < ? ORDER BY received_at DESC, rowid DESC LIMIT ?',
        )
        .all(before, limit);
      items.push(...rows.map((r) => this.#inItem(r)));
    }
    items.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    return { items: items.slice(0, limit) };
  }

  #outItem(r: OutRow): SmsItem {
    const parts = this.#store.db
      .prepare<[string], { seq: number; reference: number; status: string; report_status: number | null }>(
        'SELECT seq, reference, status, report_status FROM sms_out_part WHERE out_id = ? ORDER BY seq',
      )
      .all(r.id);
    return {
      id: r.id,
      direction: 'out',
      number: r.number,
      text: r.text,
      status: r.status,
      time: iso(r.created_at),
      segments: r.segments,
      modem: r.modem,
      encoding: r.encoding,
      attempts: r.attempts,
      idempotencyKey: r.idempotency_key,
      sentAt: r.sent_at === null ? null : iso(r.sent_at),
      deliveredAt: r.delivered_at === null ? null : iso(r.delivered_at),
      error: r.error,
      parts: parts.map((p) => ({
        seq: p.seq,
        reference: p.reference,
        status: p.status,
        reportStatus: p.report_status,
      })),
    };
  }

  #inItem(r: InRow): SmsItem {
    const sms = this.#inRowToSms(r);
    const routes = this.#store.db
      .prepare<[string], { route: string; state: string; attempts: number; last_error: string | null }>(
        'SELECT route, state, attempts, last_error FROM sms_route WHERE message_id = ? ORDER BY route',
      )
      .all(r.id);
    return {
      ...sms,
      status: sms.complete ? 'received' : 'incomplete',
      routes: Object.fromEntries(
        routes.map((x) => [x.route, { state: x.state, attempts: x.attempts, error: x.last_error }]),
      ),
    };
  }

  // ---------------------------------------------------------------- USSD

  /** USSD passthrough: sends `code` (e.g. "*100#") on a modem and returns its decoded answer. */
  async ussd(modemId: string, code: string): Promise<{ modem: string; code: string; response: string }> {
    if (typeof code !== 'string' || !/^[0-9*#+]{1,160}$/.test(code)) {
      throw new LinegateError('BAD_REQUEST', 'USSD code must be digits, * and # (e.g. *100#)');
    }
    const modem = this.#modems.get(modemId);
    if (!modem) throw new LinegateError('NOT_FOUND', `no modem "${modemId}"`);
    this.#log.info({ modem: modemId, code }, '» ussd');
    const response = await modem.ussd(code);
    this.#log.info({ modem: modemId }, '« ussd answered');
    return { modem: modemId, code, response };
  }
}
