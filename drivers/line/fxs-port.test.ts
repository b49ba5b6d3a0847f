import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError } from '../base/errors.ts';
import { silentLogger } from '../base/logger.ts';
import { MemoryAudioLink } from '../audio/memory-audio-link.ts';
import { loadBoard } from '../board/board-profile.ts';
import { FakeGpioChip } from '../gpio/fake-gpio-chip.ts';
import { E180_RING_CADENCES_MS } from './e180-ring-cadences.ts';
import { FakeDataReceiver, FakeLineSignals } from './fake-line-signals.ts';
import { GpioFxsPort, type FxsPortOptions } from './fxs-port.ts';

const SHK = 0;
const RM = 1;
const FR = 2;

async function harness(options: Partial<FxsPortOptions> = {}) {
  const clock = new FakeClock();
  const chip = new FakeGpioChip(clock, { name: 'sim0', lines: 32 });
  const link = new MemoryAudioLink({ clock, names: ['fxs1', 'fxs1-phone'] });
  const profile = loadBoard('sim').fxs[0]!;
  const port = new GpioFxsPort({
    profile,
    chips: { sim0: chip },
    audio: link.a,
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
    ...options,
  });
  const events: string[] = [];
  port.on('offHook', () => events.push(`offHook@${clock.now()}`));
  port.on('onHook', () => events.push(`onHook@${clock.now()}`));
  port.on('digit', (d) => events.push(`digit ${d}`));
  port.on('flash', () => events.push('flash'));
  port.on('failed', (r) => events.push(`failed ${r}`));
  port.on('recovered', () => events.push('recovered'));
  const outputs: Array<[number, number, number]> = [];
  chip.onOutput((line, level, t) => outputs.push([line, level, t]));
  const phone = await link.b.open();
  const heard = new FakeDataReceiver();
  const heardAt: number[] = [];
  phone.onFrame((f) => {
    if (heard.push(f)) heardAt.push(clock.now());
  });
  const ac = new AbortController();
  await port.start(ac.signal);
  return { clock, chip, link, port, events, outputs, phone, heard, heardAt, stop: () => port.stop() };
}

/** On/off durations of RM from its transitions. */
function rmPhases(outputs: Array<[number, number, number]>): number[] {
  const rm = outputs.filter(([line]) => line === RM);
  const phases: number[] = [];
  for (let i = 1; i < rm.length; i++) phases.push(rm[i]![2] - rm[i - 1]![2]);
  return phases;
}

for (const [country, pattern] of Object.entries(E180_RING_CADENCES_MS)) {
  test(`rings the ${country} cadence ${pattern.join('/')} ms with F/R toggled at 20 Hz`, async () => {
    const h = await harness();
    h.outputs.length = 0;
    await h.port.ring({ name: country, patternMs: [...pattern] });
    assert.equal(h.port.state, 'ringing');
    const cycleMs = pattern.reduce((a, b) => a + b, 0);
    h.clock.advance(2 * cycleMs + 1);
    // RM on at 0, then the pattern twice.
    assert.deepEqual(rmPhases(h.outputs).slice(0, 2 * pattern.length), [...pattern, ...pattern]);
    const firstOnMs = pattern[0]!;
    const frToggles = h.outputs.filter(([line, , t]) => line === FR && t > 0 && t < firstOnMs).length;
    assert.ok(Math.abs(frToggles - firstOnMs / 25) <= 1, `${frToggles} F/R toggles in ${firstOnMs} ms`);
    const frDuringOff = h.outputs.filter(
      ([line, , t]) => line === FR && t > firstOnMs + 1 && t < firstOnMs + pattern[1]!,
    );
    assert.equal(frDuringOff.length, 0, 'F/R still during the silence');
    await h.port.stopRinging();
    assert.equal(h.chip.level(RM), 0);
    await h.stop();
    h.link.close();
    assert.equal(h.clock.pendingTimers, 0, 'no timer left after stop');
  });
}

test('ring trip: lifting the handset during the ring stops the ring voltage within 200 ms', async () => {
  for (const liftAtMs of [300, 1999, 2500, 6100]) {
    const h = await harness();
    await h.port.ring({ name: 'us', patternMs: [2000, 4000] });
    h.clock.advance(liftAtMs);
    h.outputs.length = 0;
    h.chip.setLevel(SHK, 1);
    h.clock.advance(200);
    assert.equal(h.chip.level(RM), 0, `lifted at ${liftAtMs} ms`);
    assert.equal(h.port.hook, 'off');
    assert.equal(h.port.state, 'offHook');
    const offHookAt = Number(h.events[0]?.split('@')[1]);
    assert.ok(
      offHookAt - liftAtMs <= 200 && offHookAt - liftAtMs >= 50,
      `offHook after ${offHookAt - liftAtMs} ms`,
    );
    const rmOff = h.outputs.find(([line, level]) => line === RM && level === 0);
    if (rmOff) assert.ok(rmOff[2] - liftAtMs <= 200);
    h.clock.advance(10_000);
    assert.equal(h.chip.level(RM), 0, 'the ring does not come back');
    await assert.rejects(h.port.ring({ name: 'us', patternMs: [2000, 4000] }), (e) =>
      isLinegateError(e, 'PORT_BUSY'),
    );
    await h.stop();
    h.link.close();
  }
});

