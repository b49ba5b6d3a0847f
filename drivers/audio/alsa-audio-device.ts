/**
 * A real sound card through ALSA's `arecord` / `aplay` (alsa-utils): raw
 * 8 kHz mono S16_LE with 10 ms periods. Capture frames are delivered as
 * arecord produces them. Playback is paced by our Clock on absolute
 * deadlines (no drift from timer rounding), and held at a fixed latency:
 * the frames written to aplay are compared with the frames captured from
 * the same card (the card's own clock), and a frame is dropped or a
 * silence frame inserted when the difference leaves the target window, so
 * latency never grows however long the call. A child that exits is
 * restarted with backoff; the device reports `failed` meanwhile.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Clock, Timer } from '../base/clock.ts';
import { errorMessage } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import { applyGainDb, StreamHub } from './stream-hub.ts';
import { DEFAULT_PCM_FORMAT, type AudioDevice, type AudioStream, type PcmFormat } from './types.ts';

/** The parts of a child process the device uses; tests hand in fakes. */
export interface AudioChild {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export type SpawnAudioChild = (command: string, args: string[]) => AudioChild;

export interface AlsaAudioDeviceOptions {
  name: string;
  /** ALSA capture device, e.g. `plughw:CARD=fxs1,DEV=0`. */
  capture: string;
  playback: string;
  clock: Clock;
  logger: Logger;
  rxGainDb?: number;
  txGainDb?: number;
  format?: PcmFormat;
  /** ALSA period (default 10 ms) and buffer (default 40 ms) asked of arecord/aplay. */
  periodMs?: number;
  bufferMs?: number;
  /** Frames kept queued in aplay (default 2 = 40 ms at 20 ms frames). */
  targetLatencyFrames?: number;
  /** Frames the playback may wander from the target before a drop/insert (default 2). */
  latencySlackFrames?: number;
  /** First restart delay; doubles up to `maxRestartDelayMs` (defaults 1000 / 30000). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  spawn?: SpawnAudioChild;
}

export interface AlsaAudioStats {
  capturedFrames: number;
  playedFrames: number;
  droppedFrames: number;
  insertedFrames: number;
  restarts: number;
}

const defaultSpawn: SpawnAudioChild = (command, args) =>
  spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcess;

export class AlsaAudioDevice implements AudioDevice {
  readonly name: string;
  readonly #o: AlsaAudioDeviceOptions;
  readonly #hub: StreamHub;
  readonly #healthHandlers = new Set<(failure: string | null) => void>();
  #record: AudioChild | undefined;
  #play: AudioChild | undefined;
  #tick: Timer | undefined;
  #restart: Timer | undefined;
  #nextDueMs = 0;
  #captureBuf: Buffer = Buffer.alloc(0);
  #failure: string | null = null;
  #restartDelayMs: number;
  #active = false;
  #startedAtMs = 0;
  #backpressure = false;
  /** Frames written / captured since the children started, for latency holding. */
  #written = 0;
  #captured = 0;
  readonly stats: AlsaAudioStats = {
    capturedFrames: 0,
    playedFrames: 0,
    droppedFrames: 0,
    insertedFrames: 0,
    restarts: 0,
  };

  constructor(options: AlsaAudioDeviceOptions) {
    this.#o = options;
    this.name = options.name;
    this.#restartDelayMs = options.restartDelayMs ?? 1000;
    this.#hub = new StreamHub({
      format: options.format ?? DEFAULT_PCM_FORMAT,
      onActive: (active) => (active ? this.#activate() : this.#deactivate()),
    });
  }

  get failure(): string | null {
    return this.#failure;
  }

  async open(): Promise<AudioStream> {
    return this.#hub.open();
  }

  onHealth(handler: (failure: string | null) => void): () => void {
    this.#healthHandlers.add(handler);
    return () => this.#healthHandlers.delete(handler);
  }

  /** The arecord / aplay argument lists (exported for the docs and tests). */
  commandArgs(): { arecord: string[]; aplay: string[] } {
    const f = this.#hub.format;
    const common = (device: string) => [
      '-q',
      '-D',
      device,
      '-t',
      'raw',
      '-f',
      'S16_LE',
      '-r',
      String(f.sampleRateHz),
      '-c',
      '1',
      `--period-time=${(this.#o.periodMs ?? 10) * 1000}`,
      `--buffer-time=${(this.#o.bufferMs ?? 40) * 1000}`,
    ];
    return { arecord: common(this.#o.capture), aplay: common(this.#o.playback) };
  }

  #activate(): void {
    this.#active = true;
    this.#startChildren();
  }

  #deactivate(): void {
    this.#active = false;
    this.#restart?.cancel();
    this.#restart = undefined;
    this.#stopChildren();
  }

