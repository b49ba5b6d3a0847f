import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSipBench } from '../../daemon/sip/bench.ts';

test('runSipBench returns every figure with small counts', async () => {
  const r = await runSipBench({
    calls: 40,
    callRate: 100,
    options: 300,
    optionsRate: 1000,
    parseMessages: 5000,
    idleDialogs: 40,
  });
  assert.equal(r.failedCalls, 0);
  for (const key of [
    'callsPerSecond',
    'optionsPerSecond',
    'parseMsgsPerSecond',
    'idleDialogBytes',
  ] as const) {
    assert.ok(Number.isFinite(r[key]) && r[key] > 0, `${key}=${r[key]}`);
  }
  assert.ok(r.peer === 'sipp' || r.peer === 'in-process');
});
