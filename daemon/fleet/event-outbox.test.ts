import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { Store } from '../store/database.ts';
import { EventOutbox } from './event-outbox.ts';

function open(maxEvents: number) {
  const clock = new FakeClock();
  const store = Store.open({ dataDir: ':memory:', logger: silentLogger(), clock });
  const outbox = new EventOutbox({ store, clock, maxEvents });
  outbox.open();
  return { store, outbox };
}

test('rows come back in order; removing acknowledges them', () => {
  const { outbox } = open(100);
  const ids = ['a', 'b', 'c'].map((t) => outbox.enqueue('alarm', JSON.stringify({ t })));
  assert.equal(outbox.size, 3);
  assert.deepEqual(
    outbox.next(0, 10).map((r) => r.id),
    ids,
  );
  assert.deepEqual(
    outbox.next(ids[0]!, 1).map((r) => r.id),
    [ids[1]],
  );
  outbox.remove(ids[0]!);
  outbox.remove(ids[0]!);
  assert.equal(outbox.size, 2);
});

test('bounded: the oldest are dropped and counted', () => {
  const { outbox } = open(5);
  for (let i = 0; i < 12; i++) outbox.enqueue('sms_received', String(i));
  assert.equal(outbox.size, 5);
  assert.equal(outbox.dropped, 7);
  assert.deepEqual(
    outbox.next(0, 10).map((r) => r.payload),
    ['7', '8', '9', '10', '11'],
  );
});

test('counters persist and the migration is idempotent', () => {
  const { store, outbox } = open(5);
  assert.equal(outbox.increment('session'), 1);
  assert.equal(outbox.increment('session'), 2);
  const again = new EventOutbox({ store, clock: new FakeClock(), maxEvents: 5 });
  again.open();
  assert.equal(again.counter('session'), 2);
  assert.equal(store.schemaVersion('fleet'), 1);
});
