/**
 * The simulated board's analog lines on the real media engine (DTMF,
 * tone plans, tone classifier, caller ID) through daemon/simulator/signal-kit.ts.
 * Fake clock: the real port logic, GPIO timing and audio pacing run exactly
 * as on hardware, only faster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { playPaced } from '../../drivers/audio/paced-player.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { loadBoard } from '../../drivers/board/board-profile.ts';
import { SimulatedLines } from '../../drivers/line/sim/simulated-lines.ts';
import { createSignalKit } from '../../daemon/simulator/signal-kit.ts';

async function boot(pstn: { cpcMs?: number } = {}) {
  const clock = new FakeClock();
  const signals = createSignalKit();
  const lines = new SimulatedLines({ board: loadBoard('sim'), signals, clock, logger: silentLogger(), pstn });
  await lines.start(new AbortController().signal);
  return { clock, signals, lines };
}

test('phone off hook hears dial tone, dials 201 by pulses and by DTMF; the digits arrive as port events', async () => {
  const { clock, signals, lines } = await boot();
  const phone = lines.phones.get('fxs1')!;
  const port = lines.fxsPorts.get('fxs1')!;
  const events: string[] = [];
  port.on('offHook', () => events.push('offHook'));
  port.on('digit', (d) => events.push(`digit ${d}`));
  phone.setHook('off');
  await clock.advanceAsync(100, 20);
  assert.deepEqual(events, ['offHook']);
  // The call layer plays dial tone on off-hook; here the test plays the us plan's dial tone itself.
  const callAudio = await port.audio.open();
  const dialTone = playPaced(callAudio, signals.toneAudio('dial', 'us', 4000), clock);
  // A continuous tone is told from long-cadence ones after ~2.6 s (media classifier).
  await clock.advanceAsync(3000, 20);
  assert.equal(phone.status().heard.tone, 'dial');
  dialTone.cancel();

  const pulses = phone.dial('201', 'pulse');
  await clock.advanceAsync(4000, 20);
  await pulses;
  assert.deepEqual(events, ['offHook', 'digit 2', 'digit 0', 'digit 1']);

  const dtmf = phone.dial('201', 'dtmf');
  await clock.advanceAsync(800, 20);
  await dtmf;
  await clock.advanceAsync(200, 20);
  assert.deepEqual(events, ['offHook', 'digit 2', 'digit 0', 'digit 1', 'digit 2', 'digit 0', 'digit 1']);
  await callAudio.close();
  await lines.stop();
});

test('busy tone played to the phone is reported as busy', async () => {
  const { clock, signals, lines } = await boot();
  const phone = lines.phones.get('fxs2')!;
  const port = lines.fxsPorts.get('fxs2')!;
  phone.setHook('off');
  await clock.advanceAsync(100, 20);
  const audio = await port.audio.open();
  playPaced(audio, signals.toneAudio('busy', 'us', 4000), clock);
  await clock.advanceAsync(3500, 20);
  assert.equal(phone.status().heard.tone, 'busy');
  await audio.close();
  await lines.stop();
});

test('a PSTN ring with DTMF CLIP caller ID reaches the FXO port and the decoded number matches', async () => {
  const { clock, lines } = await boot();
  const pstn = lines.pstnLines.get('fxo1')!;
  const fxo = lines.fxoPorts.get('fxo1')!;
  const seen: string[] = [];
  fxo.on('ring', () => seen.push('ring'));
  fxo.on('callerId', (c) => seen.push(`callerId ${c.number}`));
  pstn.call('5551234567', { standard: 'dtmf' });
  await clock.advanceAsync(5000, 20);
  assert.deepEqual(seen, ['callerId 5551234567', 'ring']);
  await fxo.seize();
  await clock.advanceAsync(600, 20);
  assert.equal(pstn.status().state, 'connected');
  // The far end hangs up: loop current drops, the port reports it.
  const drops: string[] = [];
  fxo.on('lineDrop', (r) => drops.push(r));
  pstn.hangup();
  await clock.advanceAsync(400, 20);
  assert.deepEqual(drops, ['loopCurrentDrop']);
  await fxo.release();
  await lines.stop();
});

test('the gateway dials out on the FXO port with real DTMF and the exchange decodes it', async () => {
  const { clock, lines } = await boot();
  const pstn = lines.pstnLines.get('fxo1')!;
  const fxo = lines.fxoPorts.get('fxo1')!;
  await fxo.seize();
  await clock.advanceAsync(500, 20);
  assert.equal(pstn.status().state, 'dialTone');
  const dialled = fxo.dial('18005550199');
  await clock.advanceAsync(2500, 20);
  await dialled;
  assert.deepEqual(pstn.status(), { offHook: true, dialed: '18005550199', state: 'connected' });
  await lines.stop();
});

test('Bell 202 FSK caller ID between the first and second ring: FXS to the phone, and PSTN line to the FXO port', async () => {
  const { clock, signals, lines } = await boot();
  const phone = lines.phones.get('fxs1')!;
  const fxs = lines.fxsPorts.get('fxs1')!;
  await fxs.ring(signals.ringCadence('us'), { number: '2025550123', name: 'ERIN' });
  await clock.advanceAsync(1000, 20);
  assert.equal(phone.status().ringing, true);
  assert.equal(phone.status().callerId, null, 'nothing before the first ring ends');
  await clock.advanceAsync(5000, 20);
  assert.equal(phone.status().callerId?.number, '2025550123');
  phone.setHook('off');
  await clock.advanceAsync(200, 20);
  assert.equal(fxs.state, 'offHook');

  const fxo = lines.fxoPorts.get('fxo1')!;
  const seen: string[] = [];
  fxo.on('ring', () => seen.push('ring'));
  fxo.on('callerId', (c) => seen.push(`callerId ${c.number}`));
  lines.pstnLines.get('fxo1')!.call('3125550188');
  await clock.advanceAsync(7000, 20);
  assert.deepEqual(seen, ['ring', 'callerId 3125550188', 'ring']);
  await lines.stop();
});

test('ETSI V.23 caller ID after polarity reversal and DT-AS, before the first ring', async () => {
  const { clock, signals, lines } = await boot();
  const phone = lines.phones.get('fxs2')!;
  const fxs = lines.fxsPorts.get('fxs2')!;
  await fxs.ring(
    signals.ringCadence('de'),
    { number: '03012345678', name: 'FRANK' },
    { callerIdStandard: 'etsi' },
  );
  // Reversal at 0, DT-AS at 100 ms, ~680 ms of V.23 from 260 ms, first ring 250 ms after it.
  await clock.advanceAsync(1150, 20);
  assert.equal(phone.status().ringing, false, 'data first, no ring yet');
  assert.equal(phone.status().callerId?.number, '03012345678');
  assert.equal(phone.status().callerId?.name, 'FRANK');
  await clock.advanceAsync(350, 20);
  assert.equal(phone.status().ringing, true);
  assert.equal(phone.status().callerId?.number, '03012345678', 'kept once the ring starts');

  const fxo = lines.fxoPorts.get('fxo1')!;
  const seen: string[] = [];
  fxo.on('ring', () => seen.push('ring'));
  fxo.on('callerId', (c) => seen.push(`callerId ${c.number} ${c.name ?? ''}`));
  lines.pstnLines.get('fxo1')!.call('0612345678', { standard: 'etsi', name: 'GRETA' });
  await clock.advanceAsync(2500, 20);
  assert.deepEqual(seen, ['callerId 0612345678 GRETA', 'ring']);
  await lines.stop();
});

test('an exchange without CPC: the busy tone after the far end hangs up drops the FXO line', async () => {
  const { clock, lines } = await boot({ cpcMs: 0 });
  const pstn = lines.pstnLines.get('fxo1')!;
  const fxo = lines.fxoPorts.get('fxo1')!;
  const drops: Array<[string, number]> = [];
  fxo.on('lineDrop', (r) => drops.push([r, clock.now()]));
  pstn.call('5550000');
  await clock.advanceAsync(2500, 20);
  await fxo.seize();
  await clock.advanceAsync(1000, 20);
  const hungUpAt = clock.now();
  pstn.hangup();
  await clock.advanceAsync(6000, 20);
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.[0], 'busyTone');
  assert.ok(drops[0]![1] - hungUpAt < 5000, `detected after ${drops[0]![1] - hungUpAt} ms`);
  await lines.stop();
});
