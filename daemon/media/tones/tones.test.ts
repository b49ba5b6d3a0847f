import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLinegateError } from '../../../drivers/base/errors.ts';
import { clampInt16, sineAmplitude, sineLevelDbm0 } from './level.ts';
import { ToneClassifier, classifyTones } from './tone-classifier.ts';
import { renderTone, toneGenerator } from './tone-generator.ts';
import { parseToneSegments, ringCadence, toneCountries, tonePlan } from './tone-plans.ts';

/** Power of `freqHz` in `x` relative to x's total power (Goertzel, whole buffer). */
function share(x: Int16Array, freqHz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / 8000);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (const v of x) {
    const s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += v * v;
  }
  const p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * p) / x.length / total;
}

test('level helpers: 0 dBm0 sine is 3.14 dB below full scale', () => {
  assert.ok(Math.abs(sineAmplitude(3.14) - 32767) < 1e-6);
  assert.ok(Math.abs(sineLevelDbm0(sineAmplitude(-13)) + 13) < 1e-9);
  assert.equal(clampInt16(40000), 32767);
  assert.equal(clampInt16(-40000), -32768);
});

test('plans: at least 41 countries, each with dial, busy, ringback, congestion and a ring cadence', () => {
  const countries = toneCountries();
  assert.ok(countries.length >= 41, `${countries.length}`);
  for (const cc of countries) {
    const plan = tonePlan(cc);
    for (const name of ['dial', 'busy', 'ringback', 'congestion'] as const)
      assert.ok(plan.tones[name], `${cc} ${name}`);
    assert.ok(
      plan.ringCadence.patternMs.length % 2 === 0 && plan.ringCadence.patternMs.every((ms) => ms > 0),
    );
  }
  assert.deepEqual(ringCadence('us').patternMs, [2000, 4000]);
  assert.deepEqual(ringCadence('UK').patternMs, [400, 200, 400, 2000]);
  assert.deepEqual(tonePlan('us').tones.busy, [
    { freqsHz: [480, 620], durationMs: 500, once: false },
    { freqsHz: [], durationMs: 500, once: false },
  ]);
  assert.deepEqual(tonePlan('in').tones.dial, [
    { freqsHz: [400], modulationHz: 25, durationMs: null, once: false },
  ]);
  assert.ok(tonePlan('au').distinctiveRingCadences.length > 0);
  assert.throws(
    () => tonePlan('xx'),
    (e) => isLinegateError(e, 'NOT_FOUND'),
  );
  assert.throws(() => parseToneSegments('425:abc'), /bad tone segment/);
});

test('generator: frequencies, level and cadence of US busy', () => {
  const x = renderTone('busy', 'us', 2000);
  // On for 500 ms, off for 500 ms.
  assert.ok(x.subarray(4000, 8000).every((v) => v === 0));
  assert.ok(x.subarray(0, 4000).some((v) => v !== 0));
  const on = x.subarray(0, 4000);
  assert.ok(share(on, 480) > 0.45 && share(on, 620) > 0.45, `${share(on, 480)} ${share(on, 620)}`);
  let power = 0;
  for (const v of on) power += v * v;
  const expected = sineAmplitude(-13) ** 2; // two components of A²/2
  assert.ok(Math.abs(10 * Math.log10(power / on.length / expected)) < 0.1);
});

test('generator: f1×f2 modulation puts sidebands at f1 ± f2', () => {
  const x = renderTone('dial', 'in', 1000);
  const carrier = share(x, 400);
  const lower = share(x, 375);
  const upper = share(x, 425);
  // 90 % depth: each sideband (0.45)² of the carrier.
  assert.ok(Math.abs(lower / carrier - 0.2025) < 0.02, `${lower / carrier}`);
  assert.ok(Math.abs(upper / carrier - 0.2025) < 0.02);
});

