import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { silentLogger } from '../base/logger.ts';
import { RecoveryLadder, type RecoveryStep } from './recovery-ladder.ts';

function step(name: string, log: string[], succeedOnCall: number, applicable = () => true): RecoveryStep {
  let calls = 0;
  return {
    name,
    applicable,
    run: async () => {
      calls++;
      log.push(name);
      if (calls < succeedOnCall) throw new Error(`${name} failed`);
    },
  };
}

describe('RecoveryLadder', () => {
  it('escalates in order and stops at the first step that works', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const ladder = new RecoveryLadder({
      clock,
      logger: silentLogger(),
      steps: [step('reinit', log, 99), step('cfun', log, 99), step('reopen', log, 1), step('hard', log, 1)],
    });
    const out = await ladder.run(new AbortController().signal);
    assert.deepEqual(log, ['reinit', 'cfun', 'reopen']);
    assert.equal(out.step, 'reopen');
    assert.equal(out.attempts, 3);
  });

  it('skips steps that do not apply and backs off exponentially between rounds', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const ladder = new RecoveryLadder({
      clock,
      logger: silentLogger(),
      baseBackoffMs: 1000,
      steps: [step('reinit', log, 99, () => false), step('reopen', log, 3)],
    });
    const done = ladder.run(new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    await clock.advanceAsync(999, 100);
    assert.deepEqual(log, ['reopen']);
    await clock.advanceAsync(1, 1);
    assert.deepEqual(log, ['reopen', 'reopen']);
    await clock.advanceAsync(1999, 100);
    assert.equal(log.length, 2);
    await clock.advanceAsync(1, 1);
    const out = await done;
    assert.equal(out.step, 'reopen');
    assert.equal(out.durationMs, 3000);
  });

  it('stops when aborted', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const ladder = new RecoveryLadder({ clock, logger: silentLogger(), steps: [step('x', [], 99)] });
    const done = ladder.run(ac.signal);
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(done);
  });
});
