import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../drivers/base/clock.ts';

/**
 * HTTP Digest for SIP: RFC 2617 / RFC 7616 computations, MD5 and SHA-256
 * (RFC 8760), qop=auth with nonce count and cnonce. No state beyond what is
 * needed: server nonces carry their own timestamp and HMAC, so expiry and
 * `stale=true` need no table; only the highest nonce count seen is kept to
 * refuse replays.
 */

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** Offered qop values, lower-cased (empty: RFC 2069 style). */
  qop: string[];
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** Parses `name=value, name="quoted"` auth params after the scheme. */
export function parseAuthParams(text: string): { scheme: string; params: Map<string, string> } | undefined {
  const m = /^\s*([A-Za-z0-9-]+)\s+(.*)$/s.exec(text);
  if (!m) return undefined;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = m[2] as string;
  let match: RegExpExecArray | null;
  let consumed = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: regex scanning loop
  while (consumed < rest.length && (match = re.exec(rest)) !== null) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    params.set((match[1] as string).toLowerCase(), value);
    consumed = re.lastIndex;
    if (match[0].length === 0) break;
  }
  if (consumed < rest.trim().length) return undefined;
  return { scheme: m[1] as string, params };
}

function normaliseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  const upper = value.toUpperCase();
  if (upper === 'MD5') return 'MD5';
  if (upper === 'SHA-256') return 'SHA-256';
  return undefined;
}

export function parseChallenge(header: string): DigestChallenge | undefined {
  const p = parseAuthParams(header);
  if (p?.scheme.toLowerCase() !== 'digest') return undefined;
  const realm = p.params.get('realm');
  const nonce = p.params.get('nonce');
  const algorithm = normaliseAlgorithm(p.params.get('algorithm'));
  if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm,
    qop: (p.params.get('qop') ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (p.params.get('stale') ?? '').toLowerCase() === 'true',
  };
  const opaque = p.params.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque;
  return challenge;
}

