import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError } from '../base/errors.ts';
import { silentLogger } from '../base/logger.ts';
import { MemoryAudioLink } from '../audio/memory-audio-link.ts';
import { loadBoard } from '../board/board-profile.ts';
import { FakeGpioChip } from '../gpio/fake-gpio-chip.ts';
import type { GpioValue } from '../gpio/types.ts';
import { FakeLineSignals } from './fake-line-signals.ts';
import { GpioFxoPort, type FxoPortOptions } from './fxo-port.ts';
import { E180_RING_CADENCES_MS } from './e180-ring-cadences.ts';

const RING = 8;
const SEIZE = 9;
const LOOP = 10;
const POLARITY = 11;

async function harness(options: Partial<FxoPortOptions> = {}) {
  const clock = new FakeClock();
  const chip = new FakeGpioChip(clock, { name: 'sim0', lines: 32 });
  const link = new MemoryAudioLink({ clock, names: ['fxo1', 'pstn'] });
  const port = new GpioFxoPort({
    profile: loadBoard('sim').fxo[0]!,
    chips: { sim0: chip },
    audio: link.a,
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
    ...options,
  });
  const events: string[] = [];
  port.on('ring', () => events.push(`ring@${clock.now()}`));
  port.on('ringStopped', () => events.push(`ringStopped@${clock.now()}`));
  port.on('callerId', (c) => events.push(`callerId ${c.number}`));
  port.on('lineDrop', (r) => events.push(`lineDrop ${r}@${clock.now()}`));
  port.on('failed', (r) => events.push(`failed ${r}`));
  const line = await link.b.open();
  await port.start(new AbortController().signal);
  return { clock, chip, link, port, events, line };
}

/** Opto output for a ring cadence: pulses at twice the ring frequency during each on-phase. */
function optoSteps(pattern: readonly number[], cycles: number, ringHz = 25): Array<[number, GpioValue]> {
  const steps: Array<[number, GpioValue]> = [];
  const halfMs = 1000 / (2 * ringHz);
  let t = 0;
  for (let c = 0; c < cycles; c++) {
    pattern.forEach((ms, i) => {
      if (i % 2 === 0) {
        for (let p = 0; p + halfMs <= ms; p += 2 * halfMs) {
          steps.push([t + p, 1], [t + p + halfMs / 2, 0]);
        }
      }
      t += ms;
    });
  }
  return steps;
}

for (const [country, pattern] of Object.entries(E180_RING_CADENCES_MS)) {
  test(`detects the ${country} ring cadence from opto pulses: one ring per cycle, cadence learned`, async () => {
    const h = await harness();
    h.chip.scheduleLevels(RING, optoSteps(pattern, 3));
    const cycleMs = pattern.reduce((a, b) => a + b, 0);
    h.clock.advance(3 * cycleMs);
    assert.equal(h.events.filter((e) => e.startsWith('ring@')).length, 3, h.events.join());
    assert.equal(h.port.state, 'ringing');
    const learned = h.port.learnedCadenceMs;
    assert.equal(learned.length, pattern.length);
    for (const [i, ms] of learned.entries()) {
      assert.ok(Math.abs(ms - pattern[i]!) <= 40, `learned ${learned} vs ${pattern}`);
    }
    h.clock.advance(9000);
    assert.match(h.events.at(-1) ?? '', /^ringStopped@/);
    assert.equal(h.port.state, 'idle');
    await h.port.stop();
    h.link.close();
  });
}

test('noise on the ring detector (spikes, 100 ms bursts) is not a ring', async () => {
  const h = await harness();
  h.chip.scheduleLevels(RING, [
    [100, 1],
    [103, 0],
    [500, 1],
    [520, 0],
    [540, 1],
    [560, 0],
    [580, 1],
    [600, 0],
    ...optoSteps([100, 900], 3).map(([t, v]) => [t + 2000, v] as [number, GpioValue]),
  ]);
  h.clock.advance(10_000);
  assert.deepEqual(h.events, []);
  await h.port.stop();
  h.link.close();
});

test('caller ID sent between the first and second ring is captured; ring audio is ignored', async () => {
  const h = await harness();
  const signals = new FakeLineSignals();
  h.chip.scheduleLevels(RING, optoSteps([2000, 4000], 2));
  // Garbage during the ring burst must not confuse the receiver.
  h.line.write(signals.callerIdAudio({ number: '666' }, 'bell').subarray(0, 160 * 5));
  h.clock.advance(2600);
  const cid = signals.callerIdAudio({ number: '5551234', name: 'BOB' }, 'bell');
  for (let off = 0; off < cid.length; off += 160) {
    h.line.write(cid.subarray(off, off + 160));
    h.clock.advance(20);
  }
  h.clock.advance(4000);
  assert.deepEqual(
    h.events.filter((e) => !e.startsWith('ring@')),
    ['callerId 5551234'],
  );
  await h.port.stop();
  h.link.close();
});

