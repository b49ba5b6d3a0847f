import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptiveOracle, fixedOracle } from './hindsight-oracle.ts';

const packets = (offsets: number[]) => offsets.map((o, i) => ({ mediaMs: i * 20, arrivalMs: i * 20 + o }));

test('fixed oracle: c* is the ⌈(1−L)N⌉-th smallest offset; mean is over on-time packets', () => {
  const p = packets([10, 20, 30, 40, 100]);
  assert.deepEqual(fixedOracle(p, 0), { meanBufferMs: (90 + 80 + 70 + 60 + 0) / 5, lateCount: 0 });
  assert.deepEqual(fixedOracle(p, 1), { meanBufferMs: (30 + 20 + 10 + 0) / 4, lateCount: 1 });
});

test('adaptive oracle follows a delay step, within the slew limit', () => {
  // 10 s at offset 0, then 10 s at offset 100 ms: fixed must sit at 100 throughout.
  const offsets = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 100));
  const fixed = fixedOracle(packets(offsets), 0);
  const adaptive = adaptiveOracle(packets(offsets), 0);
  assert.equal(fixed.meanBufferMs, 50);
  // It must start climbing 100 ms / 40 ms-per-second = 2.5 s early: about 3 windows of extra buffering.
  assert.ok(adaptive.meanBufferMs > 2 && adaptive.meanBufferMs < 10, `${adaptive.meanBufferMs}`);
  assert.equal(adaptive.lateCount, 0);
});

test('adaptive oracle trades late loss for buffering and never beats physics', () => {
  const offsets = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? 200 : (i * 37) % 40));
  const p = packets(offsets);
  const none = adaptiveOracle(p, 0);
  const some = adaptiveOracle(p, 31);
  assert.ok(some.meanBufferMs < none.meanBufferMs);
  assert.ok(some.meanBufferMs >= 0);
  assert.ok(adaptiveOracle(p, 31).meanBufferMs <= fixedOracle(p, 31).meanBufferMs + 1e-9);
});
