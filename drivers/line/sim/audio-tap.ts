/**
 * Helpers shared by the simulated phone and PSTN line: a bounded recording
 * of what one side hears, and a looping player for continuous tones.
 */
import type { Clock, Timer } from '../../base/clock.ts';
import type { AudioStream } from '../../audio/types.ts';

/** Keeps the last `maxSeconds` of 8 kHz audio. */
export class RecordingBuffer {
  readonly #frames: Int16Array[] = [];
  readonly #maxFrames: number;

  constructor(maxSeconds = 60, frameMs = 20) {
    this.#maxFrames = Math.ceil((maxSeconds * 1000) / frameMs);
  }

  push(frame: Int16Array): void {
    this.#frames.push(frame);
    if (this.#frames.length > this.#maxFrames) this.#frames.shift();
  }

  /** The last `seconds` of audio (all of it when absent). */
  last(seconds?: number): Int16Array {
    const total = this.#frames.reduce((n, f) => n + f.length, 0);
    const want = seconds === undefined ? total : Math.min(total, Math.round(seconds * 8000));
    const out = new Int16Array(want);
    let pos = want;
    for (let i = this.#frames.length - 1; i >= 0 && pos > 0; i--) {
      const f = this.#frames[i]!;
      const take = Math.min(f.length, pos);
      out.set(f.subarray(f.length - take), pos - take);
      pos -= take;
    }
    return out;
  }
}

/** Plays `samples` round and round, one frame per period, until cancelled. */
export function loopAudio(
  stream: AudioStream,
  samples: Int16Array,
  clock: Clock,
  frameSamples = 160,
): () => void {
  if (samples.length === 0) return () => {};
  let pos = 0;
  const next = () => {
    const frame = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) {
      frame[i] = samples[pos] ?? 0;
      pos = (pos + 1) % samples.length;
    }
    stream.write(frame);
  };
  next();
  const timer: Timer = clock.setInterval((frameSamples * 1000) / 8000, next);
  return () => timer.cancel();
}
