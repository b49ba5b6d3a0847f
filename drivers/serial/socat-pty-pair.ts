import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { LinegateError } from '../base/errors.ts';
import { type Clock, SystemClock } from '../base/clock.ts';

/** True when Debian's socat is installed (tests skip otherwise). */
export function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * A pair of connected pseudo-terminals made by socat, reachable through two
 * stable symlinks. The simulated modem sits on `farLink`; the product opens
 * `nearLink` with serialport exactly as it would open /dev/ttyUSB2. Stopping
 * socat makes both ends vanish (links removed, reads fail) like a USB modem
 * being unplugged; `start()` again brings them back under the same names.
 */
export class SocatPtyPair {
  readonly nearLink: string;
  readonly farLink: string;
  readonly #clock: Clock;
  #child: ChildProcess | undefined;

  constructor(options: { nearLink: string; farLink: string; clock?: Clock }) {
    this.nearLink = options.nearLink;
    this.farLink = options.farLink;
    this.#clock = options.clock ?? new SystemClock();
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts socat and resolves once both PTYs exist. */
  async start(timeoutMs = 5000): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.nearLink}`, `pty,raw,echo=0,link=${this.farLink}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      const timer = this.#clock.setTimer(timeoutMs, () => {
        reject(new LinegateError('TIMEOUT', `socat did not start: ${stderr.trim()}`));
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // socat logs "starting data transfer loop" once both PTYs and their links exist.
        if (stderr.includes('starting data transfer loop')) {
          timer.cancel();
          resolve();
        }
      });
      child.once('error', (err) => {
        timer.cancel();
        this.#child = undefined;
        reject(new LinegateError('DEVICE_MISSING', `cannot run socat: ${err.message}`));
      });
      child.once('exit', (code) => {
        timer.cancel();
        if (this.#child === child) this.#child = undefined;
        reject(new LinegateError('DEVICE_FAILED', `socat exited (${code}): ${stderr.trim()}`));
      });
    });
  }

  /** Kills socat (the PTYs vanish); idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimer(2000, () => {
        child.kill('SIGKILL');
        resolve();
      });
      child.once('exit', () => {
        timer.cancel();
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
