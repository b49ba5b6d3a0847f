import type { Logger } from '../../drivers/base/logger.ts';
import { errorMessage } from '../../drivers/base/errors.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';

/**
 * Starts services in the order they were added, each with the shared
 * AbortSignal, and stops them in reverse. A service that fails to start
 * stops the ones already started and fails the whole start, so the daemon
 * never runs half-configured.
 */
export class Lifecycle {
  readonly #services: Service[] = [];
  readonly #started: Service[] = [];
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #stopping: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger.child({ ns: 'lifecycle' });
  }

  add(service: Service): this {
    this.#services.push(service);
    return this;
  }

  get services(): readonly Service[] {
    return this.#services;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  async start(): Promise<void> {
    for (const service of this.#services) {
      if (this.#abort.signal.aborted) throw new Error('start aborted');
      const t0 = performance.now();
      try {
        await service.start(this.#abort.signal);
      } catch (err) {
        this.#logger.error({ service: service.name, err: errorMessage(err) }, 'service failed to start');
        await this.stop();
        throw err;
      }
      this.#started.push(service);
      this.#logger.debug(
        { service: service.name, ms: Math.round(performance.now() - t0) },
        'service started',
      );
    }
  }

  /** Stops every started service in reverse order; idempotent. Each service gets `perServiceTimeoutMs`. */
  stop(perServiceTimeoutMs = 3000): Promise<void> {
    this.#stopping ??= (async () => {
      this.#abort.abort();
      for (const service of [...this.#started].reverse()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            service.stop(),
            new Promise<void>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`did not stop within ${perServiceTimeoutMs} ms`)),
                perServiceTimeoutMs,
              );
            }),
          ]);
        } catch (err) {
          this.#logger.warn({ service: service.name, err: errorMessage(err) }, 'service stop failed');
        } finally {
          clearTimeout(timer);
        }
      }
      this.#started.length = 0;
    })();
    return this.#stopping;
  }

  /** Health of every service, for /health. */
  health(): { status: 'ok' | 'degraded'; checks: Record<string, ServiceHealth> } {
    const checks: Record<string, ServiceHealth> = {};
    let status: 'ok' | 'degraded' = 'ok';
    for (const s of this.#services) {
      let h: ServiceHealth;
      try {
        h = s.health?.() ?? {
          status: this.#started.includes(s) ? 'ok' : 'failed',
          detail: this.#started.includes(s) ? undefined : 'not running',
        };
      } catch (err) {
        h = { status: 'failed', detail: errorMessage(err) };
      }
      checks[s.name] = h;
      if (h.status !== 'ok') status = 'degraded';
    }
    return { status, checks };
  }
}
