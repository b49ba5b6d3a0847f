/**
 * Time, injected. Every timer in Linegate goes through a Clock so that timing
 * logic (SIP timers, pulse dialing, jitter buffers, retries) is tested with
 * fake time and never with sleeps.
 */
export interface Timer {
  /** Cancels the timer; safe to call more than once or after it fired. */
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional allowed). Use for durations and deadlines. */
  now(): number;
  /** Wall-clock time as Unix epoch milliseconds. Use for timestamps that leave the box. */
  wallClockMs(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): Timer;
  /** Runs `fn` every `intervalMs` until cancelled. */
  setInterval(intervalMs: number, fn: () => void): Timer;
}

/** The real clock: `performance.now()` and Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallClockMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }

  setInterval(intervalMs: number, fn: () => void): Timer {
    const handle = setInterval(fn, Math.max(1, intervalMs));
    return { cancel: () => clearInterval(handle) };
  }
}

interface FakeTimerEntry {
  id: number;
  dueMs: number;
  intervalMs: number | null;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in
 * creation order) during `advance()`; a timer scheduled by a firing timer
 * fires in the same `advance()` if it falls due within it.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  #wallOffsetMs: number;
  #nextId = 1;
  #timers: FakeTimerEntry[] = [];

  constructor(startMs = 0, wallStartMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
    this.#wallOffsetMs = wallStartMs - startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  wallClockMs(): number {
    return this.#nowMs + this.#wallOffsetMs;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    return this.#add(Math.max(0, delayMs), null, fn);
  }

  setInterval(intervalMs: number, fn: () => void): Timer {
    const every = Math.max(1, intervalMs);
    return this.#add(every, every, fn);
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due. */
  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      const next = this.#nextDue();
      if (!next || next.dueMs > targetMs) break;
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      if (next.intervalMs === null) {
        next.cancelled = true;
      } else {
        next.dueMs += next.intervalMs;
      }
      next.fn();
      this.#timers = this.#timers.filter((t) => !t.cancelled);
    }
    this.#nowMs = targetMs;
  }

  /** Advances to the next pending timer and fires it; returns false when none. */
  runNext(): boolean {
    const next = this.#nextDue();
    if (!next) return false;
    this.advance(next.dueMs - this.#nowMs);
    return true;
  }

  /** Advances in `stepMs` steps while awaiting microtasks between steps (for async code). */
  async advanceAsync(ms: number, stepMs = 1): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.advance(step);
      left -= step;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #add(delayMs: number, intervalMs: number | null, fn: () => void): Timer {
    const entry: FakeTimerEntry = {
      id: this.#nextId++,
      dueMs: this.#nowMs + delayMs,
      intervalMs,
      fn,
      cancelled: false,
    };
    this.#timers.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  #nextDue(): FakeTimerEntry | undefined {
    let best: FakeTimerEntry | undefined;
    for (const t of this.#timers) {
      if (t.cancelled) continue;
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    }
    return best;
  }
}
