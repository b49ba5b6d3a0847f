import type { Migration, Store } from '../store/database.ts';

export type Disposition = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled' | 'rejected';

/** One call detail record: a call, or one leg of it. Times are Unix epoch ms. */
export interface CallRecord {
  /** Unique per call leg; writing the same id twice updates nothing (idempotent). */
  callId: string;
  /** The call this leg belongs to (equal to callId for the originating leg). */
  parentId: string;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  direction: 'inbound' | 'outbound' | 'internal';
  /** Endpoints: fxs1, fxo1, gsm1, sip:itsp, sip-phone:203, service:echo... */
  source: string;
  destination: string;
  callerNumber: string;
  callerName: string | null;
  dialedNumber: string;
  route: string | null;
  disposition: Disposition;
  q850: number | null;
  sipStatus: number | null;
  codec: string | null;
  mos: number | null;
  jitterMs: number | null;
  lossPct: number | null;
  recording: string | null;
}

export interface CdrQuery {
  fromMs?: number;
  toMs?: number;
  /** Matches caller or dialed number (substring). */
  number?: string;
  endpoint?: string;
  disposition?: Disposition;
  /** Page size (default 50, at most 500). */
  limit?: number;
  /** Cursor: return records older than this row id. */
  before?: number;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'cdr',
    up: `CREATE TABLE cdr (
      id INTEGER PRIMARY KEY,
      call_id TEXT NOT NULL UNIQUE,
      parent_id TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      answered_at INTEGER,
      ended_at INTEGER NOT NULL,
      direction TEXT NOT NULL,
      source TEXT NOT NULL,
      destination TEXT NOT NULL,
      caller_number TEXT NOT NULL,
      caller_name TEXT,
      dialed_number TEXT NOT NULL,
      route TEXT,
      disposition TEXT NOT NULL,
      q850 INTEGER,
      sip_status INTEGER,
      codec TEXT,
      mos REAL,
      jitter_ms REAL,
      loss_pct REAL,
      recording TEXT
    );
    CREATE INDEX cdr_started ON cdr (started_at);
    CREATE INDEX cdr_parent ON cdr (parent_id);`,
  },
];

const COLUMNS: [keyof CallRecord, string][] = [
  ['callId', 'call_id'],
  ['parentId', 'parent_id'],
  ['startedAt', 'started_at'],
  ['answeredAt', 'answered_at'],
  ['endedAt', 'ended_at'],
  ['direction', 'direction'],
  ['source', 'source'],
  ['destination', 'destination'],
  ['callerNumber', 'caller_number'],
  ['callerName', 'caller_name'],
  ['dialedNumber', 'dialed_number'],
  ['route', 'route'],
  ['disposition', 'disposition'],
  ['q850', 'q850'],
  ['sipStatus', 'sip_status'],
  ['codec', 'codec'],
  ['mos', 'mos'],
  ['jitterMs', 'jitter_ms'],
  ['lossPct', 'loss_pct'],
  ['recording', 'recording'],
];

export type StoredCallRecord = CallRecord & { id: number; durationS: number; billableS: number };

/** Call detail records in SQLite: written once per leg when it ends, listed with filters and paging. */
export class CdrStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  init(): void {
    this.#store.migrate('cdr', MIGRATIONS);
  }

  /** Writes a record; a second write with the same callId is ignored. Returns whether it was new. */
  write(record: CallRecord): boolean {
    const row: Record<string, unknown> = {};
    for (const [k, col] of COLUMNS) row[col] = record[k] ?? null;
    return this.#store.insertIdempotent('cdr', row, 'call_id').inserted;
  }

  list(query: CdrQuery = {}): { items: StoredCallRecord[]; nextBefore: number | null } {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (query.fromMs !== undefined) {
      where.push('started_at >= @fromMs');
      args.fromMs = query.fromMs;
    }
    if (query.toMs !== undefined) {
      where.push('started_at < @toMs');
      args.toMs = query.toMs;
    }
    if (query.number) {
      where.push("(caller_number LIKE @number ESCAPE '\\' OR dialed_number LIKE @number ESCAPE '\\')");
      args.number = `%${query.number.replace(/[\\%_]/g, '\\$&')}%`;
    }
    if (query.endpoint) {
      where.push('(source = @endpoint OR destination = @endpoint)');
      args.endpoint = query.endpoint;
    }
    if (query.disposition) {
      where.push('disposition = @disposition');
      args.disposition = query.disposition;
    }
    if (query.before !== undefined) {
      where.push('id < @before');
      args.before = query.before;
    }
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const rows = this.#store.db
      .prepare(
        `SELECT * FROM cdr ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`,
      )
      .all(args) as Record<string, unknown>[];
    const items = rows.slice(0, limit).map(fromRow);
    return { items, nextBefore: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  /** RFC 4180 CSV of the records a query selects (all pages). */
  csv(query: Omit<CdrQuery, 'limit' | 'before'> = {}): string {
    const header = ['id', ...COLUMNS.map(([k]) => k), 'durationS', 'billableS'];
    const lines = [header.join(',')];
    let before: number | undefined;
    for (;;) {
      const page = this.list({ ...query, limit: 500, ...(before !== undefined ? { before } : {}) });
      for (const r of page.items)
        lines.push(header.map((h) => csvField((r as unknown as Record<string, unknown>)[h])).join(','));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    return `${lines.join('\r\n')}\r\n`;
  }
}

function fromRow(row: Record<string, unknown>): StoredCallRecord {
  const out: Record<string, unknown> = { id: row.id };
  for (const [k, col] of COLUMNS) out[k] = row[col];
  const r = out as unknown as StoredCallRecord;
  r.durationS = Math.round((r.endedAt - r.startedAt) / 1000);
  r.billableS = r.answeredAt ? Math.round((r.endedAt - r.answeredAt) / 1000) : 0;
  return r;
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Formula injection: a spreadsheet must not execute a caller-controlled name.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