test('a short ring-current chatter on SHK does not trip the ring', async () => {
  const h = await harness();
  await h.port.ring({ name: 'us', patternMs: [2000, 4000] });
  h.chip.scheduleLevels(SHK, [
    [100, 1],
    [140, 0],
  ]);
  h.clock.advance(1000);
  assert.equal(h.port.state, 'ringing');
  assert.deepEqual(h.events, []);
  await h.stop();
  h.link.close();
});

test('Bell caller ID is sent 500 ms into the first silence, before the second ring', async () => {
  const h = await harness();
  await h.port.ring({ name: 'us', patternMs: [2000, 4000] }, { number: '5551234567', name: 'ALICE' });
  h.clock.advance(6000);
  assert.equal(h.heard.messages.length, 1);
  assert.deepEqual(h.heard.messages[0], {
    standard: 'bell',
    callerId: { number: '5551234567', name: 'ALICE' },
  });
  // Data starts at 2500 ms (2000 ring + 500) and ends well before the second ring at 6000 ms.
  assert.ok(h.heardAt[0]! > 2500 && h.heardAt[0]! < 5800, `ended at ${h.heardAt[0]}`);
  await h.stop();
  h.link.close();
});

test('ETSI caller ID: polarity reversal, DT-AS, FSK, then the first ring with polarity restored', async () => {
  const h = await harness({ callerIdStandard: 'etsi' });
  h.outputs.length = 0;
  await h.port.ring({ name: 'de', patternMs: [1000, 4000] }, { number: '0301234567' });
  assert.equal(h.chip.level(FR), 1, 'polarity reversed at once');
  h.clock.advance(3000);
  assert.deepEqual(h.heard.messages[0], { standard: 'etsi', callerId: { number: '0301234567' } });
  const firstRing = h.outputs.find(([line, level]) => line === RM && level === 1);
  assert.ok(firstRing, 'ringing started');
  assert.ok(h.heardAt[0]! < firstRing[2], 'caller ID before the first ring');
  const restore = h.outputs.find(([line, level, t]) => line === FR && level === 0 && t > 0);
  assert.ok(restore && restore[2] <= firstRing[2], 'polarity back to normal before ringing');
  await h.stop();
  h.link.close();
});

test('lifting the handset during ETSI pre-ring caller ID ends the data and restores polarity', async () => {
  const h = await harness({ callerIdStandard: 'etsi' });
  await h.port.ring({ name: 'de', patternMs: [1000, 4000] }, { number: '0301234567' });
  h.clock.advance(150);
  assert.equal(h.chip.level(FR), 1);
  h.chip.setLevel(SHK, 1);
  h.clock.advance(200);
  assert.equal(h.port.state, 'offHook');
  assert.equal(h.chip.level(FR), 0, 'polarity back to normal');
  assert.equal(h.port.polarityReversed, false);
  h.clock.advance(6000);
  assert.equal(h.chip.level(RM), 0, 'no ring after the trip');
  await h.stop();
  h.link.close();
});

test('DTMF CLIP per call overrides the port default', async () => {
  const h = await harness();
  await h.port.ring(
    { name: 'nl', patternMs: [1000, 4000] },
    { number: '0201234567' },
    { callerIdStandard: 'dtmf' },
  );
  h.clock.advance(2000);
  assert.equal(h.heard.messages[0]?.standard, 'dtmf');
  await h.stop();
  h.link.close();
});

test('DTMF from the mouthpiece arrives as digit events only while off hook', async () => {
  const h = await harness();
  const signals = new FakeLineSignals();
  h.phone.write(signals.dtmfAudio('9').subarray(0, 160 * 4));
  h.clock.advance(200);
  assert.deepEqual(h.events, [], 'no digits on hook');
  h.chip.setLevel(SHK, 1);
  h.clock.advance(100);
  for (const d of '201') {
    h.phone.write(signals.dtmfAudio(d));
    h.clock.advance(100);
  }
  assert.deepEqual(h.events, ['offHook@220', 'digit 2', 'digit 0', 'digit 1']);
  await h.stop();
  h.link.close();
});

