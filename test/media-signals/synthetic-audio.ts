/**
 * Deterministic speech-like and music-like test signals for talk-off tests:
 * nothing here is DTMF, so every digit a detector reports on them is false.
 */
import { clampInt16, sineAmplitude } from '../../daemon/media/tones/level.ts';

/** Small seeded PRNG (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Two-pole resonator (formant) state. */
class Resonator {
  y1 = 0;
  y2 = 0;
  step(x: number, freqHz: number, bandwidthHz: number, rateHz: number): number {
    const r = Math.exp((-Math.PI * bandwidthHz) / rateHz);
    const a1 = 2 * r * Math.cos((2 * Math.PI * freqHz) / rateHz);
    const a2 = -r * r;
    const y = (1 - r) * x + a1 * this.y1 + a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

// Rough vowel formants (F1, F2, F3) in Hz, men's and women's voices.
const VOWELS: [number, number, number][] = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [660, 1720, 2410],
  [570, 840, 2410],
  [440, 1020, 2240],
  [490, 1350, 1690],
  [850, 1220, 2810],
  [310, 2790, 3310],
];

/**
 * Speech-like audio: syllables of a glottal pulse train (pitch gliding
 * 80–280 Hz, with jitter) through moving formants, unvoiced noise bursts and
 * pauses, at about −15 dBm0 average.
 */
export function speechLike(seconds: number, seed: number, rateHz = 8000): Int16Array {
  const rand = seededRandom(seed);
  const out = new Int16Array(Math.round(seconds * rateHz));
  const res = [new Resonator(), new Resonator(), new Resonator()];
  const gain = sineAmplitude(-12);
  let pos = 0;
  while (pos < out.length) {
    const kind = rand();
    const lenSamples = Math.round((0.08 + rand() * 0.3) * rateHz);
    const end = Math.min(out.length, pos + lenSamples);
    if (kind < 0.15) {
      pos = end; // pause
      continue;
    }
    const from = VOWELS[Math.floor(rand() * VOWELS.length)]!;
    const to = VOWELS[Math.floor(rand() * VOWELS.length)]!;
    const f0Start = 80 + rand() * 200;
    const f0End = f0Start * (0.7 + rand() * 0.6);
    const unvoiced = kind < 0.3;
    let phase = 0;
    for (let n = pos; n < end; n++) {
      const t = (n - pos) / (end - pos);
      const f0 = (f0Start + (f0End - f0Start) * t) * (1 + 0.01 * gaussian(rand));
      phase += f0 / rateHz;
      let excitation: number;
      if (unvoiced) excitation = gaussian(rand) * 0.3;
      else if (phase >= 1) {
        phase -= 1;
        excitation = 1;
      } else excitation = 0;
      let y = 0;
      for (let k = 0; k < 3; k++) {
        const f = from[k]! + (to[k]! - from[k]!) * t;
        y += res[k]!.step(excitation, f, 60 + 40 * k, rateHz) * (k === 0 ? 1 : 0.6);
      }
      const envelope = Math.sin(Math.PI * t);
      out[n] = clampInt16(y * gain * 6 * envelope);
    }
    pos = end;
  }
  return out;
}

/**
 * Music-like audio: equal-tempered notes and two/three-note chords (C4–C7,
 * which puts notes within 0.2 % of 697 and 1477 Hz) with instrument-like
 * harmonic series, attack/decay envelopes and vibrato.
 */
export function musicLike(seconds: number, seed: number, rateHz = 8000): Int16Array {
  const rand = seededRandom(seed);
  const out = new Float64Array(Math.round(seconds * rateHz));
  let pos = 0;
  while (pos < out.length) {
    const noteSamples = Math.round((0.1 + rand() * 0.5) * rateHz);
    const voices = 1 + Math.floor(rand() * 3);
    // Harmonic amplitudes: bright (1/n), hollow (odd 1/n), or soft (1/n²).
    const timbre = Math.floor(rand() * 3);
    const vibratoHz = 4 + rand() * 3;
    const vibratoDepth = rand() < 0.5 ? 0 : 0.004;
    for (let v = 0; v < voices; v++) {
      const semitone = 60 + Math.floor(rand() * 37); // MIDI C4..C7
      const f0 = 440 * 2 ** ((semitone - 69) / 12);
      const level = sineAmplitude(-14 - rand() * 8);
      for (let h = 1; h <= 8; h++) {
        const fh = f0 * h;
        if (fh > rateHz / 2 - 200) break;
        let amp = timbre === 0 ? 1 / h : timbre === 1 ? (h % 2 ? 1 / h : 0) : 1 / (h * h);
        if (amp === 0) continue;
        amp *= level;
        for (let i = 0; i < noteSamples && pos + i < out.length; i++) {
          const t = i / rateHz;
          const env = Math.min(1, i / 80) * Math.exp(-t * (1 + h * 0.5));
          const f = fh * (1 + vibratoDepth * Math.sin(2 * Math.PI * vibratoHz * t));
          out[pos + i]! += amp * env * Math.sin(2 * Math.PI * f * t);
        }
      }
    }
    pos += noteSamples;
  }
  return Int16Array.from(out, clampInt16);
}
