/**
 * The MQTT contract against a real Debian mosquitto on 127.0.0.1: retained
 * birth/last will, re-publication after a broker restart and after Home
 * Assistant's birth, request/response with transaction echo.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateDiscoveryConfig, type HaPlatform } from '../../daemon/fleet/ha-discovery.ts';
import { Recorder, makeFleet, waitUntil } from './fleet-fixture.ts';
import { Mosquitto, mosquittoAvailable } from './mosquitto.ts';

const available = mosquittoAvailable();

describe('MQTT fleet against mosquitto', {
  skip: available ? false : 'mosquitto not installed (apt-get install mosquitto)',
}, () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.stop();
  });

  test('status online is retained with version, uptime and session; a clean stop says offline', async () => {
    const f = makeFleet({ url: broker.url, deviceId: 'retained1' });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    // A client that connects afterwards still sees it: retained.
    const r = await Recorder.connect(broker.url, ['linegate/retained1/status']);
    const msg = await r.waitFor(() => r.on('linegate/retained1/status')[0], 3000, 'retained status');
    assert.equal(msg.retain, true);
    const status = JSON.parse(msg.payload);
    assert.equal(status.state, 'online');
    assert.equal(status.version, '0.1.0-test');
    assert.equal(status.session, 1);
    assert.equal(typeof status.uptimeS, 'number');
    await f.stop();
    await f.stop(); // idempotent
    const off = await r.waitFor(
      () => r.on('linegate/retained1/status').find((m) => JSON.parse(m.payload).state === 'offline'),
      3000,
      'offline',
    );
    assert.equal(JSON.parse(off.payload).reason, 'stopped');
    await r.close();
  });

  test('sms/send request → stub modem sends it → response with the same transaction', async () => {
    const f = makeFleet({ url: broker.url, deviceId: 'req1' });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    const r = await Recorder.connect(broker.url, ['linegate/req1/response/#']);
    await new Promise((res) => setTimeout(res, 100)); // the fleet's own subscription is in place
    await r.client.publishAsync(
      'linegate/req1/request/sms/send',
      JSON.stringify({ transaction: 'tx-42', to: '+15551234567', text: 'hello' }),
      { qos: 1 },
    );
    const resp = await r.waitFor(() => r.on('linegate/req1/response/sms/send')[0], 3000, 'response');
    assert.deepEqual(JSON.parse(resp.payload), {
      status: 'ok',
      data: { id: 'sms-1', status: 'sent', segments: 1 },
      transaction: 'tx-42',
    });
    assert.deepEqual(f.sentSms, [{ to: '+15551234567', text: 'hello' }]);

    // Bad payload, garbage and unknown methods answer with an error, never silence.
    await r.client.publishAsync(
      'linegate/req1/request/sms/send',
      JSON.stringify({ transaction: 7, to: 'x' }),
      { qos: 1 },
    );
    await r.client.publishAsync('linegate/req1/request/no/such', JSON.stringify({ transaction: 'u' }), {
      qos: 1,
    });
    await r.client.publishAsync('linegate/req1/request/config/get', '{not json', { qos: 1 });
    const bad = await r.waitFor(() => r.on('linegate/req1/response/sms/send')[1], 3000, 'bad response');
    assert.equal(JSON.parse(bad.payload).error.code, 'BAD_REQUEST');
    assert.equal(JSON.parse(bad.payload).transaction, 7);
    const unknown = await r.waitFor(
      () => r.on('linegate/req1/response/no/such')[0],
      3000,
      'unknown response',
    );
    assert.equal(JSON.parse(unknown.payload).error.code, 'NOT_FOUND');
    const garbled = await r.waitFor(
      () => r.on('linegate/req1/response/config/get')[0],
      3000,
      'garbled response',
    );
    assert.equal(JSON.parse(garbled.payload).error.code, 'BAD_REQUEST');
    assert.equal(f.sentSms.length, 1);
    await r.close();
    await f.stop();
  });

  test('remote commands disabled → FORBIDDEN response, handler not called', async () => {
    const f = makeFleet({ url: broker.url, deviceId: 'noremote', remoteCommands: false });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    const r = await Recorder.connect(broker.url, ['linegate/noremote/response/#']);
    await new Promise((res) => setTimeout(res, 100));
    await r.client.publishAsync(
      'linegate/noremote/request/sms/send',
      JSON.stringify({ transaction: 'x', to: '+1555', text: 'a' }),
      { qos: 1 },
    );
    const resp = await r.waitFor(() => r.on('linegate/noremote/response/sms/send')[0], 3000, 'response');
    assert.equal(JSON.parse(resp.payload).error.code, 'FORBIDDEN');
    assert.equal(JSON.parse(resp.payload).transaction, 'x');
    assert.equal(f.sentSms.length, 0);
    await r.close();
    await f.stop();
  });

  test('broker restart (retained store lost) → status and every state re-published within 5 s', async (t) => {
    const f = makeFleet({ url: broker.url, deviceId: 'restart1', homeAssistant: { enabled: true } });
    f.states.set('fxs1', { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false });
    f.states.set('gsm1', {
      kind: 'modem',
      online: true,
      sim: 'ready',
      registration: 'home',
      signalDbm: -75,
      smsQueueDepth: 0,
    });
    f.states.set('system', {
      kind: 'system',
      version: '0.1.0',
      uptimeS: 1,
      cpuPct: 2,
      memUsedPct: 30,
      diskUsedPct: 12,
    });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    await new Promise((res) => setTimeout(res, 200));
    const restartedAt = Date.now();
    await broker.restart();
    // The restarted broker (no persistence) holds nothing; wait until the fleet put it all back.
    const wanted = ['status', 'state/fxs1', 'state/gsm1', 'state/system'].map(
      (t) => `linegate/restart1/${t}`,
    );
    let r: Recorder | undefined;
    await waitUntil(() => f.fleet.connected && f.fleet.stats().connections === 2, 5000, 'reconnect');
    r = await Recorder.connect(broker.url, ['linegate/restart1/#', 'homeassistant/#']);
    await r.waitFor(
      () => wanted.every((t) => r!.on(t).some((m) => m.retain)),
      5000,
      'retained re-publication',
    );
    const elapsedMs = Date.now() - restartedAt;
    assert.ok(elapsedMs < 5000, `re-published after ${elapsedMs} ms`);
    t.diagnostic(`status and states re-published ${elapsedMs} ms after the broker restart`);
    const status = JSON.parse(r.on('linegate/restart1/status')[0]!.payload);
    assert.equal(status.state, 'online');
    assert.equal(status.connection, 2);
    const discovery = r.messages.filter(
      (m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'),
    );
    assert.ok(
      discovery.some((m) => m.topic.includes('gsm1_signal')),
      'discovery re-published',
    );
    for (const m of discovery)
      assert.deepEqual(
        validateDiscoveryConfig(m.topic.split('/')[1] as HaPlatform, JSON.parse(m.payload)),
        [],
      );
    await r.close();
    await f.stop();
  });

  test('homeassistant/status online → status, states and discovery re-published', async () => {
    const f = makeFleet({
      url: broker.url,
      deviceId: 'ha1',
      homeAssistant: { enabled: true, smsRecipients: ['+15550001'] },
    });
    f.states.set('gsm1', {
      kind: 'modem',
      online: true,
      sim: 'ready',
      registration: 'roaming',
      signalDbm: -90,
      smsQueueDepth: 2,
    });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    const r = await Recorder.connect(broker.url, ['linegate/ha1/#', 'homeassistant/+/linegate_ha1/#']);
    await r.waitFor(() => r.on('linegate/ha1/state/gsm1')[0], 3000, 'retained state');
    await new Promise((res) => setTimeout(res, 100));
    const before = r.messages.length;
    const published = f.fleet.stats().published;
    await r.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await r.waitFor(
      () => r.messages.slice(before).some((m) => m.topic === 'linegate/ha1/state/gsm1'),
      3000,
      'state again',
    );
    await r.waitFor(
      () =>
        r.messages
          .slice(before)
          .some((m) => m.topic === 'homeassistant/notify/linegate_ha1/sms__15550001/config'),
      3000,
      'notify discovery again',
    );
    const after = f.fleet.stats().published;
    assert.ok(after.status > published.status && after.discovery > published.discovery);
    // Home Assistant going offline triggers nothing.
    const n = r.messages.length;
    await r.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(r.messages.slice(n).filter((m) => m.topic.startsWith('linegate/ha1/state')).length, 0);
    await r.close();
    await f.stop();
  });

  test('SIGKILL of the daemon → retained offline within 1.5× keep-alive', async (t) => {
    const keepaliveS = 2;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./fleet-child.ts', import.meta.url)),
        broker.url,
        'killed1',
        String(keepaliveS),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitUntil(() => out.includes('connected'), 15_000, 'child connected');
      const r = await Recorder.connect(broker.url, ['linegate/killed1/status']);
      await r.waitFor(
        () => r.on('linegate/killed1/status').find((m) => JSON.parse(m.payload).state === 'online'),
        3000,
        'online',
      );
      const killedAt = Date.now();
      child.kill('SIGKILL');
      const off = await r.waitFor(
        () => r.on('linegate/killed1/status').find((m) => JSON.parse(m.payload).state === 'offline'),
        keepaliveS * 1500 + 500,
        'last will',
      );
      const afterMs = off.atMs - killedAt;
      assert.ok(afterMs <= keepaliveS * 1500, `offline after ${afterMs} ms`);
      t.diagnostic(`offline status ${afterMs} ms after SIGKILL (keep-alive ${keepaliveS} s)`);
      assert.equal(JSON.parse(off.payload).reason, 'connection lost');
      // And it stays retained for whoever looks later.
      const late = await Recorder.connect(broker.url, ['linegate/killed1/status']);
      const retained = await late.waitFor(
        () => late.on('linegate/killed1/status')[0],
        2000,
        'retained offline',
      );
      assert.equal(JSON.parse(retained.payload).state, 'offline');
      await late.close();
      await r.close();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
