/**
 * Starts a real Debian mosquitto on 127.0.0.1 with a free port and a temp
 * config, for the fleet tests and the fleet simulation. `available()` says
 * whether the binary exists (tests skip when it does not).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export function mosquittoAvailable(): boolean {
  const r = spawnSync(MOSQUITTO_BIN, ['-h'], { stdio: 'ignore' });
  return r.error === undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface MosquittoOptions {
  /** Keep retained messages and sessions across restarts (mosquitto.db in the temp dir). */
  persistence?: boolean;
  maxQueuedMessages?: number;
}

export class Mosquitto {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  #child: ChildProcess | undefined;
  #stderr = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'linegate-mosquitto-'));
    const lines = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      `max_queued_messages ${options.maxQueuedMessages ?? 10000}`,
      'max_inflight_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
    ];
    // As root, mosquitto would switch to the `mosquitto` user and lose access to the temp dir.
    if (process.getuid?.() === 0) lines.push(`user ${userInfo().username}`);
    writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    const broker = new Mosquitto(port, dir);
    await broker.resume();
    return broker;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Starts (again) on the same port. */
  async resume(): Promise<void> {
    const child = spawn(MOSQUITTO_BIN, ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    this.#child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.#stderr}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}: ${this.#stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the broker (SIGTERM: it saves its database when persistent) and waits for its exit. */
  async halt(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.resume();
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