  #startChildren(): void {
    const spawnChild = this.#o.spawn ?? defaultSpawn;
    const args = this.commandArgs();
    this.#written = 0;
    this.#captured = 0;
    this.#captureBuf = Buffer.alloc(0);
    this.#backpressure = false;
    try {
      this.#record = spawnChild('arecord', args.arecord);
      this.#play = spawnChild('aplay', args.aplay);
    } catch (err) {
      this.#fail(`cannot start arecord/aplay: ${errorMessage(err)}`);
      return;
    }
    this.#watchChild(this.#record, 'arecord');
    this.#watchChild(this.#play, 'aplay');
    this.#record.stdout?.on('data', (chunk: Buffer) => this.#onCaptured(chunk));
    this.#play.stdin?.on('drain', () => {
      this.#backpressure = false;
    });
    this.#play.stdin?.on('error', () => {
      // An EPIPE follows a dead aplay; its exit handler restarts it.
    });
    // Prefill so the card starts with the target latency and never underruns on the first tick.
    const target = this.#o.targetLatencyFrames ?? 2;
    for (let i = 0; i < target; i++) this.#writeToCard(new Int16Array(this.#hub.format.frameSamples));
    this.#nextDueMs = this.#o.clock.now() + this.#hub.frameMs;
    this.#startedAtMs = this.#o.clock.now();
    this.#scheduleTick();
  }

  #watchChild(child: AudioChild, label: string): void {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-300);
    });
    child.on('error', (err) => this.#childDied(child, `${label} failed to run: ${err.message}`));
    child.on('exit', (code, signal) =>
      this.#childDied(
        child,
        `${label} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
      ),
    );
  }

  #childDied(child: AudioChild, reason: string): void {
    if (child !== this.#record && child !== this.#play) return; // one we already stopped
    this.#stopChildren();
    this.#fail(reason);
  }

  #fail(reason: string): void {
    const first = this.#failure === null;
    this.#failure = reason;
    this.#o.logger.warn({ device: this.name, reason, retryMs: this.#restartDelayMs }, 'audio device failed');
    if (first) this.#notify(reason);
    if (!this.#active) return;
    // A child that ran for a while before dying earns a fresh, short backoff.
    if (this.#o.clock.now() - this.#startedAtMs > 10_000)
      this.#restartDelayMs = this.#o.restartDelayMs ?? 1000;
    this.#restart?.cancel();
    this.#restart = this.#o.clock.setTimer(this.#restartDelayMs, () => {
      this.#restart = undefined;
      if (!this.#active) return;
      this.stats.restarts++;
      this.#startChildren();
    });
    this.#restartDelayMs = Math.min(this.#restartDelayMs * 2, this.#o.maxRestartDelayMs ?? 30000);
  }

  #stopChildren(): void {
    this.#tick?.cancel();
    this.#tick = undefined;
    const record = this.#record;
    const play = this.#play;
    this.#record = undefined;
    this.#play = undefined;
    for (const child of [record, play]) {
      if (!child) continue;
      try {
        child.stdin?.end();
        child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }

  #notify(failure: string | null): void {
    for (const h of [...this.#healthHandlers]) {
      try {
        h(failure);
      } catch {
        // A listener's bug must not stop the device.
      }
    }
  }

  #onCaptured(chunk: Buffer): void {
    // Audio flowing again is the proof of recovery (a started child may still fail to open the card).
    if (this.#failure !== null) {
      this.#o.logger.info({ device: this.name }, 'audio device recovered');
      this.#failure = null;
      this.#notify(null);
    }
    this.#captureBuf = this.#captureBuf.length ? Buffer.concat([this.#captureBuf, chunk]) : chunk;
    const frameBytes = this.#hub.format.frameSamples * 2;
    while (this.#captureBuf.length >= frameBytes) {
      const frame = new Int16Array(this.#hub.format.frameSamples);
      for (let i = 0; i < frame.length; i++) frame[i] = this.#captureBuf.readInt16LE(i * 2);
      this.#captureBuf = this.#captureBuf.subarray(frameBytes);
      this.#captured++;
      this.stats.capturedFrames++;
      this.#hub.deliver(applyGainDb(frame, this.#o.rxGainDb ?? 0));
    }
  }

  #scheduleTick(): void {
    this.#tick = this.#o.clock.setTimer(this.#nextDueMs - this.#o.clock.now(), () => {
      this.#nextDueMs += this.#hub.frameMs;
      // After a long stall (suspended process), skip ahead instead of bursting.
      if (this.#nextDueMs < this.#o.clock.now() - 5 * this.#hub.frameMs) {
        this.#nextDueMs = this.#o.clock.now() + this.#hub.frameMs;
      }
      this.#playTick();
      if (this.#tick) this.#scheduleTick();
    });
  }

  #playTick(): void {
    const frame = this.#hub.takeMixed() ?? new Int16Array(this.#hub.format.frameSamples);
    const target = this.#o.targetLatencyFrames ?? 2;
    const slack = this.#o.latencySlackFrames ?? 2;
    // Only once capture runs do we know the card's pace; before that the clock alone paces.
    const ahead = this.#captured > 0 ? this.#written - this.#captured : target;
    if (ahead > target + slack || this.#backpressure) {
      // Not writing this tick lets the card catch up by one frame.
      this.stats.droppedFrames++;
      return;
    }
    this.#writeToCard(applyGainDb(frame, this.#o.txGainDb ?? 0));
    if (ahead < target - slack) {
      this.stats.insertedFrames++;
      this.#writeToCard(new Int16Array(this.#hub.format.frameSamples));
    }
  }

  #writeToCard(frame: Int16Array): void {
    const stdin = this.#play?.stdin;
    if (!stdin || stdin.destroyed) return;
    const buf = Buffer.alloc(frame.length * 2);
    for (let i = 0; i < frame.length; i++) buf.writeInt16LE(frame[i] ?? 0, i * 2);
    this.#written++;
    this.stats.playedFrames++;
    if (!stdin.write(buf)) this.#backpressure = true;
  }
}
