import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../drivers/base/logger.ts';

interface SdNotifyAddon {
  send(socketPath: string, message: string): number;
}

/** Where the compiled addon may be: next to the bundle (dist/native) or from a source checkout. */
function addonCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [
    process.env.LINEGATE_NATIVE_DIR ? join(process.env.LINEGATE_NATIVE_DIR, 'sd_notify.node') : '',
    join(here, 'native', 'sd_notify.node'),
    join(here, '..', '..', 'dist', 'native', 'sd_notify.node'),
    join(process.cwd(), 'dist', 'native', 'sd_notify.node'),
  ].filter(Boolean);
}

/**
 * systemd's notification protocol (READY, WATCHDOG, STOPPING, STATUS).
 * Without NOTIFY_SOCKET (not under systemd) every call is a no-op.
 */
export class SdNotifier {
  readonly socketPath: string | undefined;
  readonly #addon: SdNotifyAddon | undefined;
  readonly #logger: Logger;
  #readySent = false;

  constructor(logger: Logger, env: NodeJS.ProcessEnv = process.env) {
    this.#logger = logger.child({ ns: 'sd-notify' });
    this.socketPath = env.NOTIFY_SOCKET || undefined;
    if (!this.socketPath) return;
    const require = createRequire(import.meta.url);
    for (const candidate of addonCandidates()) {
      if (!existsSync(candidate)) continue;
      try {
        this.#addon = require(candidate) as SdNotifyAddon;
        break;
      } catch (err) {
        this.#logger.warn({ path: candidate, err: (err as Error).message }, 'cannot load sd_notify addon');
      }
    }
    if (!this.#addon) {
      this.#logger.error(
        'NOTIFY_SOCKET is set but the sd_notify addon is missing (npm run build makes it): systemd will not see READY',
      );
    }
  }

  get enabled(): boolean {
    return this.#addon !== undefined && this.socketPath !== undefined;
  }

  /** Half of WATCHDOG_USEC in ms, when systemd asks for watchdog pings for this process. */
  static watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
    const usec = Number(env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return undefined;
    const pid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : process.pid;
    if (pid !== process.pid) return undefined;
    return Math.max(100, Math.floor(usec / 1000 / 2));
  }

  /** True once READY=1 went out: watchdog pings only follow it. */
  get readySent(): boolean {
    return this.#readySent;
  }

  ready(status?: string): void {
    this.#readySent = true;
    this.send(`READY=1\nMAINPID=${process.pid}${status ? `\nSTATUS=${status}` : ''}`);
  }

  watchdog(): void {
    this.send('WATCHDOG=1');
  }

  stopping(): void {
    this.send('STOPPING=1');
  }

  status(text: string): void {
    this.send(`STATUS=${text.replace(/\n/g, ' ')}`);
  }

  send(message: string): boolean {
    if (!this.#addon || !this.socketPath) return false;
    const rc = this.#addon.send(this.socketPath, message);
    if (rc !== 0) this.#logger.warn({ errno: -rc }, 'sd_notify send failed');
    return rc === 0;
  }
}
