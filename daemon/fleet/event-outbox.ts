/**
 * The SQLite outbox of MQTT events. Every gateway event is written here
 * first and removed only after the broker's PUBACK, so events raised while
 * the broker is unreachable (or while the box reboots) are sent, in order,
 * once it is back. Bounded: past `maxEvents` the oldest rows are dropped and
 * counted, because a box offline for a week must not fill its disk.
 */
import type { Clock } from '../../drivers/base/clock.ts';
import type { Migration, Store } from '../store/database.ts';

export const FLEET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event outbox and fleet counters',
    up: `CREATE TABLE fleet_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      type TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE fleet_counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    );`,
  },
];

export interface OutboxRow {
  id: number;
  type: string;
  payload: string;
  createdAt: number;
}

export class EventOutbox {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #maxEvents: number;
  #count = 0;

  constructor(options: { store: Store; clock: Clock; maxEvents: number }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#maxEvents = Math.max(1, options.maxEvents);
  }

  /** Creates the tables (idempotent) and loads the row count. */
  open(): void {
    this.#store.migrate('fleet', FLEET_MIGRATIONS);
    const row = this.#store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM fleet_outbox').get();
    this.#count = row?.n ?? 0;
  }

  get size(): number {
    return this.#count;
  }

  /** Appends an event; drops (and counts) the oldest when full. Returns the row id. */
  enqueue(type: string, payload: string): number {
    return this.#store.transaction(() => {
      const result = this.#store.db
        .prepare('INSERT INTO fleet_outbox (type, payload, created_at) VALUES (?, ?, ?)')
        .run(type, payload, this.#clock.wallClockMs());
      this.#count++;
      const excess = this.#count - this.#maxEvents;
      if (excess > 0) {
        const dropped = this.#store.db
          .prepare('DELETE FROM fleet_outbox WHERE id IN (SELECT id FROM fleet_outbox ORDER BY id LIMIT ?)')
          .run(excess).changes;
        this.#count -= dropped;
        this.#addCounter('outbox_dropped', dropped);
      }
      return Number(result.lastInsertRowid);
    });
  }

  /** Up to `limit` rows with id > `afterId`, oldest first. */
  next(afterId: number, limit: number): OutboxRow[] {
    return this.#store.db
      .prepare<[number, number], OutboxRow>(
        'SELECT id, type, payload, created_at AS createdAt FROM fleet_outbox WHERE id > ? ORDER BY id LIMIT ?',
      )
      .all(afterId, limit);
  }

  /** Removes a row once the broker acknowledged it. */
  remove(id: number): void {
    const changes = this.#store.db.prepare('DELETE FROM fleet_outbox WHERE id = ?').run(id).changes;
    this.#count -= changes;
  }

  /** Events dropped because the outbox was full, since the database was created. */
  get dropped(): number {
    return this.counter('outbox_dropped');
  }

  counter(name: string): number {
    const row = this.#store.db
      .prepare<[string], { value: number }>('SELECT value FROM fleet_counters WHERE name = ?')
      .get(name);
    return row?.value ?? 0;
  }

  /** Increments a persisted counter and returns its new value (used for the session counter). */
  increment(name: string): number {
    this.#addCounter(name, 1);
    return this.counter(name);
  }

  #addCounter(name: string, by: number): void {
    this.#store.db
      .prepare(
        'INSERT INTO fleet_counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value',
      )
      .run(name, by);
  }
}
