import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { IClientOptions, MqttClient } from 'mqtt';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { GatewayEventBus } from '../api/events.ts';
import { RequestRouter } from '../api/requests.ts';
import { StateRegistry } from '../api/state.ts';
import { Store } from '../store/database.ts';
import { MetricsRegistry } from './metrics.ts';
import { MqttFleet, redactUrl } from './mqtt-fleet.ts';

/** Just enough of mqtt.js's client: records publications, acks on demand. */
class FakeClient extends EventEmitter {
  options: IClientOptions | undefined;
  published: { topic: string; payload: string; retain: boolean; cb: ((err?: Error) => void) | undefined }[] =
    [];
  autoAck = true;
  publish(topic: string, payload: string, opts: { retain?: boolean }, cb?: (err?: Error) => void): this {
    this.published.push({ topic, payload, retain: opts.retain ?? false, cb });
    if (this.autoAck) cb?.();
    return this;
  }
  subscribe(_topics: unknown, cb?: (err: Error | null) => void): this {
    cb?.(null);
    return this;
  }
  reconnects: number[] = [];
  clockForReconnects: FakeClock | undefined;
  reconnect(): this {
    this.reconnects.push(this.clockForReconnects?.now() ?? 0);
    return this;
  }
  async endAsync(): Promise<void> {}
  topics(prefix: string): string[] {
    return this.published.filter((p) => p.topic.startsWith(prefix)).map((p) => p.topic);
  }
}

function setup(overrides: Partial<ConstructorParameters<typeof MqttFleet>[0]> = {}) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const client = new FakeClient();
  client.clockForReconnects = clock;
  const states = new StateRegistry();
  const bus = new GatewayEventBus();
  const store = Store.open({ dataDir: ':memory:', logger, clock });
  const fleet = new MqttFleet({
    url: 'mqtt://user:hunter2@broker.example:1883',
    deviceId: 'box1',
    remoteCommands: true,
    version: '1.2.3',
    stateMinIntervalMs: 1000,
    heartbeatS: 60,
    clock,
    logger,
    store,
    bus,
    states,
    router: new RequestRouter({ clock, logger }),
    connect: (_url, options) => {
      client.options = options;
      return client as unknown as MqttClient;
    },
    ...overrides,
  });
  return { clock, client, states, bus, store, fleet };
}

const port = { kind: 'fxs' as const, hook: 'on' as const, ringing: false, inCall: false, failed: false };

test('the client is configured with a retained offline will, keep-alive and credentials', async () => {
  const { client, fleet } = setup({ keepaliveS: 7, username: 'u', password: 'p', baseTopic: 'acme' });
  await fleet.start(new AbortController().signal);
  const o = client.options!;
  assert.equal(o.keepalive, 7);
  assert.equal(o.protocolVersion, 5);
  assert.equal(o.will?.topic, 'acme/box1/status');
  assert.equal(o.will?.retain, true);
  assert.equal(o.will?.qos, 1);
  assert.deepEqual(JSON.parse(String(o.will?.payload)), {
    state: 'offline',
    version: '1.2.3',
    session: 1,
    reason: 'connection lost',
  });
  assert.equal(o.username, 'u');
  assert.equal(fleet.topicRoot, 'acme/box1');
  await fleet.stop();
});

test('bad device ids and base topics are refused at start', async () => {
  await assert.rejects(setup({ deviceId: 'a/b' }).fleet.start(new AbortController().signal), /deviceId/);
  await assert.rejects(setup({ baseTopic: 'x/#' }).fleet.start(new AbortController().signal), /baseTopic/);
});

test('state changes are published at most once per minimum interval, newest wins', async () => {
  const { clock, client, states, fleet } = setup();
  states.set('fxs1', port);
  await fleet.start(new AbortController().signal);
  client.emit('connect');
  assert.deepEqual(client.topics('linegate/box1/state/'), ['linegate/box1/state/fxs1']);
  clock.advance(1000);
  states.set('fxs1', { ...port, hook: 'off' });
  assert.equal(client.topics('linegate/box1/state/').length, 2, 'after the interval: immediate');
  clock.advance(100);
  states.set('fxs1', { ...port, hook: 'off', ringing: true });
  states.set('fxs1', { ...port, hook: 'off', inCall: true });
  assert.equal(client.topics('linegate/box1/state/').length, 2, 'within the interval: held back');
  clock.advance(899);
  assert.equal(client.topics('linegate/box1/state/').length, 2);
  clock.advance(1);
  const all = client.published.filter((p) => p.topic === 'linegate/box1/state/fxs1');
  assert.equal(all.length, 3, 'one coalesced publication');
  assert.equal(JSON.parse(all[2]!.payload).inCall, true);
  assert.ok(all.every((p) => p.retain));
  await fleet.stop();
  assert.equal(clock.pendingTimers, 0, 'stop clears every timer');
});

