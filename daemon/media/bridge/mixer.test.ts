import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyGain, dbToLinear } from './gain.ts';
import { ConferenceMixer } from './mixer.ts';

test('3-party mix-minus: each leg hears the other two, never itself, saturated', () => {
  const mixer = new ConferenceMixer(4);
  for (const id of ['a', 'b', 'c']) mixer.addLeg(id);
  mixer.input('a', Int16Array.of(100, 20000, 0, -1));
  mixer.input('b', Int16Array.of(10, 20000, 0, -1));
  mixer.input('c', null);
  const out = mixer.mix();
  assert.deepEqual([...out.get('a')!], [10, 20000, 0, -1]);
  assert.deepEqual([...out.get('b')!], [100, 20000, 0, -1]);
  assert.deepEqual([...out.get('c')!], [110, 32767, 0, -2]);
  // Inputs are per tick.
  assert.deepEqual([...mixer.mix().get('c')!], [0, 0, 0, 0]);
});

test('gain in dB with saturation', () => {
  const f = Int16Array.of(1000, -1000, 30000, -30000);
  applyGain(f, 6);
  assert.equal(f[0], Math.round(1000 * dbToLinear(6)));
  assert.equal(f[2], 32767);
  assert.equal(f[3], -32768);
});