export function parseCredentials(header: string): DigestCredentials | undefined {
  const p = parseAuthParams(header);
  if (p?.scheme.toLowerCase() !== 'digest') return undefined;
  const get = (k: string) => p.params.get(k);
  const algorithm = normaliseAlgorithm(get('algorithm'));
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce');
  const uri = get('uri');
  const response = get('response');
  if (!algorithm || username === undefined || realm === undefined || !nonce || !uri || !response)
    return undefined;
  const creds: DigestCredentials = { username, realm, nonce, uri, response, algorithm };
  for (const k of ['opaque', 'qop', 'nc', 'cnonce'] as const) {
    const v = get(k);
    if (v !== undefined) creds[k] = v;
  }
  return creds;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The `response` value (RFC 7616 §3.4.1). */
export function digestResponse(input: DigestInput): string {
  const ha1 = hash(input.algorithm, `${input.username}:${input.realm}:${input.password}`);
  const ha2 = hash(input.algorithm, `${input.method}:${input.uri}`);
  if (input.qop) {
    return hash(input.algorithm, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
  }
  return hash(input.algorithm, `${ha1}:${input.nonce}:${ha2}`);
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Client side: answers 401/407 challenges. Keeps the nonce count per nonce
 * so a reused nonce (pre-emptive authorisation of later requests) counts up.
 */
export class DigestClient {
  readonly #username: string;
  readonly #password: string;
  #nonceCounts = new Map<string, number>();

  constructor(credentials: { username: string; password: string }) {
    this.#username = credentials.username;
    this.#password = credentials.password;
  }

  /** The Authorization/Proxy-Authorization value for `method uri`; undefined when the challenge is unusable. */
  authorize(challengeHeader: string, method: string, uri: string): string | undefined {
    const ch = parseChallenge(challengeHeader);
    if (!ch) return undefined;
    if (ch.qop.length > 0 && !ch.qop.includes('auth')) return undefined;
    const qop = ch.qop.length > 0 ? 'auth' : undefined;
    const count = (this.#nonceCounts.get(ch.nonce) ?? 0) + 1;
    if (this.#nonceCounts.size > 32) this.#nonceCounts.clear();
    this.#nonceCounts.set(ch.nonce, count);
    const nc = count.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const input: DigestInput = {
      algorithm: ch.algorithm,
      username: this.#username,
      realm: ch.realm,
      password: this.#password,
      method,
      uri,
      nonce: ch.nonce,
    };
    if (qop) Object.assign(input, { qop, nc, cnonce });
    const parts = [
      `username=${quote(this.#username)}`,
      `realm=${quote(ch.realm)}`,
      `nonce=${quote(ch.nonce)}`,
      `uri=${quote(uri)}`,
      `response=${quote(digestResponse(input))}`,
      `algorithm=${ch.algorithm}`,
    ];
    if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    return `Digest ${parts.join(', ')}`;
  }
}

export interface DigestServerOptions {
  realm: string;
  clock: Clock;
  /** Nonce lifetime; an older nonce with a correct response gets stale=true. Default 5 min. */
  nonceLifetimeMs?: number;
  /** Offered algorithms, strongest first (RFC 8760 §2.4: one challenge per algorithm). Default SHA-256, MD5. */
  algorithms?: DigestAlgorithm[];
  /** Key for nonce HMACs; random per process when omitted. */
  secret?: Buffer;
}

export type DigestVerdict =
  | { ok: true; username: string }
  | {
      ok: false;
      stale: boolean;
      reason: 'missing' | 'malformed' | 'realm' | 'nonce' | 'stale' | 'replay' | 'unknown-user' | 'mismatch';
    };

/** Server side: challenge and verify. `lookupPassword` returns undefined for unknown users. */
export class DigestServer {
  readonly realm: string;
  readonly #clock: Clock;
  readonly #lifetimeMs: number;
  readonly #algorithms: DigestAlgorithm[];
  readonly #secret: Buffer;
  #lastNc = new Map<string, number>();

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.#clock = options.clock;
    this.#lifetimeMs = options.nonceLifetimeMs ?? 300_000;
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    this.#secret = options.secret ?? randomBytes(32);
  }

  #nonce(): string {
    const ts = Math.floor(this.#clock.wallClockMs()).toString(16);
    const salt = randomBytes(6).toString('hex');
    const mac = createHmac('sha256', this.#secret).update(`${ts}:${salt}`).digest('hex').slice(0, 24);
    return `${ts}.${salt}.${mac}`;
  }

  /** Returns the nonce age in ms, or undefined when the nonce was not made by us. */
  #nonceAgeMs(nonce: string): number | undefined {
    const [ts, salt, mac] = nonce.split('.');
    if (!ts || !salt || !mac) return undefined;
    const expected = createHmac('sha256', this.#secret).update(`${ts}:${salt}`).digest('hex').slice(0, 24);
    const a = Buffer.from(mac);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    return this.#clock.wallClockMs() - Number.parseInt(ts, 16);
  }

  /** WWW-Authenticate (or Proxy-Authenticate) values, one per algorithm. */
  challenges(stale = false): string[] {
    const nonce = this.#nonce();
    return this.#algorithms.map(
      (algorithm) =>
        `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    );
  }

  verify(
    authorizationHeaders: string[],
    method: string,
    lookupPassword: (username: string) => string | undefined,
  ): DigestVerdict {
    const candidates = authorizationHeaders.map(parseCredentials).filter((c) => c !== undefined);
    if (authorizationHeaders.length === 0) return { ok: false, stale: false, reason: 'missing' };
    const creds = candidates.find((c) => c.realm === this.realm);
    if (!creds) return { ok: false, stale: false, reason: candidates.length ? 'realm' : 'malformed' };
    const age = this.#nonceAgeMs(creds.nonce);
    if (age === undefined) return { ok: false, stale: false, reason: 'nonce' };
    const password = lookupPassword(creds.username);
    if (password === undefined) return { ok: false, stale: false, reason: 'unknown-user' };
    const input: DigestInput = {
      algorithm: creds.algorithm,
      username: creds.username,
      realm: creds.realm,
      password,
      method,
      uri: creds.uri,
      nonce: creds.nonce,
    };
    if (creds.qop) {
      if (creds.qop !== 'auth' || !creds.nc || !creds.cnonce)
        return { ok: false, stale: false, reason: 'malformed' };
      Object.assign(input, { qop: creds.qop, nc: creds.nc, cnonce: creds.cnonce });
    }
    const expected = Buffer.from(digestResponse(input));
    const given = Buffer.from(creds.response.toLowerCase());
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, stale: false, reason: 'mismatch' };
    }
    // A correct answer to an old nonce: ask again with stale=true, no password prompt (RFC 7616 §3.3).
    if (age > this.#lifetimeMs) return { ok: false, stale: true, reason: 'stale' };
    if (creds.nc) {
      const nc = Number.parseInt(creds.nc, 16);
      const key = `${creds.nonce}:${creds.username}`;
      if (nc <= (this.#lastNc.get(key) ?? 0)) return { ok: false, stale: false, reason: 'replay' };
      if (this.#lastNc.size > 10_000) this.#lastNc.clear();
      this.#lastNc.set(key, nc);
    }
    return { ok: true, username: creds.username };
  }
}
