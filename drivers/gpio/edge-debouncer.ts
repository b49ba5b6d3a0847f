import type { Clock, Timer } from '../base/clock.ts';
import type { GpioEdgeEvent, GpioValue } from './types.ts';

/**
 * Software debounce for backends without a kernel debounce (sysfs, fake,
 * polled character device): a change is reported only once the new value
 * has held for `debounceMs`, stamped with the time of its first edge so
 * pulse-dial timing is not skewed by the debounce delay.
 */
export class EdgeDebouncer {
  readonly #clock: Clock;
  readonly #debounceMs: number;
  readonly #emit: (event: GpioEdgeEvent) => void;
  #stable: GpioValue;
  #pending: { value: GpioValue; sinceMs: number; timer: Timer } | undefined;

  constructor(clock: Clock, debounceMs: number, initial: GpioValue, emit: (event: GpioEdgeEvent) => void) {
    this.#clock = clock;
    this.#debounceMs = debounceMs;
    this.#stable = initial;
    this.#emit = emit;
  }

  get value(): GpioValue {
    return this.#stable;
  }

  /** Feeds a raw sample or edge; `timeMs` defaults to now. */
  sample(value: GpioValue, timeMs = this.#clock.now()): void {
    if (this.#pending) {
      if (value === this.#pending.value) return;
      // Bounced back before it held: forget the change.
      this.#pending.timer.cancel();
      this.#pending = undefined;
    }
    if (value === this.#stable) return;
    if (this.#debounceMs <= 0) {
      this.#stable = value;
      this.#emit({ value, timeMs });
      return;
    }
    const sinceMs = timeMs;
    const waitMs = Math.max(0, sinceMs + this.#debounceMs - this.#clock.now());
    const timer = this.#clock.setTimer(waitMs, () => {
      this.#pending = undefined;
      this.#stable = value;
      this.#emit({ value, timeMs: sinceMs });
    });
    this.#pending = { value, sinceMs, timer };
  }

  dispose(): void {
    this.#pending?.timer.cancel();
    this.#pending = undefined;
  }
}
