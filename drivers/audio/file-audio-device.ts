/**
 * An audio device backed by samples: captures from a WAV or raw buffer,
 * records what is written. Paced by the Clock like a sound card. For tests,
 * for the CLI's line sniffer, and for replaying field recordings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Clock, Timer } from '../base/clock.ts';
import { StreamHub } from './stream-hub.ts';
import { DEFAULT_PCM_FORMAT, type AudioDevice, type AudioStream, type PcmFormat } from './types.ts';
import { encodeWav, parseWav8kMono } from './wav-pcm.ts';

export interface FileAudioDeviceOptions {
  name?: string;
  clock: Clock;
  /** What the device captures: samples, or a path to an 8 kHz mono WAV. */
  input?: Int16Array | string;
  /** Capture the input again from the start when it ends (default: silence after the end). */
  loop?: boolean;
  /** Where `close()` of the last stream writes what was played, as WAV. */
  outputWav?: string;
  format?: PcmFormat;
}

export class FileAudioDevice implements AudioDevice {
  readonly name: string;
  readonly #options: FileAudioDeviceOptions;
  readonly #hub: StreamHub;
  #input: Int16Array | undefined;
  #inputPos = 0;
  readonly #played: Int16Array[] = [];
  #timer: Timer | undefined;
  #nextDueMs = 0;

  constructor(options: FileAudioDeviceOptions) {
    this.#options = options;
    this.name = options.name ?? 'file';
    this.#hub = new StreamHub({
      format: options.format ?? DEFAULT_PCM_FORMAT,
      onActive: (active) => (active ? this.#start() : this.#stop()),
    });
  }

  async open(): Promise<AudioStream> {
    if (this.#input === undefined) {
      const input = this.#options.input;
      this.#input =
        typeof input === 'string' ? parseWav8kMono(readFileSync(input)) : (input ?? new Int16Array(0));
    }
    return this.#hub.open();
  }

  /** Everything written to the device so far. */
  played(): Int16Array {
    const total = this.#played.reduce((n, f) => n + f.length, 0);
    const out = new Int16Array(total);
    let off = 0;
    for (const f of this.#played) {
      out.set(f, off);
      off += f.length;
    }
    return out;
  }

  #start(): void {
    this.#nextDueMs = this.#options.clock.now() + this.#hub.frameMs;
    const schedule = () => {
      this.#timer = this.#options.clock.setTimer(this.#nextDueMs - this.#options.clock.now(), () => {
        this.#nextDueMs += this.#hub.frameMs;
        this.#tick();
        if (this.#timer) schedule();
      });
    };
    schedule();
  }

  #stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#options.outputWav) writeFileSync(this.#options.outputWav, encodeWav(this.played()));
  }

  #tick(): void {
    const n = this.#hub.format.frameSamples;
    const frame = new Int16Array(n);
    const input = this.#input ?? new Int16Array(0);
    for (let i = 0; i < n; i++) {
      if (this.#inputPos >= input.length) {
        if (!this.#options.loop || input.length === 0) break;
        this.#inputPos = 0;
      }
      frame[i] = input[this.#inputPos++] ?? 0;
    }
    this.#played.push(this.#hub.takeMixed() ?? new Int16Array(n));
    this.#hub.deliver(frame);
  }
}