test('seize: loop current drops shorter than 250 ms are ignored, a longer one is a line drop', async () => {
  const h = await harness();
  h.chip.setLevel(LOOP, 1);
  await h.port.seize();
  assert.equal(h.chip.level(SEIZE), 1);
  h.clock.advance(1000);
  h.chip.scheduleLevels(LOOP, [
    [0, 0],
    [150, 1],
    [1000, 0],
  ]);
  h.clock.advance(900);
  assert.deepEqual(h.events, []);
  h.clock.advance(400);
  assert.deepEqual(h.events, ['lineDrop loopCurrentDrop@2255'], 'drop after 250 ms + 5 ms debounce');
  await h.port.release();
  assert.equal(h.chip.level(SEIZE), 0);
  assert.equal(h.port.state, 'idle');
  await h.port.stop();
  h.link.close();
});

test('no loop current after seizing, polarity reversal, busy tone and silence each drop the line', async () => {
  const noLoop = await harness();
  await noLoop.port.seize();
  noLoop.clock.advance(500);
  assert.deepEqual(noLoop.events, ['lineDrop noLoopCurrent@400']);
  await noLoop.port.stop();

  const rev = await harness();
  rev.chip.setLevel(LOOP, 1);
  await rev.port.seize();
  rev.clock.advance(1000);
  rev.chip.setLevel(POLARITY, 1);
  rev.clock.advance(10);
  assert.deepEqual(rev.events, ['lineDrop polarityReversal@1005']);
  await rev.port.stop();

  const busy = await harness();
  busy.chip.setLevel(LOOP, 1);
  await busy.port.seize();
  busy.clock.advance(1000);
  const tone = new FakeLineSignals().toneAudio('busy', 'us', 3000);
  for (let off = 0; off < tone.length; off += 160) {
    busy.line.write(tone.subarray(off, off + 160));
    busy.clock.advance(20);
  }
  assert.equal(busy.events.length, 1);
  assert.match(busy.events[0] ?? '', /^lineDrop busyTone@2(5|6)\d\d$/);
  await busy.port.stop();

  const quiet = await harness({ supervision: { silenceTimeoutMs: 30_000 } });
  quiet.chip.setLevel(LOOP, 1);
  await quiet.port.seize();
  quiet.clock.advance(29_000);
  assert.deepEqual(quiet.events, []);
  quiet.clock.advance(2000);
  assert.match(quiet.events[0] ?? '', /^lineDrop silence@300\d\d$/);
  await quiet.port.stop();
  for (const h of [noLoop, rev, busy, quiet]) h.link.close();
});

test('dial sends DTMF into the line once seized; bad digits and unseized dialling are refused', async () => {
  const h = await harness();
  await assert.rejects(h.port.dial('201'), (e) => isLinegateError(e, 'CONFLICT'));
  h.chip.setLevel(LOOP, 1);
  await h.port.seize();
  await assert.rejects(h.port.dial('20x'), (e) => isLinegateError(e, 'BAD_REQUEST'));
  const detector = new FakeLineSignals().createDtmfDetector();
  const heard: string[] = [];
  h.line.onFrame((f) => heard.push(...detector.push(f)));
  const dialled = h.port.dial('5551234');
  await h.clock.advanceAsync(1000, 20);
  await dialled;
  assert.equal(heard.join(''), '5551234');
  await h.port.stop();
  h.link.close();
});

test('a vanished chip while seized reports lineDrop portFailed and failed', async () => {
  const h = await harness({ retryMs: 1000 });
  h.chip.setLevel(LOOP, 1);
  await h.port.seize();
  h.chip.vanish('gone');
  assert.deepEqual(h.events, ['lineDrop portFailed@0', 'failed gone']);
  await assert.rejects(h.port.seize(), (e) => isLinegateError(e, 'DEVICE_FAILED'));
  h.chip.restore();
  await h.clock.advanceAsync(1100, 100);
  assert.equal(h.port.state, 'idle');
  await h.port.stop();
  h.link.close();
  assert.equal(h.clock.pendingTimers, 0);
});
