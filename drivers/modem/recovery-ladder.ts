import type { Clock } from '../base/clock.ts';
import { errorMessage, LinegateError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';

export interface RecoveryStep {
  /** `reinit`, `cfun-reset`, `reopen`, `hard-reset`... */
  name: string;
  /** False when the step cannot help now (e.g. re-init while the port is gone). */
  applicable(): boolean;
  run(signal: AbortSignal): Promise<void>;
}

export interface RecoveryOutcome {
  /** The step that brought the modem back. */
  step: string;
  /** Steps tried, failed ones included. */
  attempts: number;
  /** How long recovery took on the injected clock. */
  durationMs: number;
}

/** Sleeps on the injected clock; rejects when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new LinegateError('UNAVAILABLE', 'aborted'));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(new LinegateError('UNAVAILABLE', 'aborted'));
    };
    const timer = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Escalating recovery: try each step in order (cheapest first); when every
 * step failed, wait with exponential back-off and climb again. Runs until a
 * step succeeds or `signal` aborts.
 */
export class RecoveryLadder {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #steps: RecoveryStep[];
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;

  constructor(options: {
    clock: Clock;
    logger: Logger;
    steps: RecoveryStep[];
    baseBackoffMs?: number;
    maxBackoffMs?: number;
  }) {
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#steps = options.steps;
    this.#baseBackoffMs = options.baseBackoffMs ?? 5_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 300_000;
  }

  async run(signal: AbortSignal, startAt = 0): Promise<RecoveryOutcome> {
    const startedMs = this.#clock.now();
    let attempts = 0;
    for (let round = 0; ; round++) {
      for (let i = round === 0 ? startAt : 0; i < this.#steps.length; i++) {
        const step = this.#steps[i]!;
        signal.throwIfAborted();
        if (!step.applicable()) continue;
        attempts++;
        try {
          this.#log.info({ step: step.name, round }, 'modem recovery step');
          await step.run(signal);
          return { step: step.name, attempts, durationMs: this.#clock.now() - startedMs };
        } catch (err) {
          if (signal.aborted) throw err;
          this.#log.warn({ step: step.name, err: errorMessage(err) }, 'modem recovery step failed');
        }
      }
      const backoffMs = Math.min(this.#baseBackoffMs * 2 ** round, this.#maxBackoffMs);
      this.#log.warn({ backoffMs }, 'every recovery step failed; waiting before climbing again');
      await sleep(this.#clock, backoffMs, signal);
    }
  }
}
