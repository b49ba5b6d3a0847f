import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { Store } from '../store/database.ts';
import { type CallRecord, CdrStore } from './cdr-store.ts';

function record(i: number, over: Partial<CallRecord> = {}): CallRecord {
  return {
    callId: `c${i}`,
    parentId: `c${i}`,
    startedAt: 1_000_000 + i * 60_000,
    answeredAt: 1_000_000 + i * 60_000 + 5000,
    endedAt: 1_000_000 + i * 60_000 + 35_000,
    direction: 'internal',
    source: 'fxs1',
    destination: 'fxs2',
    callerNumber: '201',
    callerName: null,
    dialedNumber: '202',
    route: 'internal',
    disposition: 'answered',
    q850: 16,
    sipStatus: null,
    codec: 'PCMU',
    mos: 4.3,
    jitterMs: 2,
    lossPct: 0,
    recording: null,
    ...over,
  };
}

describe('CDR store', () => {
  const store = Store.open({ dataDir: ':memory:', logger: silentLogger(), clock: new FakeClock() });
  const cdr = new CdrStore(store);
  cdr.init();
  for (let i = 0; i < 120; i++)
    cdr.write(
      record(i, i % 10 === 0 ? { disposition: 'busy', answeredAt: null, dialedNumber: '5551234' } : {}),
    );

  it('writes each leg once', () => {
    assert.equal(cdr.write(record(3)), false);
    assert.equal(cdr.list({ limit: 500 }).items.length, 120);
  });

  it('pages newest first with a cursor and filters', () => {
    const first = cdr.list({ limit: 50 });
    assert.equal(first.items[0]?.callId, 'c119');
    assert.equal(first.items.length, 50);
    const second = cdr.list({ limit: 50, before: first.nextBefore ?? undefined });
    assert.equal(second.items[0]?.callId, 'c69');
    const busy = cdr.list({ disposition: 'busy' });
    assert.equal(busy.items.length, 12);
    assert.equal(busy.items[0]?.billableS, 0);
    assert.equal(cdr.list({ number: '5551' }).items.length, 12);
    assert.equal(cdr.list({ number: '%' }).items.length, 0, 'LIKE wildcards are escaped');
    assert.equal(first.items[0]?.durationS, 35);
    assert.equal(first.items[0]?.billableS, 30);
  });

  it('exports CSV that a spreadsheet cannot be tricked by', () => {
    cdr.write(record(500, { callerName: '=HYPERLINK("http://evil")', callId: 'evil' }));
    const csv = cdr.csv({ number: '201' });
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 1 + 121);
    assert.match(lines[0] ?? '', /^id,callId,parentId/);
    assert.ok(csv.includes(`"'=HYPERLINK(""http://evil"")"`));
  });
});
