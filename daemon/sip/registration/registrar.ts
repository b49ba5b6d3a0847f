import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import type { Migration, Store } from '../../store/database.ts';
import { isGrammarError, unquoteParam } from '../message/grammar.ts';
import {
  callIdOf,
  cseqOf,
  integerHeader,
  nameAddrList,
  nameAddrOf,
  type SipRequest,
} from '../message/message.ts';
import { formatUri, unescapedUser } from '../message/uri.ts';
import type { SipEndpoint } from '../transport/transport-layer.ts';

/** One registered contact of a local phone. */
export interface ContactBinding {
  /** Extension / user name (the AOR's user part). */
  user: string;
  contactUri: string;
  /** Wall-clock expiry, Unix ms. */
  expiresAtMs: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from: calls to this phone go there (NAT-friendly, like rport). */
  source: SipEndpoint;
  userAgent?: string;
  /** Last OPTIONS qualify result. */
  reachable?: boolean;
  latencyMs?: number;
}

export interface RegistrarOptions {
  clock: Clock;
  logger: Logger;
  store?: Store;
  /** Users allowed to register (the digest check happens before `handleRegister`). */
  users: readonly string[];
  minExpiresS?: number;
  maxExpiresS?: number;
  defaultExpiresS?: number;
}

export type RegistrarEvents = {
  registered: [ContactBinding];
  unregistered: [ContactBinding];
  qualified: [ContactBinding];
};

export interface RegisterAnswer {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

export const SIP_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'registrar contacts',
    up: `CREATE TABLE sip_contacts (
      user TEXT NOT NULL,
      contact_uri TEXT NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      call_id TEXT NOT NULL,
      cseq INTEGER NOT NULL,
      source_transport TEXT NOT NULL,
      source_address TEXT NOT NULL,
      source_port INTEGER NOT NULL,
      user_agent TEXT,
      PRIMARY KEY (user, contact_uri)
    )`,
  },
];

interface ContactRow {
  user: string;
  contact_uri: string;
  expires_at_ms: number;
  call_id: string;
  cseq: number;
  source_transport: string;
  source_address: string;
  source_port: number;
  user_agent: string | null;
}

/**
 * RFC 3261 §10.3 registrar for local phones: bindings with expiry,
 * `*` removal, 423 Interval Too Brief, Call-ID/CSeq ordering, persisted in
 * SQLite so phones stay reachable across a restart.
 */
export class Registrar extends TypedEmitter<RegistrarEvents> {
  readonly #options: RegistrarOptions;
  readonly #bindings = new Map<string, Map<string, ContactBinding>>();
  #sweep: Timer | undefined;

  constructor(options: RegistrarOptions) {
    super();
    this.#options = options;
  }