test('heartbeat re-publishes status and every state; nothing is published while offline', async () => {
  const { clock, client, states, fleet } = setup();
  states.set('fxs1', port);
  states.set('gsm1', { kind: 'modem', online: true, sim: 'ready', registration: 'home', smsQueueDepth: 0 });
  await fleet.start(new AbortController().signal);
  client.emit('connect');
  const n = client.published.length;
  clock.advance(60_000);
  assert.deepEqual(
    client.published
      .slice(n)
      .map((p) => p.topic)
      .sort(),
    ['linegate/box1/state/fxs1', 'linegate/box1/state/gsm1', 'linegate/box1/status'],
  );
  const status = JSON.parse(client.published.find((p) => p.topic === 'linegate/box1/status')!.payload);
  assert.equal(status.state, 'online');
  client.emit('close');
  const m = client.published.length;
  clock.advance(60_000);
  states.set('fxs1', { ...port, failed: true });
  assert.equal(client.published.length, m);
  client.emit('connect');
  const again = client.published.slice(m);
  assert.ok(
    again.some((p) => p.topic === 'linegate/box1/state/fxs1' && JSON.parse(p.payload).failed === true),
    'newest state after reconnect',
  );
  assert.equal(JSON.parse(again.find((p) => p.topic === 'linegate/box1/status')!.payload).connection, 2);
  await fleet.stop();
});

test('reconnect: backoff doubles with jitter up to the maximum, resets after a connect, stops with stop()', async () => {
  const { clock, client, fleet } = setup({ reconnectPeriodMs: 1000, reconnectMaxMs: 8000 });
  await fleet.start(new AbortController().signal);
  assert.equal(client.options?.reconnectPeriod, 0, 'mqtt.js does not reconnect on its own');
  const gaps: number[] = [];
  let last = clock.now();
  for (let i = 0; i < 6; i++) {
    client.emit('close');
    const before = client.reconnects.length;
    while (client.reconnects.length === before) clock.advance(10);
    gaps.push(client.reconnects.at(-1)! - last);
    last = client.reconnects.at(-1)!;
  }
  const ceilings = [1000, 2000, 4000, 8000, 8000, 8000];
  for (const [i, g] of gaps.entries())
    assert.ok(g >= ceilings[i]! * 0.5 - 10 && g <= ceilings[i]! + 10, `gap ${i} = ${g}`);
  client.emit('connect');
  client.emit('close');
  const before = client.reconnects.length;
  clock.advance(1010);
  assert.equal(client.reconnects.length, before + 1, 'back to the first delay after a successful connect');
  client.emit('close');
  await fleet.stop();
  clock.advance(60_000);
  assert.equal(client.reconnects.length, before + 1, 'no reconnect after stop');
  assert.equal(clock.pendingTimers, 0);
});

test('a removed component clears its retained state', async () => {
  const { client, states, fleet } = setup();
  states.set('fxo1', { ...port, kind: 'fxo' });
  await fleet.start(new AbortController().signal);
  client.emit('connect');
  states.delete('fxo1');
  const last = client.published.at(-1)!;
  assert.equal(last.topic, 'linegate/box1/state/fxo1');
  assert.equal(last.payload, '');
  assert.equal(last.retain, true);
  await fleet.stop();
});

test('events stay in the outbox until acknowledged; the window bounds what is in flight', async () => {
  const { client, bus, fleet } = setup({ outboxWindow: 3 });
  client.autoAck = false;
  await fleet.start(new AbortController().signal);
  client.emit('connect');
  for (let i = 0; i < 5; i++) bus.publish('modem_lost', { time: i, modem: 'gsm1', reason: String(i) });
  const events = () => client.published.filter((p) => p.topic === 'linegate/box1/event/modem_lost');
  assert.equal(events().length, 3);
  assert.equal(fleet.stats().outboxDepth, 5);
  events()[0]!.cb!();
  assert.equal(events().length, 4);
  assert.equal(fleet.stats().outboxDepth, 4);
  for (const e of events().slice(1)) e.cb!();
  events()[4]!.cb!();
  assert.deepEqual(
    events().map((e) => JSON.parse(e.payload).reason),
    ['0', '1', '2', '3', '4'],
  );
  assert.equal(fleet.stats().outboxDepth, 0);
  client.autoAck = true; // stop() waits (bounded by the clock) for the offline status's PUBACK
  await fleet.stop();
});

test('metrics and health report the connection and the outbox', async () => {
  const metrics = new MetricsRegistry();
  const { client, bus, fleet } = setup({ metrics });
  await fleet.start(new AbortController().signal);
  assert.equal(fleet.health().status, 'degraded');
  bus.publish('alarm', {
    time: 0,
    alarm: 'disk_low',
    severity: 'warning',
    active: true,
    message: 'disk 95%',
  });
  assert.match(metrics.render(), /linegate_mqtt_outbox_events 1\n/);
  client.emit('connect');
  assert.equal(fleet.health().status, 'ok');
  const text = metrics.render();
  assert.match(text, /linegate_mqtt_connected 1\n/);
  assert.match(text, /linegate_mqtt_published_messages_total\{kind="event"\} 1\n/);
  await fleet.stop();
  assert.doesNotMatch(metrics.render(), /linegate_mqtt_connected/);
});

test('credentials in the broker URL never reach a log line', () => {
  assert.equal(redactUrl('mqtts://alice:s3cret@broker:8883'), 'mqtts://***:***@broker:8883');
  assert.equal(redactUrl('mqtt://broker:1883'), 'mqtt://broker:1883');
});
