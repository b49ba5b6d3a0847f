import type { Clock, Timer } from '../../drivers/base/clock.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';
import type { EventLoopMonitor } from './liveness.ts';
import type { SdNotifier } from './sd-notify.ts';

export interface WatchdogOptions {
  clock: Clock;
  logger: Logger;
  notifier: SdNotifier;
  loop: EventLoopMonitor;
  /** Half of WATCHDOG_USEC; undefined when systemd does not watch us (we still sample liveness for /health). */
  intervalMs: number | undefined;
  /** The store accepts a write transaction. */
  storeWritable: () => boolean;
  /** Event-loop delay above this is a failed liveness check. */
  maxLoopDelayMs?: number;
}

/**
 * Feeds systemd's watchdog only while the daemon is really alive: the event
 * loop answered within the threshold and the store is writable. A failed
 * check skips the ping; systemd restarts us if it keeps failing.
 */
export class WatchdogService implements Service {
  readonly name = 'watchdog';
  readonly #o: WatchdogOptions;
  #timer: Timer | undefined;
  #lastOk = true;
  #lastReason = '';

  constructor(options: WatchdogOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#o.loop.start();
    const every = this.#o.intervalMs ?? 10_000;
    this.#timer = this.#o.clock.setInterval(every, () => this.tick());
  }

  /** One liveness check; pings systemd when alive. Exposed for tests. */
  tick(): boolean {
    const { maxMs } = this.#o.loop.sample();
    const limit = this.#o.maxLoopDelayMs ?? Math.max(500, (this.#o.intervalMs ?? 10_000) / 2);
    let reason = '';
    if (maxMs > limit) reason = `event loop blocked for ${Math.round(maxMs)} ms`;
    else if (!this.#o.storeWritable()) reason = 'database not writable';
    const ok = reason === '';
    if (ok && this.#o.intervalMs !== undefined && this.#o.notifier.readySent) this.#o.notifier.watchdog();
    if (ok !== this.#lastOk) {
      if (ok) this.#o.logger.info('liveness restored');
      else this.#o.logger.error({ reason }, 'liveness check failed; not feeding the watchdog');
    }
    this.#lastOk = ok;
    this.#lastReason = reason;
    return ok;
  }

  health(): ServiceHealth {
    return this.#lastOk
      ? { status: 'ok', loopDelayMaxMs: Math.round(this.#o.loop.lastMaxMs) }
      : { status: 'degraded', detail: this.#lastReason };
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#o.loop.stop();
  }
}
