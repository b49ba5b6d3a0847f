import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../harness/daemon.ts';

const hasAnalyze = spawnSync('which', ['systemd-analyze']).status === 0;
const UNIT = join(REPO_ROOT, 'systemd', 'linegate.service');

describe('systemd unit', { skip: !hasAnalyze && 'systemd-analyze not installed' }, () => {
  // The unit names /usr/bin/linegate, which exists only once the package is installed:
  // verify a copy that points at this machine's node instead.
  const dir = mkdtempSync(join(tmpdir(), 'linegate-unit-'));
  const copy = join(dir, 'linegate.service');
  writeFileSync(copy, readFileSync(UNIT, 'utf8').replace('/usr/bin/linegate', process.execPath));

  it('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  });

  it('has a sandbox exposure score of 2.5 or lower', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
    const m = /Overall exposure level for .*: (\d+\.\d+)/.exec(r.stdout + r.stderr);
    assert.ok(m, r.stdout + r.stderr);
    const score = Number(m[1]);
    assert.ok(score <= 2.5, `exposure ${score}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is Type=notify with a watchdog and keeps MemoryDenyWriteExecute off for V8', () => {
    const text = readFileSync(UNIT, 'utf8');
    assert.match(text, /^Type=notify$/m);
    assert.match(text, /^WatchdogSec=\d+/m);
    assert.match(text, /^MemoryDenyWriteExecute=no$/m);
    assert.match(text, /^DevicePolicy=closed$/m);
  });
});
