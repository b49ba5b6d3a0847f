import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { encodeWav, parseWav8kMono } from '../../drivers/audio/wav-pcm.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { loadBoard } from '../../drivers/board/board-profile.ts';
import { FakeLineSignals } from '../../drivers/line/fake-line-signals.ts';
import { SimulatedLines } from '../../drivers/line/sim/simulated-lines.ts';
import { registerPhoneSimRoutes } from '../../daemon/simulator/phones-routes.ts';
import { registerPstnSimRoutes } from '../../daemon/simulator/pstn-routes.ts';

async function boot() {
  const clock = new FakeClock();
  const lines = new SimulatedLines({
    board: loadBoard('sim'),
    signals: new FakeLineSignals(),
    clock,
    logger: silentLogger(),
  });
  await lines.start(new AbortController().signal);
  const app = Fastify();
  registerPhoneSimRoutes(app, lines.phones);
  registerPstnSimRoutes(app, lines.pstnLines);
  await app.ready();
  const digits: string[] = [];
  lines.fxsPorts.get('fxs1')!.on('digit', (d) => digits.push(d));
  const close = async () => {
    await app.close();
    await lines.stop();
  };
  return { clock, lines, app, digits, close };
}

test('phone routes: hook, dial by pulse and DTMF, flash, status, bad bodies and unknown ids', async () => {
  const { clock, app, digits, close } = await boot();
  const off = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/hook',
    payload: { state: 'off' },
  });
  assert.equal(off.statusCode, 200);
  assert.equal(off.json().hook, 'off');
  clock.advance(100);
  const pulse = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/dial',
    payload: { digits: '201', mode: 'pulse' },
  });
  assert.equal(pulse.statusCode, 202);
  const busy = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/dial',
    payload: { digits: '3' },
  });
  assert.equal(busy.statusCode, 409, 'still dialling');
  await clock.advanceAsync(4000, 50);
  const dtmf = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/dial',
    payload: { digits: '201', mode: 'dtmf' },
  });
  assert.equal(dtmf.statusCode, 202);
  await clock.advanceAsync(1000, 20);
  assert.deepEqual(digits, ['2', '0', '1', '2', '0', '1']);
  const flash = await app.inject({ method: 'POST', url: '/api/v1/sim/phones/fxs1/flash' });
  assert.equal(flash.statusCode, 202);
  const status = await app.inject({ method: 'GET', url: '/api/v1/sim/phones/fxs1' });
  assert.deepEqual(status.json(), {
    hook: 'off',
    ringing: false,
    callerId: null,
    heard: { tone: null, digits: '' },
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['hook', { state: 'sideways' }, /"state" must be "off" or "on"/],
    ['dial', { digits: '12x' }, /"digits"/],
    ['dial', { digits: '12', mode: 'morse' }, /"mode"/],
    ['dial', { digits: '1#', mode: 'pulse' }, /only digits/],
    ['flash', { breakMs: 5000 }, /"breakMs"/],
  ];
  for (const [route, payload, message] of bad) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/sim/phones/fxs1/${route}`,
      payload: payload as object,
    });
    assert.equal(res.statusCode, 400, route);
    assert.match(res.json().message, message);
  }
  const unknown = await app.inject({ method: 'GET', url: '/api/v1/sim/phones/fxs9' });
  assert.equal(unknown.statusCode, 404);
  const unknownDial = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs9/dial',
    payload: { digits: '1' },
  });
  assert.equal(unknownDial.statusCode, 404);
  const duringFlash = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/hook',
    payload: { state: 'on' },
  });
  assert.equal(duringFlash.statusCode, 409, 'the hand is still on the hook switch');
  await clock.advanceAsync(400, 50);
  const on = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/hook',
    payload: { state: 'on' },
  });
  assert.equal(on.statusCode, 200);
  clock.advance(2000);
  const onHookDial = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/dial',
    payload: { digits: '1' },
  });
  assert.equal(onHookDial.statusCode, 409);
  await close();
});

test('phone audio: WAV into the mouthpiece reaches the port; recording.wav returns what the earpiece heard', async () => {
  const { clock, lines, app, close } = await boot();
  const port = lines.fxsPorts.get('fxs1')!;
  const stream = await port.audio.open();
  let peak = 0;
  stream.onFrame((f) => {
    for (const v of f) peak = Math.max(peak, v);
  });
  const tone = Int16Array.from({ length: 8000 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
  );
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/phones/fxs1/audio',
    headers: { 'content-type': 'audio/wav' },
    payload: encodeWav(tone),
  });
  assert.equal(res.statusCode, 202);
  assert.deepEqual(res.json(), { durationMs: 1000 });
  stream.write(tone.subarray(0, 1600));
  await clock.advanceAsync(1200, 20);
  assert.ok(peak > 7000, 'the port heard the mouthpiece');
  const rec = await app.inject({ method: 'GET', url: '/api/v1/sim/phones/fxs1/recording.wav?seconds=2' });
  assert.equal(rec.statusCode, 200);
  assert.equal(rec.headers['content-type'], 'audio/wav');
  const heard = parseWav8kMono(rec.rawPayload);
  assert.equal(heard.length, 9600, 'only the 1.2 s heard so far');
  assert.ok(
    heard.some((v) => v > 7000),
    'the earpiece recording holds what the port played',
  );
  for (const [payload, type, status, message] of [
    [Buffer.from('not a wav'), 'audio/wav', 400, /RIFF/],
    [encodeWav(tone, 16000), 'audio/wav', 400, /8000 Hz/],
    [JSON.stringify({ a: 1 }), 'application/json', 400, /Content-Type audio\/wav/],
  ] as const) {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/phones/fxs1/audio',
      headers: { 'content-type': type },
      payload,
    });
    assert.equal(bad.statusCode, status);
    assert.match(bad.json().message, message);
  }
  const badSeconds = await app.inject({
    method: 'GET',
    url: '/api/v1/sim/phones/fxs1/recording.wav?seconds=-1',
  });
  assert.equal(badSeconds.statusCode, 400);
  await stream.close();
  await close();
});

test('PSTN routes: call rings the FXO port with caller ID, status shows what the gateway dialled, hangup drops', async () => {
  const { clock, lines, app, close } = await boot();
  const fxo = lines.fxoPorts.get('fxo1')!;
  const seen: string[] = [];
  fxo.on('callerId', (c) => seen.push(`cid ${c.number} ${c.name ?? ''}`));
  fxo.on('lineDrop', (r) => seen.push(`drop ${r}`));
  const call = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/pstn/fxo1/call',
    payload: { from: '+15551234', name: 'DAVE' },
  });
  assert.equal(call.statusCode, 202);
  assert.equal(call.json().state, 'ringing');
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/pstn/fxo1/call',
    payload: { from: '1' },
  });
  assert.equal(again.statusCode, 409);
  clock.advance(6000);
  assert.deepEqual(seen, ['cid 15551234 DAVE']);
  await fxo.seize();
  clock.advance(500);
  const st = await app.inject({ method: 'GET', url: '/api/v1/sim/pstn/fxo1' });
  assert.deepEqual(st.json(), { offHook: true, dialed: '', state: 'connected' });
  const hang = await app.inject({ method: 'POST', url: '/api/v1/sim/pstn/fxo1/hangup' });
  assert.equal(hang.statusCode, 202);
  clock.advance(500);
  assert.equal(seen.at(-1), 'drop loopCurrentDrop');
  await fxo.release();
  await fxo.seize();
  clock.advance(500);
  const dialled = fxo.dial('911');
  await clock.advanceAsync(1000, 20);
  await dialled;
  const st2 = await app.inject({ method: 'GET', url: '/api/v1/sim/pstn/fxo1' });
  assert.equal(st2.json().dialed, '911');
  const rec = await app.inject({ method: 'GET', url: '/api/v1/sim/pstn/fxo1/recording.wav' });
  assert.equal(
    parseWav8kMono(rec.rawPayload).length,
    8 * 8500,
    'all 8.5 s so far (default is the last 10 s)',
  );
  for (const payload of [
    {},
    { from: 'abc' },
    { from: '1', name: 'x'.repeat(40) },
    { from: '1', standard: 'v23' },
  ]) {
    const bad = await app.inject({ method: 'POST', url: '/api/v1/sim/pstn/fxo1/call', payload });
    assert.equal(bad.statusCode, 400, JSON.stringify(payload));
  }
  const missing = await app.inject({ method: 'POST', url: '/api/v1/sim/pstn/fxo7/hangup' });
  assert.equal(missing.statusCode, 404);
  const audio = await app.inject({
    method: 'POST',
    url: '/api/v1/sim/pstn/fxo1/audio',
    headers: { 'content-type': 'audio/wav' },
    payload: encodeWav(new Int16Array(800)),
  });
  assert.deepEqual(audio.json(), { durationMs: 100 });
  await close();
});
