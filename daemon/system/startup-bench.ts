import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bench } from '../cli/bench-command.ts';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function procField(pid: number, file: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/**
 * Issue #2's figures: start to READY with the sim board, idle RSS, and the
 * bytes the daemon writes to storage while idle.
 */
export const startupBench: Bench = {
  name: 'startup',
  summary: 'start to READY, idle RSS, idle writes',
  async run(args) {
    const idleS = Number(args[args.indexOf('--idle-seconds') + 1]) || 60;
    const entry = process.argv[1] ?? 'dist/linegate.js';
    const dataDir = mkdtempSync(join(tmpdir(), 'linegate-bench-'));
    const httpPort = await freePort();
    const sipPort = await freePort();
    const t0 = performance.now();
    const child = spawn(process.execPath, [entry, 'run', '--sim'], {
      env: {
        ...process.env,
        LINEGATE_DATA_DIR: dataDir,
        LINEGATE_HTTP_PORT: String(httpPort),
        LINEGATE_SIP_PORT: String(sipPort),
        LINEGATE_HTTPS_PORT: String(await freePort()),
        LINEGATE_LOG_LEVEL: 'info',
        LINEGATE_LOG_JSON: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', () => {});
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let healthMs = -1;
      for (let i = 0; i < 500 && healthMs < 0; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${httpPort}/health`);
          if (res.status === 200) healthMs = performance.now() - t0;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      if (healthMs < 0) throw new Error(`daemon did not answer /health; output:\n${out.slice(-2000)}`);
      const readyLine = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      const readyMs = readyLine ? (JSON.parse(readyLine) as { readyMs: number }).readyMs : -1;
      const pid = child.pid as number;
      const writes0 = procField(pid, 'io', 'write_bytes');
      await new Promise((r) => setTimeout(r, idleS * 1000));
      const writes1 = procField(pid, 'io', 'write_bytes');
      const rssKb = procField(pid, 'status', 'VmRSS');
      const tStop = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return {
        readyMs,
        startToHealthMs: Math.round(healthMs),
        idleRssMb: Math.round(rssKb / 102.4) / 10,
        idleSeconds: idleS,
        idleWriteBytesPerMinute: writes0 >= 0 ? Math.round(((writes1 - writes0) * 60) / idleS) : null,
        stopMs: Math.round(performance.now() - tStop),
        exitCode: code,
      };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