  get #minS(): number {
    return this.#options.minExpiresS ?? 60;
  }

  /** Creates the table and reloads unexpired bindings. */
  start(): void {
    const store = this.#options.store;
    if (store) {
      store.migrate('sip', SIP_MIGRATIONS);
      const now = this.#options.clock.wallClockMs();
      store.db.prepare('DELETE FROM sip_contacts WHERE expires_at_ms <= ?').run(now);
      for (const row of store.db.prepare('SELECT * FROM sip_contacts').all() as ContactRow[]) {
        const binding: ContactBinding = {
          user: row.user,
          contactUri: row.contact_uri,
          expiresAtMs: row.expires_at_ms,
          callId: row.call_id,
          cseq: row.cseq,
          source: {
            transport: row.source_transport as SipEndpoint['transport'],
            address: row.source_address,
            port: row.source_port,
          },
        };
        if (row.user_agent) binding.userAgent = row.user_agent;
        this.#put(binding);
      }
    }
    this.#sweep = this.#options.clock.setInterval(10_000, () => this.#expire());
  }

  stop(): void {
    this.#sweep?.cancel();
    this.#sweep = undefined;
  }

  /** Current bindings of a user (an extension), freshest first. */
  lookup(user: string): ContactBinding[] {
    this.#expire();
    return [...(this.#bindings.get(user)?.values() ?? [])].sort((a, b) => b.expiresAtMs - a.expiresAtMs);
  }

  all(): ContactBinding[] {
    this.#expire();
    return [...this.#bindings.values()].flatMap((m) => [...m.values()]);
  }

  /** Records an OPTIONS qualify result. */
  setQualify(binding: ContactBinding, reachable: boolean, latencyMs: number | undefined): void {
    binding.reachable = reachable;
    if (latencyMs === undefined) delete binding.latencyMs;
    else binding.latencyMs = latencyMs;
    this.emit('qualified', binding);
  }

  #put(binding: ContactBinding): void {
    let m = this.#bindings.get(binding.user);
    if (!m) {
      m = new Map();
      this.#bindings.set(binding.user, m);
    }
    m.set(binding.contactUri, binding);
  }

  #remove(binding: ContactBinding): void {
    this.#bindings.get(binding.user)?.delete(binding.contactUri);
    this.#options.store?.db
      .prepare('DELETE FROM sip_contacts WHERE user = ? AND contact_uri = ?')
      .run(binding.user, binding.contactUri);
    this.emit('unregistered', binding);
  }

  #expire(): void {
    const now = this.#options.clock.wallClockMs();
    for (const m of this.#bindings.values()) {
      for (const b of m.values()) if (b.expiresAtMs <= now) this.#remove(b);
    }
  }

  /**
   * Processes an authenticated REGISTER. `authenticatedUser` is the digest
   * user name (must match the AOR), or undefined for a trusted source.
   */
  handleRegister(
    req: SipRequest,
    source: SipEndpoint,
    authenticatedUser: string | undefined,
  ): RegisterAnswer {
    const to = nameAddrOf(req, 'to');
    const user = to ? unescapedUser(to.uri) : undefined;
    if (!to || !user) return { status: 400, reason: 'Bad AOR', headers: [] };
    if (!this.#options.users.includes(user)) return { status: 404, headers: [] };
    if (authenticatedUser !== undefined && authenticatedUser !== user) {
      return { status: 403, reason: 'Authenticated user does not own this AOR', headers: [] };
    }
    const contacts = nameAddrList(req, 'contact');
    if (isGrammarError(contacts)) return { status: 400, reason: 'Bad Contact', headers: [] };
    const headerExpires = integerHeader(req, 'expires');
    const callId = callIdOf(req);
    const cseq = cseqOf(req)?.seq ?? 0;
    const now = this.#options.clock.wallClockMs();
    const isStar = req.headers.getLines('contact').some((l) => l.trim() === '*');
    if (isStar) {
      if (headerExpires !== 0 || contacts.length > 0)
        return { status: 400, reason: 'Contact * needs Expires: 0', headers: [] };
      for (const b of this.lookup(user)) this.#remove(b);
      return this.#answer(user);
    }
    const changes: Array<{ uri: string; expiresS: number }> = [];
    for (const c of contacts) {
      const param = unquoteParam(c.params.get('expires'));
      const requested =
        param !== undefined && /^\d+$/.test(param)
          ? Number(param)
          : (headerExpires ?? this.#options.defaultExpiresS ?? 600);
      if (requested > 0 && requested < this.#minS) {
        return { status: 423, headers: [['Min-Expires', String(this.#minS)]] };
      }
      changes.push({
        uri: formatUri(c.uri),
        expiresS: Math.min(requested, this.#options.maxExpiresS ?? 3600),
      });
    }
    for (const change of changes) {
      const existing = this.#bindings.get(user)?.get(change.uri);
      // Out-of-order REGISTER on the same Call-ID (RFC 3261 §10.3 step 7): ignore it.
      if (existing && existing.callId === callId && cseq <= existing.cseq) continue;
      if (change.expiresS === 0) {
        if (existing) this.#remove(existing);
        continue;
      }
      const binding: ContactBinding = {
        user,
        contactUri: change.uri,
        expiresAtMs: now + change.expiresS * 1000,
        callId,
        cseq,
        source: { transport: source.transport, address: source.address, port: source.port },
      };
      const ua = req.headers.get('user-agent');
      if (ua) binding.userAgent = ua;
      this.#put(binding);
      this.#options.store?.db
        .prepare(
          `INSERT INTO sip_contacts (user, contact_uri, expires_at_ms, call_id, cseq, source_transport, source_address, source_port, user_agent)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(user, contact_uri) DO UPDATE SET expires_at_ms = excluded.expires_at_ms, call_id = excluded.call_id,
             cseq = excluded.cseq, source_transport = excluded.source_transport, source_address = excluded.source_address,
             source_port = excluded.source_port, user_agent = excluded.user_agent`,
        )
        .run(
          user,
          change.uri,
          binding.expiresAtMs,
          callId,
          cseq,
          source.transport,
          source.address,
          source.port,
          ua ?? null,
        );
      this.emit('registered', binding);
    }
    return this.#answer(user);
  }

  #answer(user: string): RegisterAnswer {
    const now = this.#options.clock.wallClockMs();
    const headers: Array<[string, string]> = this.lookup(user).map((b) => [
      'Contact',
      `<${b.contactUri}>;expires=${Math.max(0, Math.round((b.expiresAtMs - now) / 1000))}`,
    ]);
    headers.push(['Date', new Date(now).toUTCString()]);
    return { status: 200, headers };
  }
}
