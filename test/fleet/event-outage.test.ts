/**
 * 1000 events raised while the broker is down reach a subscriber, all of
 * them and in order, once it is back. The subscriber keeps a persistent
 * session on a persistent mosquitto so it misses nothing across the restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Recorder, makeFleet, waitUntil } from './fleet-fixture.ts';
import { Mosquitto, freePort, mosquittoAvailable } from './mosquitto.ts';

test('1000 events during a broker outage → all delivered in order after reconnect', async (t) => {
  if (!mosquittoAvailable()) {
    t.skip('mosquitto not installed (apt-get install mosquitto)');
    return;
  }
  const broker = await Mosquitto.start({ persistence: true, maxQueuedMessages: 5000 });
  const f = makeFleet({ url: broker.url, deviceId: 'outage1', outboxMaxEvents: 5000 });
  let sub: Recorder | undefined;
  try {
    sub = await Recorder.connect(broker.url, ['linegate/outage1/event/#'], {
      clientId: 'outage-consumer',
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    });
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    // A few events before the outage go straight through.
    for (let i = 0; i < 5; i++)
      f.bus.publish('alarm', { time: i, alarm: 'test', severity: 'info', active: true, message: `pre ${i}` });
    await sub.waitFor(() => sub!.messages.length === 5, 3000, 'pre-outage events');

    await broker.halt();
    await waitUntil(() => !f.fleet.connected, 3000, 'disconnect seen');
    const total = 1000;
    for (let i = 0; i < total; i++) {
      f.bus.publish('sms_received', {
        time: i,
        id: `sms-${i}`,
        modem: 'gsm1',
        from: '+15550100',
        text: `message ${i}`,
        segments: 1,
      });
    }
    assert.equal(f.fleet.stats().outboxDepth, total, 'all kept in the outbox');
    await broker.resume();
    // QoS 1 allows a redelivered pre-outage alarm; only the SMS events are counted.
    const smsIds = () =>
      sub!.messages
        .filter((m) => m.topic === 'linegate/outage1/event/sms_received')
        .map((m) => JSON.parse(m.payload).id as string);
    await sub.waitFor(() => new Set(smsIds()).size >= total, 15_000, 'all events after reconnect');
    const got = smsIds();
    const unique = [...new Set(got)];
    assert.equal(unique.length, total, 'none missing');
    assert.deepEqual(
      unique,
      Array.from({ length: total }, (_, i) => `sms-${i}`),
      'in order',
    );
    assert.ok(
      got.every((id, i) => i === 0 || Number(id.slice(4)) >= Number(got[i - 1]!.slice(4))),
      'no reordering even with redelivery',
    );
    await waitUntil(() => f.fleet.stats().outboxDepth === 0, 5000, 'outbox emptied by PUBACKs');
    assert.equal(f.fleet.stats().outboxDropped, 0);
  } finally {
    await sub?.close();
    await f.stop();
    await broker.stop();
  }
});

test('outbox overflow during an outage drops the oldest and counts them', async (t) => {
  if (!mosquittoAvailable()) {
    t.skip('mosquitto not installed (apt-get install mosquitto)');
    return;
  }
  const broker = await Mosquitto.start();
  const f = makeFleet({ url: broker.url, deviceId: 'overflow1', outboxMaxEvents: 100 });
  try {
    await f.start();
    await waitUntil(() => f.fleet.connected, 5000, 'connect');
    await broker.halt();
    await waitUntil(() => !f.fleet.connected, 3000, 'disconnect seen');
    for (let i = 0; i < 250; i++)
      f.bus.publish('alarm', {
        time: i,
        alarm: 'disk_low',
        severity: 'warning',
        active: true,
        message: String(i),
      });
    const stats = f.fleet.stats();
    assert.equal(stats.outboxDepth, 100);
    assert.equal(stats.outboxDropped, 150);
    const oldest = f.store.db
      .prepare<[], { payload: string }>('SELECT payload FROM fleet_outbox ORDER BY id LIMIT 1')
      .get();
    assert.equal(JSON.parse(oldest!.payload).message, '150', 'the oldest were the ones dropped');
    await broker.resume();
    await waitUntil(() => f.fleet.stats().outboxDepth === 0, 5000, 'outbox emptied');
  } finally {
    await f.stop();
    await broker.stop();
  }
});

test('events raised while the broker is unreachable survive a daemon restart (SQLite outbox)', async (t) => {
  if (!mosquittoAvailable()) {
    t.skip('mosquitto not installed (apt-get install mosquitto)');
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'linegate-fleet-outbox-'));
  const deadUrl = `mqtt://127.0.0.1:${await freePort()}`;
  const first = makeFleet({ url: deadUrl, deviceId: 'persist1' }, { dataDir });
  await first.start();
  for (let i = 0; i < 20; i++)
    first.bus.publish('call_ended', {
      time: i,
      callId: `c${i}`,
      direction: 'inbound',
      from: '1',
      to: '2',
      reason: 'normal',
      durationS: 1,
      billableS: 1,
    });
  assert.equal(first.fleet.stats().outboxDepth, 20);
  await first.stop();

  const broker = await Mosquitto.start();
  const sub = await Recorder.connect(broker.url, ['linegate/persist1/#']);
  const second = makeFleet({ url: broker.url, deviceId: 'persist1' }, { dataDir });
  try {
    await second.start();
    const events = () => sub.messages.filter((m) => m.topic === 'linegate/persist1/event/call_ended');
    await sub.waitFor(() => events().length >= 20, 5000, 'events from the previous run');
    assert.deepEqual(
      events().map((m) => JSON.parse(m.payload).callId),
      Array.from({ length: 20 }, (_, i) => `c${i}`),
    );
    const status = sub.messages.find((m) => m.topic === 'linegate/persist1/status');
    assert.equal(JSON.parse(status!.payload).session, 2, 'the session counter counts daemon starts');
  } finally {
    await sub.close();
    await second.stop();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
