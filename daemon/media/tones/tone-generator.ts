/**
 * Streaming call-progress tone generator: plays a tone's segments frame by
 * frame (any frame size), f1+f2 sums and f1×f2 modulation, once-only lead-in
 * segments, then the repeating cadence, phase-continuous inside a segment.
 */
import { clampInt16, sineAmplitude } from './level.ts';
import { type ToneName, type ToneSegment, toneSegments } from './tone-plans.ts';

export interface ToneGeneratorOptions {
  /** Level of each frequency component, dBm0. Default −13. */
  levelDbm0?: number;
  sampleRateHz?: number;
}

const MODULATION_DEPTH = 0.9;

export class ToneGenerator {
  readonly #segments: ToneSegment[];
  readonly #repeatFrom: number;
  readonly #amp: number;
  readonly #rateHz: number;
  #index = 0;
  #n = 0;
  #segmentSamples: number;
  #finished = false;

  constructor(segments: ToneSegment[], opts: ToneGeneratorOptions = {}) {
    this.#segments = segments;
    const firstRepeating = segments.findIndex((s) => !s.once);
    this.#repeatFrom = firstRepeating;
    this.#amp = sineAmplitude(opts.levelDbm0 ?? -13);
    this.#rateHz = opts.sampleRateHz ?? 8000;
    this.#segmentSamples = this.#samplesOf(0);
    if (segments.length === 0) this.#finished = true;
  }

  /** True once a tone made only of once-segments has played out. */
  get finished(): boolean {
    return this.#finished;
  }

  #samplesOf(index: number): number {
    const seg = this.#segments[index];
    if (!seg || seg.durationMs === null) return Number.POSITIVE_INFINITY;
    return Math.round((seg.durationMs * this.#rateHz) / 1000);
  }

  #advance(): void {
    this.#n = 0;
    this.#index++;
    if (this.#index >= this.#segments.length) {
      if (this.#repeatFrom < 0) {
        this.#finished = true;
        return;
      }
      this.#index = this.#repeatFrom;
    }
    this.#segmentSamples = this.#samplesOf(this.#index);
  }

  /** Fills `frame` with the next samples and returns it. */
  read(frame: Int16Array): Int16Array {
    const rate = this.#rateHz;
    for (let i = 0; i < frame.length; i++) {
      while (!this.#finished && this.#n >= this.#segmentSamples) this.#advance();
      if (this.#finished) {
        frame[i] = 0;
        continue;
      }
      const seg = this.#segments[this.#index]!;
      const n = this.#n++;
      let v = 0;
      if (seg.modulationHz !== undefined) {
        const carrier = Math.sin((2 * Math.PI * seg.freqsHz[0]! * n) / rate);
        v =
          this.#amp *
          carrier *
          (1 + MODULATION_DEPTH * Math.sin((2 * Math.PI * seg.modulationHz * n) / rate));
      } else {
        for (const f of seg.freqsHz) v += this.#amp * Math.sin((2 * Math.PI * f * n) / rate);
      }
      frame[i] = clampInt16(v);
    }
    return frame;
  }
}

/** A generator for a named tone of a country's plan. */
export function toneGenerator(
  name: ToneName,
  country: string,
  opts: ToneGeneratorOptions = {},
): ToneGenerator {
  return new ToneGenerator(toneSegments(name, country), opts);
}

/** Renders `durationMs` of a tone (files, tests). */
export function renderTone(
  name: ToneName,
  country: string,
  durationMs: number,
  opts: ToneGeneratorOptions = {},
): Int16Array {
  const rate = opts.sampleRateHz ?? 8000;
  return toneGenerator(name, country, opts).read(new Int16Array(Math.round((durationMs * rate) / 1000)));
}
