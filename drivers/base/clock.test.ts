import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.ts';

describe('FakeClock', () => {
  it('fires timers in due order and only when time reaches them', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    clock.advance(9);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, ['a']);
    clock.advance(100);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.now(), 110);
  });

  it('repeats intervals and stops on cancel', () => {
    const clock = new FakeClock();
    let n = 0;
    const t = clock.setInterval(20, () => n++);
    clock.advance(100);
    assert.equal(n, 5);
    t.cancel();
    clock.advance(100);
    assert.equal(n, 5);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fires a timer scheduled by another timer within the same advance', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    clock.setTimer(10, () => clock.setTimer(5, () => at.push(clock.now())));
    clock.advance(20);
    assert.deepEqual(at, [15]);
  });
});
