import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { Store } from './database.ts';

const migrations = [
  {
    version: 1,
    name: 'items',
    up: 'CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT UNIQUE, text TEXT)',
  },
  { version: 2, name: 'items.extra', up: 'ALTER TABLE items ADD COLUMN extra TEXT' },
];

describe('Store', () => {
  it('applies migrations once per component and survives reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-store-'));
    try {
      const open = () => Store.open({ dataDir: dir, logger: silentLogger(), clock: new FakeClock() });
      const a = open();
      a.migrate('test', migrations);
      assert.equal(a.schemaVersion('test'), 2);
      assert.equal(a.db.pragma('journal_mode', { simple: true }), 'wal');
      a.insertIdempotent('items', { key: 'k1', text: 'hello', extra: null }, 'key');
      a.close();
      const b = open();
      b.migrate('test', migrations);
      assert.equal(b.schemaVersion('test'), 2);
      assert.deepEqual(b.db.prepare('SELECT COUNT(*) AS n FROM items').get(), { n: 1 });
      assert.equal(b.integrityCheck(), 'ok');
      b.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inserts idempotently by key', () => {
    const store = Store.open({ dataDir: ':memory:', logger: silentLogger(), clock: new FakeClock() });
    store.migrate('test', migrations);
    const first = store.insertIdempotent('items', { key: 'same', text: 'a' }, 'key');
    const second = store.insertIdempotent('items', { key: 'same', text: 'b' }, 'key');
    assert.equal(first.inserted, true);
    assert.equal(second.inserted, false);
    assert.equal(second.rowid, first.rowid);
    assert.ok(store.isWritable());
    store.close();
  });

  it('names the path when the data directory is unusable', { skip: process.getuid?.() === 0 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-store-'));
    chmodSync(dir, 0o500);
    try {
      assert.throws(
        () => Store.open({ dataDir: join(dir, 'sub'), logger: silentLogger(), clock: new FakeClock() }),
        (err) => isLinegateError(err, 'DATA_DIR_UNUSABLE') && err.message.includes(dir),
      );
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
