/**
 * Plays a buffer into a stream in real time: one frame per frame period on
 * the Clock, a couple of frames ahead. Streams drop what is queued too far
 * ahead (to hold latency), so anything longer than a frame — caller ID,
 * a tone, a WAV — goes through a player.
 */
import type { Clock, Timer } from '../base/clock.ts';
import { DEFAULT_PCM_FORMAT, type AudioStream, type PcmFormat } from './types.ts';

export interface PlaybackHandle {
  /** Resolves true when everything was written, false when cancelled. */
  readonly done: Promise<boolean>;
  /** Clock time at which the last sample will have been written. */
  readonly endsAtMs: number;
  cancel(): void;
}

export function playPaced(
  stream: AudioStream,
  samples: Int16Array,
  clock: Clock,
  options: { format?: PcmFormat; aheadFrames?: number } = {},
): PlaybackHandle {
  const format = options.format ?? DEFAULT_PCM_FORMAT;
  const n = format.frameSamples;
  const frameMs = (n * 1000) / format.sampleRateHz;
  const frames = Math.ceil(samples.length / n);
  const ahead = Math.max(1, options.aheadFrames ?? 2);
  let next = 0;
  let timer: Timer | undefined;
  let finish: (completed: boolean) => void = () => {};
  const done = new Promise<boolean>((resolve) => {
    finish = resolve;
  });
  const writeFrame = () => {
    const frame = new Int16Array(n);
    frame.set(samples.subarray(next * n, Math.min(samples.length, (next + 1) * n)));
    stream.write(frame);
    next++;
  };
  const startMs = clock.now();
  // The last frame has left the device once every frame period has passed.
  const endsAtMs = startMs + frames * frameMs;
  for (let i = 0; i < ahead && next < frames; i++) writeFrame();
  const schedule = () => {
    if (next >= frames) {
      timer = clock.setTimer(Math.max(0, endsAtMs - clock.now()), () => {
        timer = undefined;
        finish(true);
      });
      return;
    }
    timer = clock.setTimer(startMs + (next - ahead + 1) * frameMs - clock.now(), () => {
      writeFrame();
      schedule();
    });
  };
  schedule();
  return {
    done,
    endsAtMs,
    cancel: () => {
      timer?.cancel();
      timer = undefined;
      finish(false);
    },
  };
}
