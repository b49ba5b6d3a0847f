/**
 * Packet-loss concealment in the style of ITU-T G.711 Appendix I: find the
 * pitch period in the recent history, continue the signal by repeating the
 * last period(s), widen to two and three periods as the erasure grows (so
 * the repeat does not buzz), fade 20 % per 10 ms after the first 10 ms and
 * go silent at 60 ms; on the first good frame, cross-fade the synthetic
 * continuation into the real signal.
 *
 * Unlike Appendix I we do not delay the output by 3.75 ms: the synthetic
 * signal starts phase-aligned with the last real sample instead, which
 * costs a little quality at the start of an erasure and saves latency.
 */

const PITCH_MIN_SAMPLES = 40; // 200 Hz at 8 kHz
const PITCH_MAX_SAMPLES = 120; // 66.7 Hz
const CORRELATION_SAMPLES = 160; // 20 ms window
const HISTORY_SAMPLES = PITCH_MAX_SAMPLES * 3 + 30; // 48.75 ms, as in Appendix I
const SAMPLES_PER_10MS = 80;
const SILENT_AFTER_SAMPLES = 480; // 60 ms

export class G711Concealer {
  readonly #history = new Int16Array(HISTORY_SAMPLES);
  #pitchSamples = PITCH_MIN_SAMPLES;
  /** Samples concealed in the current erasure; 0 when not in an erasure. */
  #erasedSamples = 0;
  /** Read position inside the repeated pitch buffer. */
  #phase = 0;

  get inErasure(): boolean {
    return this.#erasedSamples > 0;
  }

  /** Feeds a good frame; blends it in place after an erasure, then records it. */
  goodFrame(frame: Int16Array): void {
    if (this.#erasedSamples > 0) {
      // Appendix I: overlap-add 1/4 pitch plus 4 ms per extra 10 ms erased, at most 10 ms.
      const extra10ms = Math.max(0, Math.floor(this.#erasedSamples / SAMPLES_PER_10MS) - 1);
      const blend = Math.min(frame.length, SAMPLES_PER_10MS, (this.#pitchSamples >> 2) + extra10ms * 32);
      for (let i = 0; i < blend; i++) {
        const synthetic = this.#syntheticSample();
        const w = (i + 1) / (blend + 1);
        frame[i] = clamp16(Math.round(synthetic * (1 - w) + frame[i]! * w));
      }
      this.#erasedSamples = 0;
    }
    this.#pushHistory(frame);
  }

  /** Fills `out` with concealment for one missing frame. */
  conceal(out: Int16Array): void {
    if (this.#erasedSamples === 0) {
      this.#pitchSamples = this.#findPitch();
      this.#phase = 0;
    }
    for (let i = 0; i < out.length; i++) {
      out[i] = clamp16(Math.round(this.#syntheticSample() * this.#gain()));
      this.#erasedSamples++;
    }
    // The concealed signal becomes history so a long erasure keeps its phase.
    this.#pushHistory(out);
    this.#phase = this.#phase % this.#repeatLength();
  }

  reset(): void {
    this.#history.fill(0);
    this.#erasedSamples = 0;
    this.#phase = 0;
  }

  #repeatLength(): number {
    const periods = Math.min(3, 1 + Math.floor(this.#erasedSamples / SAMPLES_PER_10MS));
    return this.#pitchSamples * periods;
  }

  /** Next sample of the periodic continuation of the history. */
  #syntheticSample(): number {
    const length = this.#repeatLength();
    const start = HISTORY_SAMPLES - length;
    const value = this.#history[start + (this.#phase % length)]!;
    this.#phase++;
    return value;
  }

  #gain(): number {
    const n = this.#erasedSamples;
    if (n < SAMPLES_PER_10MS) return 1;
    if (n >= SILENT_AFTER_SAMPLES) return 0;
    // 20 % less per 10 ms after the first 10 ms, ramped per sample.
    return Math.max(0, 1 - (0.2 * (n - SAMPLES_PER_10MS)) / SAMPLES_PER_10MS);
  }

  #pushHistory(frame: Int16Array): void {
    const h = this.#history;
    if (frame.length >= HISTORY_SAMPLES) {
      h.set(frame.subarray(frame.length - HISTORY_SAMPLES));
      return;
    }
    h.copyWithin(0, frame.length);
    h.set(frame, HISTORY_SAMPLES - frame.length);
  }

  /** Pitch period by normalised cross-correlation of the last 20 ms with its past. */
  #findPitch(): number {
    const h = this.#history;
    const end = HISTORY_SAMPLES;
    let best = PITCH_MIN_SAMPLES;
    let bestScore = -Infinity;
    // Coarse search on every second lag, then refine around the winner.
    const score = (lag: number): number => {
      let cross = 0;
      let energy = 1;
      for (let i = end - CORRELATION_SAMPLES; i < end; i += 2) {
        const past = h[i - lag]!;
        cross += h[i]! * past;
        energy += past * past;
      }
      return cross / Math.sqrt(energy);
    };
    for (let lag = PITCH_MIN_SAMPLES; lag <= PITCH_MAX_SAMPLES; lag += 2) {
      const s = score(lag);
      if (s > bestScore) {
        bestScore = s;
        best = lag;
      }
    }
    for (const lag of [best - 1, best + 1]) {
      if (lag < PITCH_MIN_SAMPLES || lag > PITCH_MAX_SAMPLES) continue;
      if (score(lag) > bestScore) {
        bestScore = score(lag);
        best = lag;
      }
    }
    return best;
  }
}

function clamp16(v: number): number {
  return Math.min(32767, Math.max(-32768, v));
}
