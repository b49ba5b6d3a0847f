/**
 * Drift-free frame pacing: tick k is due at start + k·ptime, and each timer
 * is armed for the time left to that deadline, so timer lateness never
 * accumulates (a naive setInterval drifts by its lateness every tick). One
 * pacer drives every call's send path, like a media thread.
 *
 * With the real clock, `earlyWakeMs` arms the timer that much early and
 * polls with setImmediate for the last stretch: Node timers fire late by
 * ~1 ms, which alone would eat the 2 ms p99 budget under load.
 *
 * After a stall longer than `maxCatchUpFrames` frames, the schedule is
 * re-anchored instead of bursting out every missed frame.
 */
import type { Clock, Timer } from '../../../drivers/base/clock.ts';

export interface FramePacerOptions {
  ptimeMs?: number;
  /** Arm timers this much early and poll for the rest (real clock only; 0 with FakeClock). */
  earlyWakeMs?: number;
  maxCatchUpFrames?: number;
}

export interface PacerStats {
  ticks: number;
  /** |actual interval − ptime| percentiles, ms. */
  p50ErrorMs: number;
  p99ErrorMs: number;
  maxErrorMs: number;
  /** Times the schedule was re-anchored after a stall. */
  resyncs: number;
}

export type PacerListener = (tick: number, dueMs: number, nowMs: number) => void;

const BIN_MS = 0.01;
const BINS = 5000; // up to 50 ms of error, 10 µs resolution

export class FramePacer {
  readonly #clock: Clock;
  readonly ptimeMs: number;
  readonly #earlyWakeMs: number;
  readonly #maxCatchUp: number;
  readonly #listeners = new Set<PacerListener>();
  readonly #histogram = new Uint32Array(BINS + 1);
  #timer: Timer | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #startMs = 0;
  #tick = 0;
  #lastFireMs: number | null = null;
  #ticks = 0;
  #maxErrorMs = 0;
  #resyncs = 0;
  #running = false;

  constructor(clock: Clock, options: FramePacerOptions = {}) {
    const ptime = options.ptimeMs ?? 20;
    if (ptime < 10 || ptime > 40) throw new RangeError(`ptime ${ptime} ms is outside 10–40 ms`);
    this.#clock = clock;
    this.ptimeMs = ptime;
    this.#earlyWakeMs = options.earlyWakeMs ?? 0;
    this.#maxCatchUp = options.maxCatchUpFrames ?? 5;
  }

  /** Adds a per-tick callback; returns its remover. A throwing listener does not stop the others. */
  add(listener: PacerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startMs = this.#clock.now();
    this.#tick = 0;
    this.#lastFireMs = null;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = null;
  }

  stats(): PacerStats {
    return {
      ticks: this.#ticks,
      p50ErrorMs: this.#percentile(0.5),
      p99ErrorMs: this.#percentile(0.99),
      maxErrorMs: Math.round(this.#maxErrorMs * 1000) / 1000,
      resyncs: this.#resyncs,
    };
  }

  resetStats(): void {
    this.#histogram.fill(0);
    this.#ticks = 0;
    this.#maxErrorMs = 0;
    this.#lastFireMs = null;
  }

  #due(): number {
    return this.#startMs + (this.#tick + 1) * this.ptimeMs;
  }

  #arm(): void {
    if (!this.#running) return;
    const wait = this.#due() - this.#clock.now() - this.#earlyWakeMs;
    this.#timer = this.#clock.setTimer(Math.max(0, wait), () => {
      this.#timer = null;
      if (this.#earlyWakeMs > 0) this.#poll();
      else this.#fire();
    });
  }

  #poll(): void {
    if (!this.#running) return;
    if (this.#clock.now() >= this.#due()) {
      this.#immediate = null;
      this.#fire();
      return;
    }
    this.#immediate = setImmediate(() => this.#poll());
  }

  #fire(): void {
    if (!this.#running) return;
    let now = this.#clock.now();
    if (now - this.#due() > this.#maxCatchUp * this.ptimeMs) {
      // Stalled for too long: start a new schedule here rather than burst.
      this.#resyncs++;
      this.#startMs = now - this.ptimeMs;
      this.#tick = 0;
      this.#lastFireMs = null;
    }
    while (this.#running && now >= this.#due()) {
      const due = this.#due();
      this.#tick++;
      this.#record(now);
      for (const listener of this.#listeners) {
        try {
          listener(this.#tick, due, now);
        } catch {
          // A broken call must not stop the others' media.
        }
      }
      now = this.#clock.now();
    }
    this.#arm();
  }

  #record(now: number): void {
    if (this.#lastFireMs !== null) {
      const error = Math.abs(now - this.#lastFireMs - this.ptimeMs);
      this.#histogram[Math.min(BINS, Math.floor(error / BIN_MS))]!++;
      this.#ticks++;
      if (error > this.#maxErrorMs) this.#maxErrorMs = error;
    }
    this.#lastFireMs = now;
  }

  #percentile(q: number): number {
    const total = this.#ticks;
    if (total === 0) return 0;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let i = 0; i <= BINS; i++) {
      seen += this.#histogram[i]!;
      if (seen >= rank) return Math.round((i + 1) * BIN_MS * 1000) / 1000;
    }
    return BINS * BIN_MS;
  }
}
