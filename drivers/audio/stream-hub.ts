/**
 * The shared core of every audio device: several streams on one device,
 * captured frames fanned out to all of them, written frames queued per
 * stream and mixed one frame per tick. Each queue is bounded so a writer
 * that runs ahead cannot build up latency: the oldest frames are dropped.
 */
import { DEFAULT_PCM_FORMAT, type AudioStream, type PcmFormat } from './types.ts';

export interface StreamHubOptions {
  format?: PcmFormat;
  /** Frames a stream may queue before the oldest are dropped (default 10 = 200 ms). */
  maxQueueFrames?: number;
  /** Called when the first stream opens and when the last closes. */
  onActive?: (active: boolean) => void;
}

interface HubStream {
  queue: Int16Array[];
  /** Samples of a partly written frame (writers may use any length). */
  partial: Int16Array | undefined;
  handlers: Set<(frame: Int16Array) => void>;
}

export class StreamHub {
  readonly format: PcmFormat;
  readonly #maxQueueFrames: number;
  readonly #onActive: ((active: boolean) => void) | undefined;
  readonly #streams = new Set<HubStream>();
  /** Frames dropped because a writer ran ahead. */
  droppedFrames = 0;

  constructor(options: StreamHubOptions = {}) {
    this.format = options.format ?? DEFAULT_PCM_FORMAT;
    this.#maxQueueFrames = options.maxQueueFrames ?? 10;
    this.#onActive = options.onActive;
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  get frameMs(): number {
    return (this.format.frameSamples * 1000) / this.format.sampleRateHz;
  }

  open(): AudioStream {
    const s: HubStream = { queue: [], partial: undefined, handlers: new Set() };
    this.#streams.add(s);
    if (this.#streams.size === 1) this.#onActive?.(true);
    let closed = false;
    const n = this.format.frameSamples;
    return {
      write: (frame) => {
        if (closed) return;
        // Re-frame arbitrary lengths into device frames.
        let data = frame;
        if (s.partial) {
          const joined = new Int16Array(s.partial.length + frame.length);
          joined.set(s.partial);
          joined.set(frame, s.partial.length);
          data = joined;
          s.partial = undefined;
        }
        let off = 0;
        for (; off + n <= data.length; off += n) {
          s.queue.push(data.slice(off, off + n));
          if (s.queue.length > this.#maxQueueFrames) {
            s.queue.shift();
            this.droppedFrames++;
          }
        }
        if (off < data.length) s.partial = data.slice(off);
      },
      onFrame: (handler) => {
        s.handlers.add(handler);
        return () => s.handlers.delete(handler);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        s.handlers.clear();
        this.#streams.delete(s);
        if (this.#streams.size === 0) this.#onActive?.(false);
      },
    };
  }

  /** Sends a captured frame to every stream. */
  deliver(frame: Int16Array): void {
    for (const s of [...this.#streams]) {
      for (const h of [...s.handlers]) {
        try {
          h(frame);
        } catch {
          // A consumer's bug must not stop the others from hearing audio.
        }
      }
    }
  }

  /** Takes one frame from each stream's queue and mixes them; null when nobody has anything queued. */
  takeMixed(): Int16Array | null {
    let mixed: Int32Array | null = null;
    for (const s of this.#streams) {
      const f = s.queue.shift();
      if (!f) continue;
      mixed ??= new Int32Array(this.format.frameSamples);
      for (let i = 0; i < f.length; i++) mixed[i] = (mixed[i] ?? 0) + (f[i] ?? 0);
    }
    if (!mixed) return null;
    const out = new Int16Array(mixed.length);
    for (let i = 0; i < mixed.length; i++) out[i] = Math.max(-32768, Math.min(32767, mixed[i] ?? 0));
    return out;
  }

  /** Frames queued by the fullest stream (what a writer is ahead by). */
  queuedFrames(): number {
    let max = 0;
    for (const s of this.#streams) max = Math.max(max, s.queue.length);
    return max;
  }

  closeAll(): void {
    const had = this.#streams.size > 0;
    this.#streams.clear();
    if (had) this.#onActive?.(false);
  }
}

/** Applies a gain in dB with clipping; returns the input unchanged at 0 dB. */
export function applyGainDb(frame: Int16Array, gainDb: number): Int16Array {
  if (gainDb === 0) return frame;
  const k = 10 ** (gainDb / 20);
  const out = new Int16Array(frame.length);
  for (let i = 0; i < frame.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round((frame[i] ?? 0) * k)));
  return out;
}
