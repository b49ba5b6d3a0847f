import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, FakeClock, SystemClock, type Timer } from '../../../drivers/base/clock.ts';
import { FramePacer } from './frame-pacer.ts';

/** A FakeClock whose timers fire `lateMs` late, like a loaded event loop. */
class LateClock implements Clock {
  readonly inner = new FakeClock();
  constructor(readonly lateMs: number) {}
  now(): number {
    return this.inner.now();
  }
  wallClockMs(): number {
    return this.inner.wallClockMs();
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    return this.inner.setTimer(delayMs + this.lateMs, fn);
  }
  setInterval(intervalMs: number, fn: () => void): Timer {
    return this.inner.setInterval(intervalMs, fn);
  }
}

test('ticks every ptime on fake time with zero interval error', () => {
  const clock = new FakeClock();
  const pacer = new FramePacer(clock, { ptimeMs: 20 });
  const at: number[] = [];
  pacer.add((_tick, _due, now) => at.push(now));
  pacer.start();
  clock.advance(1000);
  pacer.stop();
  assert.equal(at.length, 50);
  assert.deepEqual(at.slice(0, 3), [20, 40, 60]);
  assert.equal(pacer.stats().p99ErrorMs, 0.01);
  assert.equal(clock.pendingTimers, 0);
});

test('drift-free: late timers do not accumulate (1000 ticks stay on the grid)', () => {
  const clock = new LateClock(3);
  const pacer = new FramePacer(clock, { ptimeMs: 20 });
  let last = 0;
  let count = 0;
  pacer.add((_t, due, now) => {
    last = now - due;
    count++;
  });
  pacer.start();
  clock.inner.advance(20_000 + 10);
  pacer.stop();
  assert.equal(count, 1000); // ticks due at 20, 40, … 20000 ms
  assert.ok(last <= 3, `lateness ${last}`);
});

test('ptime 10..40 accepted, outside rejected; a stall re-anchors instead of bursting', () => {
  assert.throws(() => new FramePacer(new FakeClock(), { ptimeMs: 5 }), RangeError);
  assert.throws(() => new FramePacer(new FakeClock(), { ptimeMs: 60 }), RangeError);
  const clock = new FakeClock();
  const pacer = new FramePacer(clock, { ptimeMs: 40 });
  let n = 0;
  pacer.add(() => {
    n++;
    if (n === 3) throw new Error('broken listener');
  });
  pacer.start();
  clock.advance(400);
  assert.equal(n, 10);
  pacer.stop();
  // Timers 500 ms late (a stalled loop): more than 5 frames behind → re-anchor, no burst of 12 frames.
  const stalled = new LateClock(500);
  const p2 = new FramePacer(stalled, { ptimeMs: 40 });
  let fired = 0;
  p2.add(() => fired++);
  p2.start();
  stalled.inner.advance(540);
  p2.stop();
  assert.equal(p2.stats().resyncs, 1);
  assert.equal(fired, 1);
});

test('real clock: ticks stay on the 20 ms grid (no drift) even on a busy machine', async () => {
  const clock = new SystemClock();
  const pacer = new FramePacer(clock, { ptimeMs: 20, earlyWakeMs: 1 });
  let last = { tick: 0, due: 0, now: 0 };
  pacer.add((tick, due, now) => {
    last = { tick, due, now };
  });
  const started = clock.now();
  pacer.start();
  await new Promise((r) => setTimeout(r, 600));
  pacer.stop();
  // Drift-free: the tick count matches elapsed time even if single ticks were late.
  const expected = Math.floor((last.now - started) / 20);
  assert.ok(Math.abs(last.tick - expected) <= 1, `tick ${last.tick} vs ${expected}`);
  assert.ok(last.now >= last.due);
  // Precision itself is measured by the media bench; here only a loose sanity bound.
  assert.ok(pacer.stats().p50ErrorMs < 10, JSON.stringify(pacer.stats()));
});
