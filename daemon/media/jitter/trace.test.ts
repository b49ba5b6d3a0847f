import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLinegateError } from '../../../drivers/base/errors.ts';
import { formatTraceCsv, parseTraceCsv } from './trace.ts';
import { generateTrace } from './trace-generator.ts';

test('parses rows with or without a header, skipping blanks and comments', () => {
  const rows = parseTraceCsv('seq,rtp_ts,arrival_ms\n# comment\n65535,4294967136,0\n\n0,0,20.5\r\n');
  assert.deepEqual(rows, [
    { seq: 65535, rtpTs: 4294967136, arrivalMs: 0 },
    { seq: 0, rtpTs: 0, arrivalMs: 20.5 },
  ]);
});

test('malformed rows get a clear error naming the line', () => {
  const cases: [string, RegExp][] = [
    ['1,160\n', /line 1: expected 3 columns/],
    ['1,160,0\nx,320,20\n', /line 2: seq "x" is not an integer/],
    ['1,160,0\n2,abc,20\n', /line 2: rtp_ts "abc"/],
    ['1,160,0\n2,320,soon\n', /line 2: arrival_ms "soon" is not a number/],
    ['70000,160,0\n', /outside 0\.\.65535/],
    ['1,160,10\n2,320,5\n', /goes back in time/],
    ['seq,ts,arrival\n', /header must be/],
    ['\n\n', /no packets/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTraceCsv(text),
      (err: unknown) => isLinegateError(err, 'BAD_REQUEST') && message.test(err.message),
      text,
    );
  }
});

test('generator output round-trips through CSV and is deterministic', () => {
  const a = generateTrace({ seed: 9, durationMs: 2000, jitter: { kind: 'pareto', scaleMs: 5, shape: 2 } });
  const b = generateTrace({ seed: 9, durationMs: 2000, jitter: { kind: 'pareto', scaleMs: 5, shape: 2 } });
  assert.deepEqual(a, b);
  assert.deepEqual(parseTraceCsv(formatTraceCsv(a)), a);
});

test('generator: Gilbert-Elliott loss is bursty, reorder only when allowed, spikes arrive together', () => {
  const lossy = generateTrace({
    seed: 1,
    durationMs: 200_000,
    loss: { pGoodToBad: 0.02, pBadToGood: 0.25, lossInBad: 1 },
  });
  const lossPct = 100 - (lossy.length / 10_000) * 100;
  assert.ok(lossPct > 5 && lossPct < 10, `loss ${lossPct}`);
  const fifo = generateTrace({
    seed: 2,
    durationMs: 10_000,
    jitter: { kind: 'lognormal', medianMs: 20, sigma: 1 },
  });
  const isSorted = (t: typeof fifo) => t.every((p, i) => i === 0 || ((p.seq - t[i - 1]!.seq) & 0xffff) === 1);
  assert.ok(isSorted(fifo));
  const reordered = generateTrace({
    seed: 2,
    durationMs: 10_000,
    jitter: { kind: 'lognormal', medianMs: 20, sigma: 1 },
    reorderProbability: 0.5,
  });
  assert.ok(!isSorted(reordered));
  const spiky = generateTrace({
    seed: 3,
    durationMs: 4000,
    spikes: { periodMs: 4000, heightMs: 200, firstAtMs: 1000 },
  });
  const inSpike = spiky.filter((p) => p.arrivalMs >= 1239 && p.arrivalMs <= 1241);
  assert.ok(inSpike.length >= 10, `${inSpike.length} packets arrive together after the spike`);
});
