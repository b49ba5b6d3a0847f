import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, ensureBuilt, startDaemon } from '../harness/daemon.ts';

const hasSocat = spawnSync('which', ['socat']).status === 0;

describe('daemon lifecycle (real process)', () => {
  it('serves /health, tells systemd READY=1 then WATCHDOG=1, and exits 0 on SIGTERM within 5 s', {
    skip: !hasSocat && 'socat not installed',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-notify-'));
    const socketPath = join(dir, 'notify.sock');
    // A stand-in for systemd: socat receives the datagrams on an AF_UNIX socket.
    const listener = spawn('socat', ['-u', `UNIX-RECV:${socketPath}`, 'STDOUT'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let received = '';
    listener.stdout.on('data', (d: Buffer) => {
      received += d.toString();
    });
    try {
      for (let i = 0; i < 100 && !existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      const daemon = await startDaemon({ env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '400000' } });
      let stopped = false;
      try {
        const healthyMs = Date.now() - t0;
        const health = (await (await fetch(`${daemon.url}/health`)).json()) as {
          status: string;
          checks: object;
        };
        assert.equal(health.status, 'ok', JSON.stringify(health.checks));
        const deadline = Date.now() + 5000;
        while (!/WATCHDOG=1[\s\S]*WATCHDOG=1/.test(received) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        assert.match(received, /READY=1/);
        assert.ok(
          received.indexOf('READY=1') < received.indexOf('WATCHDOG=1'),
          `READY before WATCHDOG: ${JSON.stringify(received)}`,
        );
        assert.match(received, /WATCHDOG=1[\s\S]*WATCHDOG=1/, 'periodic watchdog pings');
        const tStop = Date.now();
        const code = await daemon.stop();
        stopped = true;
        const stopMs = Date.now() - tStop;
        assert.equal(code, 0);
        assert.ok(stopMs < 5000, `stopped in ${stopMs} ms`);
        assert.match(received, /STOPPING=1/);
        assert.ok(healthyMs < 10_000, `healthy after ${healthyMs} ms`);
      } finally {
        if (!stopped) await daemon.stop();
      }
    } finally {
      listener.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('config check names each bad field with its line and exits 1; run refuses to start on it', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'linegate-cfg-'));
    try {
      const file = join(dir, 'broken.yaml');
      writeFileSync(
        file,
        'version: 1\nhttp:\n  port: 70000\nsip:\n  udpPort: abc\nmystery: true\nrtp:\n  portMin: 30000\n  portMax: 20000\n',
      );
      const check = spawnSync(process.execPath, [CLI, 'config', 'check', file], { encoding: 'utf8' });
      assert.equal(check.status, 1);
      assert.match(check.stderr, /broken\.yaml:3:\d+: http\.port/);
      assert.match(check.stderr, /broken\.yaml:5:\d+: sip\.udpPort/);
      assert.match(check.stderr, /broken\.yaml:6:\d+: mystery: unknown field/);
      const run = spawnSync(process.execPath, [CLI, 'run', '--config', file], {
        encoding: 'utf8',
        env: { ...process.env, LINEGATE_DATA_DIR: join(dir, 'data') },
        timeout: 10_000,
      });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /http\.port/);
      const syntax = join(dir, 'syntax.yaml');
      writeFileSync(syntax, 'http:\n  port: [8080\n');
      const bad = spawnSync(process.execPath, [CLI, 'config', 'check', syntax], { encoding: 'utf8' });
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /syntax\.yaml:\d+:\d+: \(file\): YAML syntax/);
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'version: 1\ncountry: de\n');
      assert.equal(spawnSync(process.execPath, [CLI, 'config', 'check', good]).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the data directory when it cannot be used', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'linegate-dd-'));
    try {
      const notADir = join(dir, 'file');
      writeFileSync(notADir, 'x');
      const run = spawnSync(process.execPath, [CLI, 'run', '--sim'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          LINEGATE_DATA_DIR: join(notADir, 'sub'),
          LINEGATE_HTTP_PORT: '0',
          LINEGATE_SIP_PORT: '0',
        },
        timeout: 10_000,
      });
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        new RegExp(`data directory ${notADir.replace(/[/.]/g, '\\$&')}/sub is not usable`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
