/**
 * DTMF generation: a whole digit string at once (files, tests) or streamed
 * frame by frame (the gateway converting RFC 4733 events to in-band audio).
 */
import { LinegateError } from '../../../drivers/base/errors.ts';
import { clampInt16, sineAmplitude } from '../tones/level.ts';
import { dtmfFrequencies } from './dtmf-keypad.ts';

export interface DtmfToneOptions {
  /** Level of the low-group tone, dBm0. Default −10 (Q.23 nominal). */
  levelDbm0?: number;
  /** High-group level minus low-group level, dB. Positive = high tone louder. Default 0. */
  twistDb?: number;
  /** Shift of the low / high tone from nominal, percent (for receiver tests). Default 0. */
  lowOffsetPct?: number;
  highOffsetPct?: number;
  sampleRateHz?: number;
}

export interface DtmfSequenceOptions extends DtmfToneOptions {
  /** Tone duration per digit. Default 70 ms. */
  onMs?: number;
  /** Silence after each digit. Default 70 ms. */
  offMs?: number;
  /** Silence before the first digit. Default 0. */
  leadMs?: number;
}

const DEFAULT_ON_MS = 70;
const DEFAULT_OFF_MS = 70;

function toneParams(digit: string, opts: DtmfToneOptions) {
  const freqs = dtmfFrequencies(digit);
  if (!freqs) throw new LinegateError('BAD_REQUEST', `not a DTMF digit: ${JSON.stringify(digit)}`);
  const levelDbm0 = opts.levelDbm0 ?? -10;
  const twistDb = opts.twistDb ?? 0;
  return {
    lowHz: freqs.lowHz * (1 + (opts.lowOffsetPct ?? 0) / 100),
    highHz: freqs.highHz * (1 + (opts.highOffsetPct ?? 0) / 100),
    lowAmp: sineAmplitude(levelDbm0),
    highAmp: sineAmplitude(levelDbm0 + twistDb),
  };
}

/** Renders `digits` (0-9 * # A-D; anything else is an error) as 16-bit PCM. */
export function generateDtmf(digits: string, opts: DtmfSequenceOptions = {}): Int16Array {
  const rateHz = opts.sampleRateHz ?? 8000;
  const onSamples = Math.round(((opts.onMs ?? DEFAULT_ON_MS) * rateHz) / 1000);
  const offSamples = Math.round(((opts.offMs ?? DEFAULT_OFF_MS) * rateHz) / 1000);
  const leadSamples = Math.round(((opts.leadMs ?? 0) * rateHz) / 1000);
  const out = new Int16Array(leadSamples + digits.length * (onSamples + offSamples));
  let pos = leadSamples;
  for (const digit of digits) {
    const p = toneParams(digit, opts);
    const wl = (2 * Math.PI * p.lowHz) / rateHz;
    const wh = (2 * Math.PI * p.highHz) / rateHz;
    for (let i = 0; i < onSamples; i++) {
      out[pos + i] = clampInt16(p.lowAmp * Math.sin(wl * i) + p.highAmp * Math.sin(wh * i));
    }
    pos += onSamples + offSamples;
  }
  return out;
}

/**
 * Streaming generator: `start(digit)` then `read(frame)` fills frames until
 * `stop()` (or `durationMs` runs out). Phase runs on across frames, so the
 * output is click-free whatever the frame size.
 */
export class DtmfGenerator {
  readonly #opts: DtmfToneOptions;
  readonly #rateHz: number;
  #tone: ReturnType<typeof toneParams> | null = null;
  #n = 0;
  #remaining = Number.POSITIVE_INFINITY;

  constructor(opts: DtmfToneOptions = {}) {
    this.#opts = opts;
    this.#rateHz = opts.sampleRateHz ?? 8000;
  }

  get active(): boolean {
    return this.#tone !== null;
  }

  start(digit: string, durationMs?: number): void {
    this.#tone = toneParams(digit, this.#opts);
    this.#n = 0;
    this.#remaining =
      durationMs === undefined ? Number.POSITIVE_INFINITY : Math.round((durationMs * this.#rateHz) / 1000);
  }

  stop(): void {
    this.#tone = null;
  }

  /** Fills `frame` (silence when idle) and returns it. */
  read(frame: Int16Array): Int16Array {
    const t = this.#tone;
    if (!t) {
      frame.fill(0);
      return frame;
    }
    const wl = (2 * Math.PI * t.lowHz) / this.#rateHz;
    const wh = (2 * Math.PI * t.highHz) / this.#rateHz;
    for (let i = 0; i < frame.length; i++) {
      if (this.#remaining <= 0) {
        frame[i] = 0;
        continue;
      }
      const n = this.#n++;
      this.#remaining--;
      frame[i] = clampInt16(t.lowAmp * Math.sin(wl * n) + t.highAmp * Math.sin(wh * n));
    }
    if (this.#remaining <= 0) this.#tone = null;
    return frame;
  }
}
