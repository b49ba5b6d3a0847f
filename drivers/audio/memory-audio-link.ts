/**
 * Two audio devices joined back to back, like the two ends of a phone
 * cord: what side A writes, side B captures one frame period later, and
 * the other way round. Paced by the Clock, so a FakeClock test hears audio
 * exactly when it advances time. While either side has a stream open, both
 * sides capture a frame every period (silence when the other side is quiet),
 * as a real sound card would.
 */
import type { Clock, Timer } from '../base/clock.ts';
import { StreamHub } from './stream-hub.ts';
import { DEFAULT_PCM_FORMAT, type AudioDevice, type AudioStream, type PcmFormat } from './types.ts';

export interface MemoryAudioLinkOptions {
  clock: Clock;
  /** Names for the two sides, e.g. `fxs1` (port side) and `fxs1-phone`. */
  names?: [string, string];
  format?: PcmFormat;
}

class MemoryAudioEnd implements AudioDevice {
  readonly name: string;
  readonly hub: StreamHub;

  constructor(name: string, hub: StreamHub) {
    this.name = name;
    this.hub = hub;
  }

  async open(format?: PcmFormat): Promise<AudioStream> {
    if (format && format.frameSamples !== this.hub.format.frameSamples) {
      // One frame size per link keeps the mixing simple; callers re-frame.
      throw new Error(`memory audio uses ${this.hub.format.frameSamples}-sample frames`);
    }
    return this.hub.open();
  }
}

export class MemoryAudioLink {
  readonly a: AudioDevice;
  readonly b: AudioDevice;
  readonly #clock: Clock;
  readonly #hubA: StreamHub;
  readonly #hubB: StreamHub;
  #timer: Timer | undefined;
  #nextDueMs = 0;

  constructor(options: MemoryAudioLinkOptions) {
    this.#clock = options.clock;
    const format = options.format ?? DEFAULT_PCM_FORMAT;
    const onActive = () => this.#updateTicking();
    this.#hubA = new StreamHub({ format, onActive });
    this.#hubB = new StreamHub({ format, onActive });
    const [nameA, nameB] = options.names ?? ['memory-a', 'memory-b'];
    this.a = new MemoryAudioEnd(nameA, this.#hubA);
    this.b = new MemoryAudioEnd(nameB, this.#hubB);
  }

  /** Closes every stream on both sides and stops the clock tick; idempotent. */
  close(): void {
    this.#hubA.closeAll();
    this.#hubB.closeAll();
    this.#stopTicking();
  }

  #updateTicking(): void {
    const active = this.#hubA.openStreams + this.#hubB.openStreams > 0;
    if (active && !this.#timer) {
      this.#nextDueMs = this.#clock.now() + this.#hubA.frameMs;
      this.#schedule();
    } else if (!active) {
      this.#stopTicking();
    }
  }

  #stopTicking(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  // Absolute deadlines (not a plain interval) so rounding never accumulates into drift.
  #schedule(): void {
    this.#timer = this.#clock.setTimer(this.#nextDueMs - this.#clock.now(), () => {
      this.#nextDueMs += this.#hubA.frameMs;
      this.#tick();
      if (this.#timer) this.#schedule();
    });
  }

  #tick(): void {
    const silence = () => new Int16Array(this.#hubA.format.frameSamples);
    const fromA = this.#hubA.takeMixed() ?? silence();
    const fromB = this.#hubB.takeMixed() ?? silence();
    this.#hubB.deliver(fromA);
    this.#hubA.deliver(fromB);
  }
}
