import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampInt16, sineAmplitude } from '../tones/level.ts';
import { DtmfDetector, type DtmfEvent, detectDtmf } from './dtmf-detector.ts';
import { DtmfGenerator, generateDtmf } from './dtmf-generator.ts';
import { dtmfFrequencies } from './dtmf-keypad.ts';

const KEYS = '0123456789*#ABCD';
const digits = (events: DtmfEvent[]) => events.map((e) => e.digit).join('');

function mulberry(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('keypad frequencies', () => {
  assert.deepEqual(dtmfFrequencies('5'), { lowHz: 770, highHz: 1336 });
  assert.deepEqual(dtmfFrequencies('d'), { lowHz: 941, highHz: 1633 });
  assert.equal(dtmfFrequencies('E'), null);
  assert.equal(dtmfFrequencies('12'), null);
});

test('generator: −10 dBm0 per tone by default, exact durations, bad digits rejected', () => {
  const s = generateDtmf('1', { onMs: 100, offMs: 50 });
  assert.equal(s.length, 1200);
  let power = 0;
  for (let i = 0; i < 800; i++) power += s[i]! * s[i]!;
  power /= 800;
  const expected = sineAmplitude(-10) ** 2; // two tones of A²/2 each
  assert.ok(Math.abs(10 * Math.log10(power / expected)) < 0.1, `power ${power} vs ${expected}`);
  assert.ok(s.subarray(800).every((v) => v === 0));
  assert.throws(() => generateDtmf('1x'), /not a DTMF digit/);
});

test('detects all 16 keys with start and duration', () => {
  const events = detectDtmf(generateDtmf(KEYS, { onMs: 70, offMs: 70, leadMs: 13 }));
  assert.equal(digits(events), KEYS);
  for (const [i, e] of events.entries()) {
    assert.ok(Math.abs(e.startMs - (13 + i * 140)) <= 10, `start ${e.startMs}`);
    assert.ok(Math.abs(e.durationMs - 70) <= 10, `duration ${e.durationMs}`);
  }
});

test('streaming in 20 ms frames gives begin then end events, same as one buffer', () => {
  const audio = generateDtmf('159#', { onMs: 60, offMs: 60 });
  const det = new DtmfDetector();
  const events: DtmfEvent[] = [];
  for (let i = 0; i < audio.length; i += 160) events.push(...det.process(audio.subarray(i, i + 160)));
  events.push(...det.flush());
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.digit}`),
    ['begin:1', 'end:1', 'begin:5', 'end:5', 'begin:9', 'end:9', 'begin:#', 'end:#'],
  );
  const ends = events.filter((e) => e.type === 'end');
  assert.deepEqual(ends, detectDtmf(audio));
  // "begin" comes while the tone still sounds: within 35 ms of its start.
  const begin = events[0]!;
  assert.equal(begin.durationMs, 0);
});

test('frequency tolerance: accept ±1.5 %, reject ±2.5 % and beyond', () => {
  for (const pct of [-1.5, -1, 1, 1.5]) {
    assert.equal(
      digits(detectDtmf(generateDtmf(KEYS, { lowOffsetPct: pct, highOffsetPct: pct }))),
      KEYS,
      `${pct}`,
    );
    assert.equal(digits(detectDtmf(generateDtmf(KEYS, { lowOffsetPct: pct, highOffsetPct: -pct }))), KEYS);
  }
  for (const pct of [-5, -3.5, -2.5, 2.5, 3.5, 5]) {
    assert.equal(
      digits(detectDtmf(generateDtmf(KEYS, { lowOffsetPct: pct, highOffsetPct: pct }))),
      '',
      `${pct}`,
    );
    assert.equal(digits(detectDtmf(generateDtmf(KEYS, { lowOffsetPct: pct }))), '', `low ${pct}`);
    assert.equal(digits(detectDtmf(generateDtmf(KEYS, { highOffsetPct: pct }))), '', `high ${pct}`);
  }
});

test('twist: accept 8 dB normal and 4 dB reverse, reject 10 / 6 dB', () => {
  for (const twistDb of [-8, -4, 0, 2, 4]) {
    assert.equal(digits(detectDtmf(generateDtmf(KEYS, { twistDb }))), KEYS, `twist ${twistDb}`);
  }
  for (const twistDb of [-10, 6]) assert.equal(digits(detectDtmf(generateDtmf(KEYS, { twistDb }))), '');
});

test('level: accept −42 dBm0 up to +1 dBm0, ignore −50 dBm0', () => {
  for (const levelDbm0 of [-42, -30, -10, 1]) {
    assert.equal(digits(detectDtmf(generateDtmf(KEYS, { levelDbm0 }))), KEYS, `level ${levelDbm0}`);
  }
  assert.equal(digits(detectDtmf(generateDtmf(KEYS, { levelDbm0: -50 }))), '');
});

test('duration: 40 ms tones always count, 20 ms never; 40 ms gaps split repeats', () => {
  let long = 0;
  let short = 0;
  for (let leadMs = 0; leadMs < 20; leadMs += 1.25) {
    long += detectDtmf(generateDtmf('5555', { onMs: 40, offMs: 40, leadMs })).length;
    short += detectDtmf(generateDtmf('5555', { onMs: 20, offMs: 60, leadMs })).length;
  }
  assert.equal(long, 4 * 16);
  assert.equal(short, 0);
});

test('a 10 ms drop-out inside a digit does not split it', () => {
  const a = generateDtmf('7', { onMs: 60, offMs: 10 });
  const b = generateDtmf('7', { onMs: 60, offMs: 60 });
  const audio = new Int16Array(a.length + b.length);
  audio.set(a);
  audio.set(b, a.length);
  const events = detectDtmf(audio);
  assert.equal(digits(events), '7');
  assert.ok(events[0]!.durationMs >= 120, `duration ${events[0]!.durationMs}`);
});

test('white noise: every key at 12 dB SNR, no wrong key at 6 dB', () => {
  const rand = mulberry(42);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const tonePower = sineAmplitude(-10) ** 2; // both tones
  for (const snrDb of [12, 6]) {
    const noiseStd = Math.sqrt(tonePower / 10 ** (snrDb / 10));
    for (let rep = 0; rep < 3; rep++) {
      const audio = Int16Array.from(generateDtmf(KEYS, { onMs: 60, offMs: 60 }), (v) =>
        clampInt16(v + gauss() * noiseStd),
      );
      const got = digits(detectDtmf(audio));
      if (snrDb === 12) assert.equal(got, KEYS);
      // At 6 dB some keys drop, but what is reported is right and in order.
      let at = 0;
      for (const ch of got) {
        at = KEYS.indexOf(ch, at);
        assert.ok(at >= 0, `wrong key in ${got}`);
        at++;
      }
    }
  }
});

test('works under US and European dial tone up to 10 dB above each DTMF tone', () => {
  for (const [freqs, dbAbove] of [
    [[350, 440], 0],
    [[350, 440], 10],
    [[425], 10],
    [[400], 10],
  ] as [number[], number][]) {
    const amp = sineAmplitude(-20 + dbAbove);
    const audio = Int16Array.from(generateDtmf(KEYS, { levelDbm0: -20 }), (v, i) => {
      let dial = 0;
      for (const f of freqs) dial += amp * Math.sin((2 * Math.PI * f * i) / 8000);
      return clampInt16(v + dial);
    });
    assert.equal(digits(detectDtmf(audio)), KEYS, `dial tone ${freqs} +${dbAbove} dB`);
  }
});

test('a pure tone, a dial tone alone and a chord with harmonics are not digits', () => {
  const n = 8000;
  const tone = (f: number[], harmonics = 1) =>
    Int16Array.from({ length: n }, (_, i) => {
      let v = 0;
      for (const fr of f)
        for (let h = 1; h <= harmonics; h++)
          v += (sineAmplitude(-12) / h) * Math.sin((2 * Math.PI * fr * h * i) / 8000);
      return clampInt16(v);
    });
  assert.equal(detectDtmf(tone([697])).length, 0);
  assert.equal(detectDtmf(tone([350, 440])).length, 0);
  // F5 + F♯6 played on a bright instrument: both fundamentals within 0.2 % of "3".
  assert.equal(detectDtmf(tone([698.46, 1479.98], 4)).length, 0);
});

test('streaming generator is continuous across odd frame sizes', () => {
  const gen = new DtmfGenerator();
  gen.start('9', 100);
  const out = new Int16Array(1000);
  for (let i = 0; i < out.length; i += 37) gen.read(out.subarray(i, Math.min(out.length, i + 37)));
  assert.equal(gen.active, false);
  const whole = generateDtmf('9', { onMs: 100, offMs: 25 });
  assert.deepEqual(out.subarray(0, 1000), whole.subarray(0, 1000));
  assert.equal(digits(detectDtmf(out)), '9');
});

test('rejects other sample rates with a clear error', () => {
  assert.throws(() => new DtmfDetector({ sampleRateHz: 16000 }), /resample/);
});
