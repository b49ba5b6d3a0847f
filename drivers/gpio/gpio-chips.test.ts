import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError } from '../base/errors.ts';
import { FakeGpioChip } from './fake-gpio-chip.ts';
import { LIBGPIOD_MISSING_MESSAGE, LibgpiodChip, type LibgpiodLine } from './libgpiod-chip.ts';
import { SysfsGpioChip } from './sysfs-gpio-chip.ts';
import type { GpioEdgeEvent } from './types.ts';

test('fake chip: debounce drops bounces shorter than debounceMs and stamps the first edge', async () => {
  const clock = new FakeClock();
  const chip = new FakeGpioChip(clock);
  await chip.open();
  const input = chip.requestInput({ line: 3, debounceMs: 10 });
  const edges: GpioEdgeEvent[] = [];
  input.onEdge((e) => edges.push(e));
  // Contact bounce: 1-0-1-0-1 within 6 ms, then held high.
  chip.scheduleLevels(3, [
    [100, 1],
    [102, 0],
    [103, 1],
    [105, 0],
    [106, 1],
    // A 4 ms glitch low while held high: ignored.
    [300, 0],
    [304, 1],
    [500, 0],
  ]);
  clock.advance(1000);
  assert.deepEqual(edges, [
    { value: 1, timeMs: 106 },
    { value: 0, timeMs: 500 },
  ]);
  assert.equal(input.read(), 0);
});

test('fake chip: active-low, outputs observed, double request refused, vanish', async () => {
  const clock = new FakeClock();
  const chip = new FakeGpioChip(clock, { lines: 8 });
  const input = chip.requestInput({ line: 1, activeLow: true });
  assert.equal(input.read(), 1, 'low level reads as active');
  const seen: Array<[number, number, number]> = [];
  chip.onOutput((line, level, t) => seen.push([line, level, t]));
  const out = chip.requestOutput({ line: 2, activeLow: true });
  clock.advance(5);
  out.write(1);
  assert.deepEqual(seen, [
    [2, 1, 0],
    [2, 0, 5],
  ]);
  assert.throws(
    () => chip.requestOutput({ line: 2 }),
    (e) => isLinegateError(e, 'PORT_BUSY'),
  );
  assert.throws(
    () => chip.requestInput({ line: 9 }),
    (e) => isLinegateError(e, 'DEVICE_FAILED'),
  );
  const lost: string[] = [];
  chip.on('lost', (r) => lost.push(r));
  chip.vanish('unplugged');
  assert.deepEqual(lost, ['unplugged']);
  assert.throws(
    () => out.write(0),
    (e) => isLinegateError(e, 'DEVICE_MISSING'),
  );
  await assert.rejects(chip.open(), (e) => isLinegateError(e, 'DEVICE_MISSING'));
  chip.restore();
  await chip.open();
});

test('libgpiod backend: missing package gives DEVICE_MISSING naming node-libgpiod and libgpiod-dev', async () => {
  const chip = new LibgpiodChip({ device: '/dev/gpiochip0', clock: new FakeClock() });
  await assert.rejects(chip.open(), (e) => {
    assert.ok(isLinegateError(e, 'DEVICE_MISSING'));
    assert.match(e.message, /node-libgpiod/);
    assert.match(e.message, /libgpiod-dev/);
    return true;
  });
  assert.match(LIBGPIOD_MISSING_MESSAGE, /npm install node-libgpiod/);
});

