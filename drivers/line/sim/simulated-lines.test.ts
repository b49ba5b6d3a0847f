import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../base/clock.ts';
import { isLinegateError } from '../../base/errors.ts';
import { silentLogger } from '../../base/logger.ts';
import { playPaced } from '../../audio/paced-player.ts';
import { loadBoard } from '../../board/board-profile.ts';
import { FakeLineSignals } from '../fake-line-signals.ts';
import { SimulatedLines } from './simulated-lines.ts';

async function boot() {
  const clock = new FakeClock();
  const lines = new SimulatedLines({
    board: loadBoard('sim'),
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
  });
  await lines.start(new AbortController().signal);
  const events: string[] = [];
  for (const [id, port] of lines.fxsPorts) {
    port.on('offHook', () => events.push(`${id} offHook`));
    port.on('onHook', () => events.push(`${id} onHook`));
    port.on('digit', (d) => events.push(`${id} digit ${d}`));
    port.on('flash', () => events.push(`${id} flash`));
  }
  for (const [id, port] of lines.fxoPorts) {
    port.on('ring', () => events.push(`${id} ring`));
    port.on('callerId', (c) => events.push(`${id} callerId ${c.number}`));
    port.on('lineDrop', (r) => events.push(`${id} lineDrop ${r}`));
  }
  return { clock, lines, events, phone: lines.phones.get('fxs1')!, fxs1: lines.fxsPorts.get('fxs1')! };
}

test('sim phone: off hook, pulse and DTMF dialling of 201, flash, on hook arrive as port events', async () => {
  const { clock, lines, events, phone, fxs1 } = await boot();
  phone.setHook('off');
  clock.advance(100);
  assert.equal(fxs1.hook, 'off');
  const pulses = phone.dial('201', 'pulse');
  assert.throws(
    () => phone.dial('5', 'dtmf'),
    (e) => isLinegateError(e, 'CONFLICT'),
  );
  await clock.advanceAsync(4000, 50);
  await pulses;
  const dtmf = phone.dial('201', 'dtmf');
  await clock.advanceAsync(1000, 20);
  await dtmf;
  const flash = phone.flash();
  await clock.advanceAsync(600, 50);
  await flash;
  phone.setHook('on');
  clock.advance(1000);
  assert.deepEqual(events, [
    'fxs1 offHook',
    'fxs1 digit 2',
    'fxs1 digit 0',
    'fxs1 digit 1',
    'fxs1 digit 2',
    'fxs1 digit 0',
    'fxs1 digit 1',
    'fxs1 flash',
    'fxs1 onHook',
  ]);
  assert.throws(
    () => phone.dial('1', 'pulse'),
    (e) => isLinegateError(e, 'CONFLICT'),
  );
  await lines.stop();
  assert.equal(clock.pendingTimers, 0);
});

test('sim phone hears the ring and caller ID, answers, hears the tone the port plays and records it', async () => {
  const { clock, lines, phone, fxs1 } = await boot();
  await fxs1.ring({ name: 'us', patternMs: [2000, 4000] }, { number: '2025550123', name: 'CAROL' });
  clock.advance(100);
  assert.equal(phone.status().ringing, true);
  clock.advance(5000);
  assert.deepEqual(phone.status().callerId, { number: '2025550123', name: 'CAROL' });
  phone.setHook('off');
  clock.advance(100);
  assert.equal(fxs1.state, 'offHook');
  assert.equal(phone.status().ringing, false);
  // The call layer plays dial tone into the port's audio; here the test does.
  const stream = await fxs1.audio.open();
  playPaced(stream, new FakeLineSignals().toneAudio('dial', 'us', 1000), clock);
  clock.advance(500);
  assert.equal(phone.status().heard.tone, 'dial');
  assert.equal(phone.recording(0.2).length, 1600);
  await stream.close();
  await lines.stop();
});

test('sim PSTN: a call with Bell caller ID reaches the FXO port; answer, gateway hears audio; hang-up drops the line', async () => {
  const { clock, lines, events } = await boot();
  const pstn = lines.pstnLines.get('fxo1')!;
  const fxo1 = lines.fxoPorts.get('fxo1')!;
  pstn.call('5551234');
  assert.throws(
    () => pstn.call('1'),
    (e) => isLinegateError(e, 'PORT_BUSY'),
  );
  clock.advance(6500);
  assert.deepEqual(events, ['fxo1 ring', 'fxo1 callerId 5551234', 'fxo1 ring']);
  await fxo1.seize();
  clock.advance(500);
  assert.deepEqual(pstn.status(), { offHook: true, dialed: '', state: 'connected' });
  clock.advance(10_000);
  assert.equal(events.filter((e) => e === 'fxo1 ring').length, 2, 'ringing stopped on answer');
  pstn.hangup();
  clock.advance(400);
  assert.equal(events.at(-1), 'fxo1 lineDrop loopCurrentDrop');
  await fxo1.release();
  clock.advance(100);
  assert.equal(pstn.status().offHook, false);
  await lines.stop();
});

test('sim PSTN: ETSI and DTMF caller ID before the first ring; the gateway dials out and the exchange decodes it', async () => {
  for (const standard of ['etsi', 'dtmf'] as const) {
    const { clock, lines, events } = await boot();
    const pstn = lines.pstnLines.get('fxo1')!;
    pstn.call('0612345678', { standard });
    clock.advance(3000);
    assert.deepEqual(events.slice(0, 2), ['fxo1 callerId 0612345678', 'fxo1 ring'], standard);
    pstn.hangup();
    await lines.stop();
  }
  const { clock, lines, events } = await boot();
  const pstn = lines.pstnLines.get('fxo1')!;
  const fxo1 = lines.fxoPorts.get('fxo1')!;
  await fxo1.seize();
  clock.advance(500);
  assert.equal(pstn.status().state, 'dialTone');
  const dialled = fxo1.dial('18005550199');
  await clock.advanceAsync(2000, 20);
  await dialled;
  assert.deepEqual(pstn.status(), { offHook: true, dialed: '18005550199', state: 'connected' });
  // Far end hangs up: loop current drops (CPC) before the busy tone.
  pstn.hangup();
  clock.advance(5000);
  assert.equal(events.at(-1), 'fxo1 lineDrop loopCurrentDrop');
  await lines.stop();
});
