import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeTcpUdpPort } from './free-port.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'linegate.js');
export const ADMIN_PASSWORD = 'Test-harness-pw-1';

/** Builds dist/ once when a test file runs on its own (scripts/test builds before the tests). */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
    env: { ...process.env, LINEGATE_SKIP_WEB_UI: '1' },
    stdio: 'inherit',
  });
}

export interface RunningDaemon {
  child: ChildProcess;
  url: string;
  httpPort: number;
  httpsPort: number;
  sipPort: number;
  dataDir: string;
  /** Everything the daemon printed on stdout (JSON log lines). */
  output(): string;
  /** A bearer token for the admin (logs in once). */
  token(): Promise<string>;
  /** fetch() against the daemon with the admin's bearer token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM and wait; returns the exit code. Removes the data dir unless keepData. */
  stop(options?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  dataDir?: string;
  /** Wait for /health before resolving (default true). */
  waitHealthy?: boolean;
}

/**
 * Boots the real daemon (dist/linegate.js run --sim) on free loopback ports
 * in a fresh data directory: the integration harness every cross-room test uses.
 */
export async function startDaemon(options: StartOptions = {}): Promise<RunningDaemon> {
  ensureBuilt();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'linegate-test-'));
  const httpPort = await freeTcpPort();
  const sipPort = await freeTcpUdpPort();
  const httpsPort = await freeTcpPort();
  const rtpBase = 20000 + Math.floor(Math.random() * 20000) * 2;
  const child = spawn(process.execPath, [CLI, 'run', '--sim', ...(options.args ?? [])], {
    cwd: dataDir,
    env: {
      ...process.env,
      LINEGATE_DATA_DIR: dataDir,
      LINEGATE_HTTP_PORT: String(httpPort),
      LINEGATE_SIP_PORT: String(sipPort),
      LINEGATE_HTTPS_PORT: String(httpsPort),
      LINEGATE_RTP_PORTS: `${rtpBase}-${rtpBase + 200}`,
      LINEGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LINEGATE_LOG_JSON: '1',
      LINEGATE_LOG_LEVEL: 'debug',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${httpPort}`;
  let bearer: string | undefined;

  const daemon: RunningDaemon = {
    child,
    url,
    httpPort,
    httpsPort,
    sipPort,
    dataDir,
    output: () => out,
    async token() {
      if (bearer) return bearer;
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
      const session = (await login.json()) as { token: string; csrfToken: string };
      const created = await fetch(`${url}/api/v1/auth/tokens`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `linegate_session=${session.token}`,
          'x-csrf-token': session.csrfToken,
        },
        body: JSON.stringify({ name: 'test-harness' }),
      });
      bearer = ((await created.json()) as { token: string }).token;
      return bearer;
    },
    async api(path, init = {}) {
      const token = await daemon.token();
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      if (init.body && typeof init.body === 'string' && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(`${url}${path}`, { ...init, headers });
    },
    waitForLog(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of out.split('\n')) {
            if (!line.startsWith('{')) continue;
            try {
              const obj = JSON.parse(line) as Record<string, unknown>;
              if (predicate(obj)) {
                waiters.delete(check);
                clearTimeout(timer);
                resolve(obj);
                return;
              }
            } catch {
              // partial line
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`log line not seen within ${timeoutMs} ms; stderr:\n${err.slice(-1500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(stopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(stopOptions.signal ?? 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
      const code = await exited;
      clearTimeout(killer);
      if (!stopOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };

  if (options.waitHealthy !== false) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`daemon exited with ${child.exitCode}:\n${err}\n${out.slice(-2000)}`);
      try {
        const res = await fetch(`${url}/health`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await daemon.stop();
        throw new Error(`daemon not healthy within 15 s:\n${err}\n${out.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return daemon;
}
