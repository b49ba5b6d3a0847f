import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { type DialOutcome, DigitCollector, matchPattern, parseDigitMap } from './digit-map.ts';

function dial(
  map: string,
  digits: string,
  waitMs = 0,
  emergency: string[] = [],
): { outcome?: DialOutcome; atMs: number } {
  const clock = new FakeClock();
  let result: { outcome?: DialOutcome; atMs: number } = { atMs: -1 };
  const c = new DigitCollector({
    clock,
    patterns: parseDigitMap(map),
    shortTimerMs: 3000,
    longTimerMs: 10_000,
    emergencyNumbers: emergency,
    onOutcome: (outcome) => {
      result = { outcome, atMs: clock.now() };
    },
  });
  c.start();
  for (const d of digits) {
    clock.advance(200);
    c.digit(d);
  }
  clock.advance(waitMs);
  return result;
}

describe('digit maps', () => {
  it('dials at once when nothing longer could match', () => {
    const r = dial('(911|[2-4]xx|*xx)', '201');
    assert.deepEqual(r.outcome, { kind: 'dial', number: '201', pattern: '[2-4]xx' });
    assert.equal(r.atMs, 600);
  });

  it('waits the short timer when a complete number could still grow', () => {
    const r = dial('(911|911x)', '911', 5000);
    assert.deepEqual(r.outcome, { kind: 'dial', number: '911', pattern: '911' });
    assert.equal(r.atMs, 600 + 3000);
    const longer = dial('(911|911x)', '9112');
    assert.equal(longer.outcome?.kind === 'dial' && longer.outcome.number, '9112');
  });

  it('applies substitutions: strip an access code, prepend an area code', () => {
    assert.deepEqual(dial('<9:>1[2-9]xx[2-9]xxxxxx', '915552345678').outcome, {
      kind: 'dial',
      number: '15552345678',
      pattern: '<9:>1[2-9]xx[2-9]xxxxxx',
    });
    assert.equal((dial('<:1408>[2-9]xxxxxx', '5551234').outcome as { number: string }).number, '14085551234');
  });

  it('matches T patterns only when the long timer runs out', () => {
    const r = dial('(x.T|201)', '0044207', 20_000);
    assert.deepEqual(r.outcome, { kind: 'dial', number: '0044207', pattern: 'x.T' });
    assert.equal(r.atMs, 1400 + 10_000);
  });

  it('refuses barred numbers', () => {
    assert.deepEqual(dial('(1900x.!|1[2-9]xxxxxxxxx)', '19005551234', 20_000).outcome, {
      kind: 'barred',
      dialed: '19005551234',
      pattern: '1900x.!',
    });
  });

  it('reports an invalid number at once when no pattern can match', () => {
    const r = dial('([2-4]xx|911)', '5');
    assert.deepEqual(r.outcome, { kind: 'invalid', dialed: '5' });
    assert.equal(r.atMs, 200);
  });

  it('gives up after the long timer when the caller stops halfway', () => {
    const r = dial('[2-4]xx', '20', 20_000);
    assert.deepEqual(r.outcome, { kind: 'invalid', dialed: '20' });
    assert.equal(r.atMs, 400 + 10_000);
  });

  it('routes emergency numbers whatever the map says', () => {
    assert.deepEqual(dial('([2-4]xx)', '112', 0, ['112', '911']).outcome, {
      kind: 'dial',
      number: '112',
      pattern: 'emergency',
    });
  });

  it('reports a broken map with the pattern and position', () => {
    for (const bad of ['(2xx|[9-2]x)', '2xx|', '[12', '<9>xx', '.x', 'xTx', '2xy']) {
      assert.throws(
        () => parseDigitMap(bad),
        (err) =>
          isLinegateError(err, 'CONFIG_INVALID') && /pattern \d+ ".*", position \d+|empty/.test(err.message),
        bad,
      );
    }
  });

  it('reports partial and full states per pattern', () => {
    const [p] = parseDigitMap('1xx');
    assert.ok(p);
    assert.equal(matchPattern(p, '1').state, 'partial');
    assert.equal(matchPattern(p, '123').state, 'full');
    assert.equal(matchPattern(p, '2').state, 'none');
    assert.equal(matchPattern(p, '1234').state, 'none');
  });
});
