import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runJitterBenchFile, scoreTrace } from '../../daemon/media/bench/jitter-bench.ts';
import { parseTraceCsv } from '../../daemon/media/jitter/trace.ts';

const fixture = (name: string) => new URL(`../fixtures/jitter/${name}`, import.meta.url).pathname;

test('bench jitter --trace prints the contract fields', async () => {
  const result = await runJitterBenchFile(fixture('pareto-20s.csv'));
  for (const key of ['lateLossPct', 'meanBufferMs', 'p95BufferMs', 'oracleMeanBufferMs']) {
    assert.equal(typeof result[key], 'number', key);
  }
});

test('steady Pareto trace: late loss ≤ 1.5 %, mean within 10 ms of the adaptive oracle', () => {
  const s = scoreTrace(parseTraceCsv(readFileSync(fixture('pareto-20s.csv'), 'utf8')));
  assert.ok(s.lateLossPct <= 1.5, `late ${s.lateLossPct}`);
  assert.ok(
    s.meanBufferMs <= s.oracleMeanBufferMs + 10,
    `${s.meanBufferMs} vs oracle ${s.oracleMeanBufferMs}`,
  );
  assert.ok(s.oracleMeanBufferMs <= s.fixedOracleMeanBufferMs + 1e-9);
});

test('spike trace: late loss ≤ 1.5 %, mean within 30 ms of the adaptive oracle', () => {
  const s = scoreTrace(parseTraceCsv(readFileSync(fixture('spike-20s.csv'), 'utf8')));
  assert.ok(s.lateLossPct <= 1.5, `late ${s.lateLossPct}`);
  assert.ok(
    s.meanBufferMs <= s.oracleMeanBufferMs + 30,
    `${s.meanBufferMs} vs oracle ${s.oracleMeanBufferMs}`,
  );
});

test('a malformed trace file is a clear error', async () => {
  await assert.rejects(runJitterBenchFile(fixture('SOURCE.md')), /trace line \d+: expected 3 columns/);
});
