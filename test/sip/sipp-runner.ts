import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIPP = '/usr/bin/sipp';
export const SCENARIOS = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/sip/sipp');

export function sippAvailable(): boolean {
  return existsSync(SIPP);
}

/** A port free on 127.0.0.1 for both UDP and TCP at the time of asking. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}

export interface SippResult {
  code: number | null;
  stdout: string;
  successful: number;
  failed: number;
}

export interface SippRun {
  done: Promise<SippResult>;
  kill(): void;
}

/** Starts sipp on 127.0.0.1 (no tty, no stdin) in a scratch directory. */
export function runSipp(args: string[], timeoutS = 15): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const child = spawn(
    SIPP,
    ['-nostdin', '-trace_err', '-timeout', `${timeoutS}s`, '-timeout_error', ...args],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.length > 200_000) stdout = stdout.slice(-100_000);
  });
  child.stderr.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const done = new Promise<SippResult>((resolve) => {
    child.on('close', (code) => {
      // sipp's own account of failed calls, so a failure message says why.
      for (const f of readdirSync(dir).filter((name) => name.endsWith('_errors.log'))) {
        stdout += `\n--- ${f} ---\n${readFileSync(join(dir, f), 'latin1').slice(0, 3000)}`;
      }
      rmSync(dir, { recursive: true, force: true });
      const last = (label: string) => {
        const rows = [...stdout.matchAll(new RegExp(`${label}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g'))];
        const row = rows.at(-1);
        return row ? Number(row[2]) : 0;
      };
      resolve({ code, stdout, successful: last('Successful call'), failed: last('Failed call') });
    });
  });
  return {
    done,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