test('generator: once-only lead-in then the repeat, streamed in any frame size', () => {
  const whole = renderTone('stutterDial', 'us', 2000);
  const gen = toneGenerator('stutterDial', 'us');
  const parts = new Int16Array(16000);
  for (let i = 0; i < parts.length; i += 111) gen.read(parts.subarray(i, Math.min(parts.length, i + 111)));
  assert.deepEqual(parts, whole);
  // Six 100 ms bursts with 100 ms gaps, then continuous.
  assert.ok(whole.subarray(800, 1600).every((v) => v === 0));
  assert.ok(whole.subarray(9600 + 800, 16000).some((v) => v !== 0));
  assert.ok(share(whole.subarray(9600), 350) > 0.4);
  // A tone made only of once-segments finishes (US SIT then silence).
  const sit = toneGenerator('sit', 'us');
  const out = sit.read(new Int16Array(8000 * 2));
  assert.ok(out.subarray(8000 * 1.1).every((v) => v === 0));
});

// Tones two countries define identically (same cadence and frequencies within 5 Hz) cannot be told apart.
const IDENTICAL = new Set([
  'hu:congestion',
  'jp:congestion',
  'mx:congestion',
  'mx:busy',
  'my:congestion',
  'pl:congestion',
  'au:congestion',
]);

test("classifier: every country's dial, busy, ringback and congestion within three cadence cycles", () => {
  const failures: string[] = [];
  for (const cc of toneCountries()) {
    for (const name of ['dial', 'busy', 'ringback', 'congestion'] as const) {
      const segs = tonePlan(cc).tones[name]!;
      const cycleMs = segs.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
      const listenMs = Math.max(cycleMs * 3, 4000);
      const events = classifyTones(renderTone(name, cc, listenMs), { countries: [cc] });
      const last = events.at(-1);
      const ok = last?.name === name && last.country === cc;
      if (!ok && !IDENTICAL.has(`${cc}:${name}`))
        failures.push(`${cc} ${name}: ${events.map((e) => e.name).join(',')}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('classifier: across all plans it names the tone and the countries that share it', () => {
  const busy = classifyTones(renderTone('busy', 'us', 4000));
  assert.equal(busy[0]?.name, 'busy');
  assert.deepEqual(busy[0]?.countries.sort(), ['ph', 'tw', 'us']);
  const ring = classifyTones(renderTone('ringback', 'uk', 7000), { country: 'uk' });
  assert.equal(ring.at(-1)?.name, 'ringback');
  assert.equal(ring.at(-1)?.country, 'uk');
  assert.ok(ring.at(-1)!.countries.includes('nz'));
  const dial = classifyTones(renderTone('dial', 'de', 4000), { country: 'de' });
  assert.equal(dial.at(-1)?.name, 'dial');
  assert.equal(dial.at(-1)?.country, 'de');
  const sit = classifyTones(renderTone('sit', 'uk', 4000), { country: 'uk' });
  assert.equal(sit.at(-1)?.name, 'sit');
  for (const [name, cc] of [
    ['sit', 'us'],
    ['sit', 'de'],
    ['stutterDial', 'us'],
    ['stutterDial', 'de'],
    ['callWaiting', 'us'],
    ['record', 'de'],
  ] as const) {
    const events = classifyTones(
      renderTone(name, cc, name === 'record' || name === 'callWaiting' ? 32000 : 6000),
      {
        countries: [cc],
      },
    );
    assert.equal(events.at(-1)?.name, name, `${cc} ${name}: ${events.map((e) => e.name)}`);
  }
});

test('classifier: works in 20 ms frames with noise, a busy tone cut mid-burst, and at −30 dBm0', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const tone = renderTone('busy', 'de', 6000, { levelDbm0: -30 });
  const noisy = Int16Array.from(tone.subarray(1600), (v) => clampInt16(v + rand() * sineAmplitude(-50) * 2));
  const c = new ToneClassifier({ country: 'de', countries: ['de', 'at', 'fr'] });
  const events = [];
  for (let i = 0; i < noisy.length; i += 160) events.push(...c.process(noisy.subarray(i, i + 160)));
  assert.equal(events.at(-1)?.name, 'busy');
  assert.equal(c.current?.country, 'de');
});

test('classifier: silence, a DTMF-like chord and a sweep are no tone', () => {
  assert.deepEqual(classifyTones(new Int16Array(40000)), []);
  const sweep = Int16Array.from({ length: 40000 }, (_, i) =>
    clampInt16(8000 * Math.sin((2 * Math.PI * (300 * i + (0.02 * i * i) / 2)) / 8000)),
  );
  assert.deepEqual(classifyTones(sweep), []);
});