test('polarity reversal drives F/R; VMWI is sent on hook, deferred while off hook', async () => {
  const h = await harness();
  await h.port.reversePolarity();
  assert.equal(h.chip.level(FR), 1);
  await h.port.reversePolarity();
  assert.equal(h.chip.level(FR), 0);
  await h.port.setMessageWaiting(true);
  h.clock.advance(2000);
  assert.deepEqual(h.heard.messages.at(-1), { standard: 'bell', vmwi: true });
  h.chip.setLevel(SHK, 1);
  h.clock.advance(100);
  await h.port.setMessageWaiting(false);
  h.clock.advance(2000);
  assert.equal(h.heard.messages.length, 1, 'nothing sent off hook');
  h.chip.setLevel(SHK, 0);
  h.clock.advance(4000);
  assert.deepEqual(h.heard.messages.at(-1), { standard: 'bell', vmwi: false });
  await h.stop();
  h.link.close();
});

test('a vanished GPIO chip puts the port in failed with the reason, and it recovers by retry', async () => {
  const h = await harness({ retryMs: 1000 });
  await h.port.ring({ name: 'us', patternMs: [2000, 4000] });
  h.clock.advance(100);
  h.chip.vanish('gpiochip0 removed');
  assert.equal(h.port.state, 'failed');
  assert.equal(h.port.failure, 'gpiochip0 removed');
  assert.deepEqual(h.port.health(), { status: 'failed', detail: 'gpiochip0 removed' });
  await assert.rejects(h.port.ring({ name: 'us', patternMs: [2000, 4000] }), (e) =>
    isLinegateError(e, 'DEVICE_FAILED'),
  );
  h.clock.advance(1000);
  await Promise.resolve();
  assert.equal(h.port.state, 'failed', 'still failed while the chip is missing');
  h.chip.restore();
  await h.clock.advanceAsync(2000, 100);
  assert.equal(h.port.state, 'idle');
  assert.deepEqual(h.events, ['failed gpiochip0 removed', 'recovered']);
  // Works again after recovery.
  h.chip.setLevel(SHK, 1);
  h.clock.advance(100);
  assert.equal(h.port.hook, 'off');
  await h.stop();
  h.link.close();
  assert.equal(h.clock.pendingTimers, 0);
});

test('a failing sound card (health report) fails the port', async () => {
  const h = await harness({ retryMs: 500 });
  let report: ((failure: string | null) => void) | undefined;
  const audio = {
    name: 'usb',
    open: () => h.link.a.open(),
    onHealth: (fn: (failure: string | null) => void) => {
      report = fn;
      return () => {};
    },
  };
  await h.stop();
  const port = new GpioFxsPort({
    profile: loadBoard('sim').fxs[1]!,
    chips: { sim0: h.chip },
    audio,
    signals: new FakeLineSignals(),
    clock: h.clock,
    logger: silentLogger(),
    retryMs: 500,
  });
  const failures: string[] = [];
  port.on('failed', (r) => failures.push(r));
  await port.start(new AbortController().signal);
  report?.('arecord exited (code 1): No such device');
  assert.equal(port.state, 'failed');
  assert.deepEqual(failures, ['arecord exited (code 1): No such device']);
  await h.clock.advanceAsync(600, 100);
  assert.equal(port.state, 'idle');
  await port.stop();
  h.link.close();
});

test('a self-ringing SLIC: the enable line follows the cadence, reverse line carries polarity, active-low SHK', async () => {
  const clock = new FakeClock();
  const chip = new FakeGpioChip(clock, { name: 'main', lines: 58 });
  const link = new MemoryAudioLink({ clock });
  const profile = loadBoard('ringing-slic-example').fxs[0]!;
  chip.setLevel(17, 1); // SHK is active low: a high level is on hook
  const port = new GpioFxsPort({
    profile,
    chips: { main: chip },
    audio: link.a,
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
  });
  await port.start(new AbortController().signal);
  assert.equal(port.hook, 'on');
  const enable: Array<[number, number]> = [];
  chip.onOutput((line, level, t) => {
    if (line === 27) enable.push([level, t]);
  });
  await port.ring({ name: 'uk', patternMs: [400, 200, 400, 2000] });
  clock.advance(3000);
  assert.deepEqual(enable, [
    [1, 0],
    [0, 400],
    [1, 600],
    [0, 1000],
    [1, 3000],
  ]);
  chip.setLevel(17, 0); // lifted
  clock.advance(100);
  assert.equal(port.hook, 'off');
  assert.equal(chip.level(27), 0, 'ring tripped');
  await port.reversePolarity();
  assert.equal(chip.level(22), 1);
  await port.stop();
  link.close();
  assert.equal(clock.pendingTimers, 0);
});