test('libgpiod backend against a fake binding: polled edges, active-low outputs, lost on read error', async () => {
  const clock = new FakeClock();
  const values = new Map<number, number>();
  const log: string[] = [];
  let failReads = false;
  const makeLine = (offset: number): LibgpiodLine => ({
    requestInputMode: (consumer) => log.push(`in ${offset} ${consumer}`),
    requestOutputMode: (consumer, v) => {
      log.push(`out ${offset}=${v} ${consumer}`);
      values.set(offset, v ?? 0);
    },
    getValue: () => {
      if (failReads) throw new Error('ENODEV');
      return values.get(offset) ?? 0;
    },
    setValue: (v) => {
      values.set(offset, v);
    },
    release: () => log.push(`release ${offset}`),
  });
  const chip = new LibgpiodChip({
    device: '/dev/gpiochip0',
    clock,
    loadModule: async () => ({
      Chip: class {
        constructor(name: string) {
          log.push(`chip ${name}`);
        }
        getLine(offset: number) {
          return makeLine(offset);
        }
      },
    }),
  });
  await chip.open();
  const shk = chip.requestInput({ line: 17, debounceMs: 5, consumer: 'fxs1-shk' });
  const rm = chip.requestOutput({ line: 27, activeLow: true });
  assert.equal(values.get(27), 1, 'inactive active-low output is high');
  rm.write(1);
  assert.equal(values.get(27), 0);
  const edges: GpioEdgeEvent[] = [];
  shk.onEdge((e) => edges.push(e));
  clock.advance(10);
  values.set(17, 1);
  clock.advance(20);
  assert.deepEqual(edges, [{ value: 1, timeMs: 11 }]);
  const lost: string[] = [];
  chip.on('lost', (r) => lost.push(r));
  failReads = true;
  clock.advance(5);
  assert.equal(lost.length, 1);
  assert.match(lost[0] ?? '', /line 17 read failed: ENODEV/);
  await chip.close();
  assert.ok(log.includes('chip gpiochip0') && log.includes('release 17') && log.includes('release 27'));
});

function fakeSysfs(chips: Array<{ n: number; label: string; ngpio: number }>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'linegate-sysfs-'));
  for (const c of chips) {
    const dir = path.join(root, `gpiochip${c.n}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'label'), `${c.label}\n`);
    writeFileSync(path.join(dir, 'base'), `${c.n}\n`);
    writeFileSync(path.join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  writeFileSync(path.join(root, 'export'), '');
  writeFileSync(path.join(root, 'unexport'), '');
  return root;
}

/** The kernel creates gpioN when N is written to export; the test plays the kernel. */
function kernelExports(root: string, n: number): string {
  const dir = path.join(root, `gpio${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'value'), '0\n');
  return dir;
}

for (const [label, base] of [
  ['pinctrl-bcm2711', 512],
  ['pinctrl-rp1', 571],
  ['pinctrl-bcm2835', 0],
] as const) {
  test(`sysfs backend renumbers line 17 as ${base + 17} on ${label}`, async () => {
    const root = fakeSysfs([
      { n: base, label, ngpio: 58 },
      { n: base + 100, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]);
    try {
      const clock = new FakeClock();
      const chip = new SysfsGpioChip({ clock, label, root });
      await chip.open();
      assert.equal(chip.globalNumber(17), base + 17);
      const dir = kernelExports(root, base + 17);
      const input = chip.requestInput({ line: 17, activeLow: true, debounceMs: 3 });
      assert.equal(readFileSync(path.join(dir, 'direction'), 'utf8'), 'in');
      assert.equal(readFileSync(path.join(dir, 'active_low'), 'utf8'), '1');
      const edges: GpioEdgeEvent[] = [];
      input.onEdge((e) => edges.push(e));
      writeFileSync(path.join(dir, 'value'), '1\n');
      clock.advance(10);
      assert.deepEqual(edges, [{ value: 1, timeMs: 1 }]);
      const outDir = kernelExports(root, base + 27);
      const out = chip.requestOutput({ line: 27, initial: 1 });
      assert.equal(readFileSync(path.join(outDir, 'value'), 'utf8'), '1');
      out.write(0);
      assert.equal(readFileSync(path.join(outDir, 'value'), 'utf8'), '0');
      await chip.close();
      assert.equal(readFileSync(path.join(root, 'unexport'), 'utf8'), String(base + 27));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('sysfs backend: unknown label and an export that never appears are clear errors', async () => {
  const root = fakeSysfs([{ n: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
  try {
    const clock = new FakeClock();
    const wrong = new SysfsGpioChip({ clock, label: 'pinctrl-rp1', root });
    await assert.rejects(
      wrong.open(),
      (e) => isLinegateError(e, 'DEVICE_MISSING') && /pinctrl-bcm2711@512/.test(e.message),
    );
    const chip = new SysfsGpioChip({ clock, root });
    await chip.open();
    assert.equal(chip.chipInfo?.base, 512);
    assert.throws(
      () => chip.requestInput({ line: 4 }),
      (e) => isLinegateError(e, 'DEVICE_FAILED') && /gpio516/.test(e.message),
    );
    assert.throws(
      () => chip.globalNumber(60),
      (e) => isLinegateError(e, 'DEVICE_FAILED'),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
