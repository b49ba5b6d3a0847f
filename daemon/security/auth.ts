import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../../drivers/base/clock.ts';
import { LinegateError } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { Migration, Store } from '../store/database.ts';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

/** scrypt parameters (N=2^15, r=8, p=1: ~50 ms and 32 MiB on a Pi 4). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
export const ADMIN_USER = 'admin';
export const MIN_PASSWORD_LENGTH = 10;

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'admin, sessions, api tokens',
    up: `
      CREATE TABLE auth_admin (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        changed_at INTEGER NOT NULL
      );
      CREATE TABLE auth_sessions (
        id_hash TEXT PRIMARY KEY,
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE auth_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );`,
  },
];

export interface Principal {
  kind: 'session' | 'token';
  username: string;
  /** CSRF token of a cookie session (writes must echo it). */
  csrf?: string;
  tokenId?: number;
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AuthOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  sessionHours: number;
  loginMaxFailures: number;
  loginLockoutS: number;
}

/**
 * One admin account, sessions and API tokens. No default password: the
 * first start either takes LINEGATE_ADMIN_PASSWORD or prints a one-time
 * setup code that must be presented to set the password. Only hashes are
 * stored (scrypt for the password, SHA-256 for random session ids and tokens).
 */
export class AuthService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #options: AuthOptions;
  readonly #failures = new Map<string, { count: number; lockedUntilMs: number; lastMs: number }>();
  #setupCode: string | undefined;

  constructor(options: AuthOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ ns: 'auth' });
  }

  /** Creates tables; sets the bootstrap password or makes a setup code. Returns the code when one was made. */
  async init(bootstrapPassword: string | undefined): Promise<{ setupCode?: string }> {
    this.#store.migrate('auth', MIGRATIONS);
    if (this.hasPassword()) return {};
    if (bootstrapPassword) {
      await this.#storePassword(bootstrapPassword);
      this.#logger.info('admin password set from LINEGATE_ADMIN_PASSWORD');
      return {};
    }
    this.#setupCode = String(randomInt(0, 100_000_000)).padStart(8, '0');
    return { setupCode: this.#setupCode };
  }

  hasPassword(): boolean {
    return (
      this.#store.db.prepare('SELECT 1 FROM auth_admin WHERE username = ?').get(ADMIN_USER) !== undefined
    );
  }

  get setupRequired(): boolean {
    return !this.hasPassword();
  }

  /** First boot: the setup code from the console/log sets the admin password. */
  async completeSetup(source: string, setupCode: string, newPassword: string): Promise<void> {
    this.#checkLockout(source);
    if (this.hasPassword())
      throw new LinegateError('CONFLICT', 'the admin password is already set; log in instead');
    if (!this.#setupCode || !safeEqual(setupCode.trim(), this.#setupCode)) {
      this.#recordFailure(source);
      throw new LinegateError('UNAUTHORIZED', 'wrong setup code');
    }
    assertStrongPassword(newPassword);
    await this.#storePassword(newPassword);
    this.#setupCode = undefined;
    this.#failures.delete(source);
    this.#logger.info('admin password set with the setup code');
  }

  /** Verifies credentials; on success returns a new session id (cookie) and its CSRF token. */
  async login(
    source: string,
    username: string,
    password: string,
  ): Promise<{ sessionId: string; csrf: string; expiresAt: number }> {
    this.#checkLockout(source);
    const row = this.#store.db
      .prepare<[string], { password_hash: string }>('SELECT password_hash FROM auth_admin WHERE username = ?')
      .get(username);
    const ok = row
      ? await verifyPassword(password, row.password_hash)
      : await verifyPassword(password, DUMMY_HASH).then(() => false);
    if (!ok) {
      this.#recordFailure(source);
      this.#logger.warn({ source, username: username.slice(0, 64) }, 'login failed');
      throw new LinegateError('UNAUTHORIZED', 'wrong user name or password');
    }
    this.#failures.delete(source);
    const sessionId = randomBytes(32).toString('base64url');
    const csrf = randomBytes(18).toString('base64url');
    const now = this.#clock.wallClockMs();
    const expiresAt = now + this.#options.sessionHours * 3600_000;
    this.#store.db
      .prepare('INSERT INTO auth_sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(sessionId), csrf, now, expiresAt);
    this.#store.db.prepare('DELETE FROM auth_sessions WHERE expires_at < ?').run(now);
    this.#logger.info({ source }, 'login');
    return { sessionId, csrf, expiresAt };
  }

  sessionPrincipal(sessionId: string): Principal | undefined {
    const row = this.#store.db
      .prepare<[string], { csrf: string; expires_at: number }>(
        'SELECT csrf, expires_at FROM auth_sessions WHERE id_hash = ?',
      )
      .get(sha256(sessionId));
    if (!row || row.expires_at < this.#clock.wallClockMs()) return undefined;
    return { kind: 'session', username: ADMIN_USER, csrf: row.csrf };
  }

  tokenPrincipal(token: string): Principal | undefined {
    const row = this.#store.db
      .prepare<[string], { id: number }>('SELECT id FROM auth_tokens WHERE token_hash = ?')
      .get(sha256(token));
    if (!row) return undefined;
    return { kind: 'token', username: ADMIN_USER, tokenId: row.id };
  }

  /** Marks a token used, at most once a minute per token so idle polling does not write constantly. */
  touchToken(id: number): void {
    const now = this.#clock.wallClockMs();
    this.#store.db
      .prepare(
        'UPDATE auth_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      )
      .run(now, id, now - 60_000);
  }

  logout(sessionId: string): void {
    this.#store.db.prepare('DELETE FROM auth_sessions WHERE id_hash = ?').run(sha256(sessionId));
  }

  /** Ends every session (logout everywhere); API tokens stay. */
  logoutEverywhere(): number {
    return this.#store.db.prepare('DELETE FROM auth_sessions').run().changes;
  }

  async changePassword(currentPassword: string, newPassword: string, source: string): Promise<void> {
    this.#checkLockout(source);
    const row = this.#store.db
      .prepare<[string], { password_hash: string }>('SELECT password_hash FROM auth_admin WHERE username = ?')
      .get(ADMIN_USER);
    if (!row || !(await verifyPassword(currentPassword, row.password_hash))) {
      this.#recordFailure(source);
      throw new LinegateError('UNAUTHORIZED', 'the current password is wrong');
    }
    assertStrongPassword(newPassword);
    await this.#storePassword(newPassword);
    this.logoutEverywhere();
  }

  createToken(name: string): { id: number; token: string } {
    const token = `lg_${randomBytes(30).toString('base64url')}`;
    const result = this.#store.db
      .prepare('INSERT INTO auth_tokens (name, token_hash, created_at) VALUES (?, ?, ?)')
      .run(name.slice(0, 80), sha256(token), this.#clock.wallClockMs());
    return { id: Number(result.lastInsertRowid), token };
  }

  listTokens(): ApiTokenInfo[] {
    return this.#store.db
      .prepare<[], { id: number; name: string; created_at: number; last_used_at: number | null }>(
        'SELECT id, name, created_at, last_used_at FROM auth_tokens ORDER BY id',
      )
      .all()
      .map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  revokeToken(id: number): boolean {
    return this.#store.db.prepare('DELETE FROM auth_tokens WHERE id = ?').run(id).changes > 0;
  }

  /** Seconds a source must still wait, or 0. */
  lockoutRemainingS(source: string): number {
    const f = this.#failures.get(source);
    if (!f) return 0;
    return Math.max(0, Math.ceil((f.lockedUntilMs - this.#clock.now()) / 1000));
  }

  #checkLockout(source: string): void {
    const remaining = this.lockoutRemainingS(source);
    if (remaining > 0) {
      throw new LinegateError('RATE_LIMITED', `too many failed attempts; try again in ${remaining} s`, {
        details: { retryAfterS: remaining },
      });
    }
  }

  #recordFailure(source: string): void {
    const now = this.#clock.now();
    const lockoutMs = this.#options.loginLockoutS * 1000;
    const prior = this.#failures.get(source);
    // Failures older than the lockout window are forgotten.
    const count = prior && now - prior.lastMs < lockoutMs ? prior.count + 1 : 1;
    const lockedUntilMs = count >= this.#options.loginMaxFailures ? now + lockoutMs : 0;
    this.#failures.set(source, { count: lockedUntilMs ? 0 : count, lockedUntilMs, lastMs: now });
    if (lockedUntilMs)
      this.#logger.warn({ source, lockoutS: this.#options.loginLockoutS }, 'login locked out');
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  async #storePassword(password: string): Promise<void> {
    const hash = await hashPassword(password);
    this.#store.db
      .prepare(
        'INSERT INTO auth_admin (username, password_hash, changed_at) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at',
      )
      .run(ADMIN_USER, hash, this.#clock.wallClockMs());
  }
}

export function assertStrongPassword(password: string): void {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`at least ${MIN_PASSWORD_LENGTH} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 2) problems.push('at least two of: lower case, upper case, digits, symbols');
  if (/^(.)\1+$/.test(password)) problems.push('not one repeated character');
  if (problems.length)
    throw new LinegateError('BAD_REQUEST', `the new password needs ${problems.join('; ')}`);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, KEY_BYTES, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64');
  const key = await scrypt(password.normalize('NFC'), Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(key, expected);
}

/** A hash checked when the user name is unknown, so timing does not tell which names exist. */
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_BYTES).toString('base64')}`;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
