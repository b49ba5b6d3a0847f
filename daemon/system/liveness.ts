import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay, sampled continuously. The watchdog is only fed while
 * the loop answers promptly, so a wedged daemon gets restarted by systemd.
 */
export class EventLoopMonitor {
  readonly #histogram: IntervalHistogram;
  #lastMaxMs = 0;
  #lastP99Ms = 0;

  constructor(resolutionMs = 20) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    this.#histogram.enable();
  }

  stop(): void {
    this.#histogram.disable();
  }

  /** Closes the current window and returns its max and p99 delay in ms. */
  sample(): { maxMs: number; p99Ms: number } {
    this.#lastMaxMs = this.#histogram.max / 1e6;
    this.#lastP99Ms = this.#histogram.percentile(99) / 1e6;
    this.#histogram.reset();
    return { maxMs: this.#lastMaxMs, p99Ms: this.#lastP99Ms };
  }

  get lastMaxMs(): number {
    return this.#lastMaxMs;
  }

  get lastP99Ms(): number {
    return this.#lastP99Ms;
  }
}
