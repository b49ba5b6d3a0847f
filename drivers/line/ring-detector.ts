/**
 * Ring detection from a DAA's opto-coupler output. The opto conducts on
 * each half-wave of the ring voltage, so a ring shows as a burst of pulses
 * at 2x the ring frequency (or a steady level behind an RC filter). Pulses
 * closer than `burstGapMs` belong to one burst; a burst shorter than
 * `minBurstMs` is noise (line hits, dialling on a shared line). Bursts closer
 * than `cycleGapMs` are one ring cycle (UK/AU double rings), so `ring` is
 * emitted once per cycle; no burst for `ringTimeoutMs` means the caller gave
 * up. The measured on/off durations of the last cycle are kept as the
 * learned cadence.
 */
import type { Clock, Timer } from '../base/clock.ts';

export interface RingDetectorTiming {
  burstGapMs: number;
  minBurstMs: number;
  cycleGapMs: number;
  ringTimeoutMs: number;
}

export const DEFAULT_RING_DETECTOR_TIMING: RingDetectorTiming = {
  burstGapMs: 80,
  minBurstMs: 150,
  cycleGapMs: 1000,
  ringTimeoutMs: 8000,
};

export interface RingDetectorEvents {
  /** A new ring cycle started (first burst confirmed). */
  ring(): void;
  /** Ring voltage present / absent (confirmed bursts only), for muting caller-ID capture. */
  burst(active: boolean): void;
  /** No ring for ringTimeoutMs. */
  stopped(): void;
}

export class RingDetector {
  readonly timing: RingDetectorTiming;
  readonly #clock: Clock;
  readonly #events: RingDetectorEvents;
  #level: 0 | 1 = 0;
  #burstStartMs: number | undefined;
  #lastActiveMs = 0;
  #confirmed = false;
  #confirmTimer: Timer | undefined;
  #endTimer: Timer | undefined;
  #timeoutTimer: Timer | undefined;
  #lastBurstEndMs: number | undefined;
  #inSession = false;
  #cycle: number[] = [];
  #learned: number[] = [];

  constructor(clock: Clock, events: RingDetectorEvents, timing: Partial<RingDetectorTiming> = {}) {
    this.#clock = clock;
    this.#events = events;
    this.timing = { ...DEFAULT_RING_DETECTOR_TIMING, ...timing };
  }

  get ringing(): boolean {
    return this.#inSession;
  }

  /** On/off durations (ms) of the last complete ring cycle, e.g. [400, 200, 400, 2000]. */
  get learnedCadenceMs(): number[] {
    return [...this.#learned];
  }

  /** An edge of the (logical) ring-detect input. */
  edge(level: 0 | 1, timeMs: number): void {
    if (level === this.#level) return;
    this.#level = level;
    if (level === 1) {
      this.#endTimer?.cancel();
      this.#endTimer = undefined;
      if (this.#burstStartMs === undefined) this.#startBurst(timeMs);
      else if (
        !this.#confirmed &&
        !this.#confirmTimer &&
        timeMs - this.#burstStartMs >= this.timing.minBurstMs
      ) {
        this.#confirm(timeMs);
      }
    } else {
      this.#lastActiveMs = timeMs;
      this.#endTimer = this.#at(timeMs + this.timing.burstGapMs, () => this.#endBurst());
    }
  }

  /** Forgets the ring session (the port answered). */
  reset(): void {
    for (const t of [this.#confirmTimer, this.#endTimer, this.#timeoutTimer]) t?.cancel();
    this.#confirmTimer = this.#endTimer = this.#timeoutTimer = undefined;
    if (this.#confirmed) this.#events.burst(false);
    this.#burstStartMs = undefined;
    this.#confirmed = false;
    this.#inSession = false;
    this.#lastBurstEndMs = undefined;
    this.#cycle = [];
  }

  #startBurst(timeMs: number): void {
    this.#burstStartMs = timeMs;
    this.#confirmTimer = this.#at(timeMs + this.timing.minBurstMs, () => {
      this.#confirmTimer = undefined;
      // Pulsed opto: wait for a pulse that proves the burst is still going (see edge()).
      if (this.#level === 1) this.#confirm(timeMs);
    });
  }

  #confirm(timeMs: number): void {
    {
      this.#confirmed = true;
      this.#timeoutTimer?.cancel();
      const start = this.#burstStartMs ?? timeMs;
      const newCycle =
        !this.#inSession ||
        this.#lastBurstEndMs === undefined ||
        start - this.#lastBurstEndMs >= this.timing.cycleGapMs;
      if (this.#lastBurstEndMs !== undefined) {
        if (newCycle && this.#cycle.length > 0) {
          this.#cycle.push(start - this.#lastBurstEndMs);
          this.#learned = this.#cycle;
          this.#cycle = [];
        } else if (!newCycle) {
          this.#cycle.push(start - this.#lastBurstEndMs);
        }
      }
      this.#inSession = true;
      this.#events.burst(true);
      if (newCycle) this.#events.ring();
    }
  }

  #endBurst(): void {
    this.#endTimer = undefined;
    const start = this.#burstStartMs;
    this.#burstStartMs = undefined;
    if (!this.#confirmed) {
      // Too short to be a ring: noise.
      this.#confirmTimer?.cancel();
      this.#confirmTimer = undefined;
      return;
    }
    this.#confirmed = false;
    this.#lastBurstEndMs = this.#lastActiveMs;
    if (start !== undefined) this.#cycle.push(this.#lastActiveMs - start);
    this.#events.burst(false);
    this.#timeoutTimer = this.#at(this.#lastActiveMs + this.timing.ringTimeoutMs, () => {
      this.#timeoutTimer = undefined;
      this.#inSession = false;
      this.#lastBurstEndMs = undefined;
      this.#cycle = [];
      this.#events.stopped();
    });
  }

  #at(dueMs: number, fn: () => void): Timer {
    return this.#clock.setTimer(Math.max(0, dueMs - this.#clock.now()), fn);
  }
}
