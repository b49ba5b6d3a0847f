import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { LinegateError, errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';

export type SqliteDatabase = Database.Database;

/** One numbered schema step of a component. Versions start at 1 and never change once shipped. */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: SqliteDatabase) => void);
}

export interface StoreOptions {
  /** Directory that holds linegate.db (created when missing). `:memory:` for tests. */
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** How often the WAL is checkpointed into the main file; 0 disables. Default 5 min. */
  checkpointIntervalMs?: number;
}

export const DATABASE_FILE = 'linegate.db';

/**
 * The embedded SQLite database (better-sqlite3, WAL). Each room owns its
 * tables and registers its own numbered migrations under its component
 * name; versions are tracked per component in `schema_migrations`.
 *
 * Durability: `synchronous=FULL`, so a committed SMS, CDR or queue row
 * survives a power cut (persist first, acknowledge second).
 */
export class Store {
  readonly db: SqliteDatabase;
  readonly path: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #checkpointTimer: Timer | undefined;
  #closed = false;

  private constructor(db: SqliteDatabase, path: string, logger: Logger, clock: Clock) {
    this.db = db;
    this.path = path;
    this.#logger = logger;
    this.#clock = clock;
  }

  static open(options: StoreOptions): Store {
    const { dataDir, logger, clock } = options;
    let path = ':memory:';
    if (dataDir !== ':memory:') {
      try {
        mkdirSync(dataDir, { recursive: true });
        accessSync(dataDir, constants.R_OK | constants.W_OK);
      } catch (err) {
        throw new LinegateError(
          'DATA_DIR_UNUSABLE',
          `data directory ${dataDir} is not usable: ${errorMessage(err)} (set LINEGATE_DATA_DIR or fix its permissions)`,
          { cause: err },
        );
      }
      path = join(dataDir, DATABASE_FILE);
    }
    let db: SqliteDatabase;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // Checkpoints are ours (periodic and at close), so idle minutes write nothing.
      db.pragma('wal_autocheckpoint = 1000');
    } catch (err) {
      throw new LinegateError('DATA_DIR_UNUSABLE', `cannot open database ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (component, version)
    )`);
    const store = new Store(db, path, logger.child({ ns: 'store' }), clock);
    const intervalMs = options.checkpointIntervalMs ?? 5 * 60_000;
    if (intervalMs > 0 && path !== ':memory:') {
      store.#checkpointTimer = clock.setInterval(intervalMs, () => store.checkpoint());
    }
    return store;
  }

  /** Applies the component's pending migrations in order, each in its own transaction. */
  migrate(component: string, migrations: readonly Migration[]): void {
    const applied = new Set(
      this.db
        .prepare<[string], { version: number }>('SELECT version FROM schema_migrations WHERE component = ?')
        .all(component)
        .map((r) => r.version),
    );
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    for (const m of sorted) {
      if (applied.has(m.version)) continue;
      const run = this.db.transaction(() => {
        if (typeof m.up === 'string') this.db.exec(m.up);
        else m.up(this.db);
        this.db
          .prepare('INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)')
          .run(component, m.version, m.name, this.#clock.wallClockMs());
      });
      run();
      this.#logger.info({ component, version: m.version, migration: m.name }, 'migration applied');
    }
  }

  /** The highest applied migration version of a component (0 when none). */
  schemaVersion(component: string): number {
    const row = this.db
      .prepare<[string], { v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?',
      )
      .get(component);
    return row?.v ?? 0;
  }

  /**
   * Inserts `row` unless a row with the same unique `keyColumn` value exists.
   * Returns whether it was inserted and the rowid of the stored row. The
   * table must have a UNIQUE constraint on `keyColumn`.
   */
  insertIdempotent(
    table: string,
    row: Record<string, unknown>,
    keyColumn: string,
  ): { inserted: boolean; rowid: number } {
    assertIdentifier(table);
    assertIdentifier(keyColumn);
    const columns = Object.keys(row);
    columns.forEach(assertIdentifier);
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ON CONFLICT(${keyColumn}) DO NOTHING`;
    const result = this.db.prepare(sql).run(row);
    if (result.changes > 0) return { inserted: true, rowid: Number(result.lastInsertRowid) };
    const existing = this.db
      .prepare<[unknown], { rid: number }>(`SELECT rowid AS rid FROM ${table} WHERE ${keyColumn} = ?`)
      .get(row[keyColumn]);
    return { inserted: false, rowid: existing?.rid ?? -1 };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Moves the WAL into the main database file. */
  checkpoint(): void {
    if (this.#closed) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.#logger.warn({ err: errorMessage(err) }, 'checkpoint failed');
    }
  }

  /** True when a write transaction can be committed (used by the watchdog). */
  isWritable(): boolean {
    if (this.#closed) return false;
    try {
      this.db.prepare('BEGIN IMMEDIATE').run();
      this.db.prepare('ROLLBACK').run();
      return true;
    } catch {
      return false;
    }
  }

  integrityCheck(): string {
    const row = this.db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').get();
    return row?.integrity_check ?? 'unknown';
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#checkpointTimer?.cancel();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // closing anyway
    }
    this.db.close();
  }
}

function assertIdentifier(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new LinegateError('INTERNAL', `not an SQL identifier: ${name}`);
}
