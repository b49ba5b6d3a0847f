import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { silentLogger } from '../base/logger.ts';
import type { AudioChild } from '../audio/alsa-audio-device.ts';
import { loadBoard } from '../board/board-profile.ts';
import { FakeLineSignals } from './fake-line-signals.ts';
import { HardwareLines } from './hardware-lines.ts';

class IdleChild extends EventEmitter implements AudioChild {
  stdin = new PassThrough();
  stdout = new PassThrough();
  stderr = new PassThrough();
  kill(): boolean {
    return true;
  }
}

test('without node-libgpiod every port of a real board is failed with the install hint, and retries', async () => {
  const clock = new FakeClock();
  const lines = new HardwareLines({
    board: loadBoard('linegate-hat-v1'),
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
    spawnAudio: () => new IdleChild(),
  });
  await lines.start(new AbortController().signal);
  for (const port of [...lines.fxsPorts.values(), ...lines.fxoPorts.values()]) {
    assert.equal(port.state, 'failed');
    assert.match(port.failure ?? '', /node-libgpiod.*libgpiod-dev/s);
  }
  assert.ok(clock.pendingTimers >= 3, 'each port has a retry pending');
  await lines.stop();
  assert.equal(clock.pendingTimers, 0);
  assert.throws(
    () =>
      new HardwareLines({
        board: loadBoard('sim'),
        signals: new FakeLineSignals(),
        clock,
        logger: silentLogger(),
      }),
  );
});

test('on the legacy sysfs backend (Pi 4, base 512) the HAT ports come up and one missing line fails only its port', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'linegate-hat-'));
  try {
    const chipDir = path.join(root, 'gpiochip512');
    mkdirSync(chipDir);
    writeFileSync(path.join(chipDir, 'label'), 'pinctrl-bcm2711\n');
    writeFileSync(path.join(chipDir, 'base'), '512\n');
    writeFileSync(path.join(chipDir, 'ngpio'), '58\n');
    writeFileSync(path.join(root, 'export'), '');
    writeFileSync(path.join(root, 'unexport'), '');
    // The "kernel" exported every line but fxs2's SHK (BCM 5).
    for (const bcm of [17, 27, 22, 6, 13, 23, 24, 25, 16]) {
      mkdirSync(path.join(root, `gpio${512 + bcm}`));
      writeFileSync(path.join(root, `gpio${512 + bcm}`, 'value'), '0\n');
    }
    const clock = new FakeClock();
    const lines = new HardwareLines({
      board: loadBoard('linegate-hat-v1'),
      signals: new FakeLineSignals(),
      clock,
      logger: silentLogger(),
      gpioBackend: 'sysfs',
      sysfsRoot: root,
      spawnAudio: () => new IdleChild(),
    });
    await lines.start(new AbortController().signal);
    assert.equal(lines.fxsPorts.get('fxs1')?.state, 'idle');
    assert.equal(lines.fxoPorts.get('fxo1')?.state, 'idle');
    assert.equal(lines.fxsPorts.get('fxs2')?.state, 'failed');
    assert.match(lines.fxsPorts.get('fxs2')?.failure ?? '', /gpio517 \(line 5\)/);
    // fxs1 works: the handset lifted on BCM 17 (active high) is seen through sysfs polling.
    writeFileSync(path.join(root, 'gpio529', 'value'), '1\n');
    clock.advance(100);
    assert.equal(lines.fxsPorts.get('fxs1')?.hook, 'off');
    await lines.stop();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
