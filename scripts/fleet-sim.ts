/**
 * Fleet simulation: N simulated daemons (in-process MqttFleet instances,
 * each with its own device id and its own SQLite data dir) against one
 * mosquitto, driven by a busy gateway's workload. Reports message rates,
 * payload sizes, a back-end consumer's view and the broker's CPU and memory
 * (from /proc/<pid>/stat and /proc/<pid>/status), plus a reconnect storm
 * after a broker restart.
 *
 *   node --import tsx scripts/fleet-sim.ts [--clients 50] [--seconds 60] [--speed 1] [--url mqtt://... --broker-pid PID]
 *
 * Without --url it starts its own mosquitto on 127.0.0.1 with a free port.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { SystemClock } from '../drivers/base/clock.ts';
import { silentLogger } from '../drivers/base/logger.ts';
import type { ComponentState } from '../daemon/api/state.ts';
import { Mosquitto } from '../test/fleet/mosquitto.ts';
import { type FleetFixture, makeFleet, waitUntil } from '../test/fleet/fleet-fixture.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    url: { type: 'string' },
    'broker-pid': { type: 'string' },
    'heartbeat-s': { type: 'string', default: '30' },
    /** Multiplies every workload rate (stress runs measure the broker's cost per message more precisely). */
    speed: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: fleet-sim [--clients N] [--seconds S] [--heartbeat-s S] [--speed X] [--url URL --broker-pid PID]\n',
  );
  process.exit(0);
}
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const heartbeatS = Number(values['heartbeat-s']);
const speed = Number(values.speed);

/** Per simulated box: a busy gateway (accelerated so a short run sees every kind of message). */
const WORKLOAD = {
  callsPerMin: 2,
  smsPerMin: 2,
  systemStateEveryS: 10,
  signalEveryS: 20,
};

const CLK_TCK = 100; // Linux USER_HZ on every architecture we ship

function brokerSample(pid: number): { cpuS: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssKb: Number(rss?.[1] ?? 0) };
}

function initialStates(i: number): Record<string, ComponentState> {
  return {
    fxs1: { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false, number: '201' },
    fxs2: { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false, number: '202' },
    fxo1: { kind: 'fxo', hook: 'on', ringing: false, inCall: false, failed: false },
    gsm1: {
      kind: 'modem',
      online: true,
      sim: 'ready',
      registration: 'home',
      operator: 'Sim Mobile',
      technology: 'lte',
      signalDbm: -70 - (i % 20),
      smsQueueDepth: 0,
      model: 'EC25',
    },
    'sip-trunk1': { kind: 'sip', registered: true, registrar: 'sip.example.net', expiresS: 3600 },
    system: {
      kind: 'system',
      version: '0.1.0',
      uptimeS: 0,
      cpuPct: 4,
      memUsedPct: 31,
      diskUsedPct: 18,
      temperatureC: 47.5,
      loadAvg1: 0.1,
      network: { iface: 'eth0', ip4: `10.0.${i >> 8}.${i & 255}` },
    },
    calls: { kind: 'calls', active: [] },
  };
}

function drive(f: FleetFixture, i: number): () => void {
  const timers: NodeJS.Timeout[] = [];
  const every = (periodMs: number, fn: () => void) => {
    const ms = periodMs / speed;
    const start = setTimeout(() => {
      fn();
      timers.push(setInterval(fn, ms));
    }, Math.random() * ms);
    timers.push(start);
  };
  let n = 0;
  const t0 = Date.now();
  every(WORKLOAD.systemStateEveryS * 1000, () =>
    f.states.update('system', 'system', {
      uptimeS: Math.round((Date.now() - t0) / 1000),
      cpuPct: Math.round(Math.random() * 300) / 10,
    }),
  );
  every(WORKLOAD.signalEveryS * 1000, () =>
    f.states.update('gsm1', 'modem', { signalDbm: -60 - Math.round(Math.random() * 40) }),
  );
  every(60_000 / WORKLOAD.smsPerMin, () => {
    const now = Date.now();
    f.bus.publish('sms_received', {
      time: now,
      id: `${i}-sms-${++n}`,
      modem: 'gsm1',
      from: '+15550100',
      text: 'Your verification code is 482913. Do not share it.',
      segments: 1,
    });
  });
  every(60_000 / WORKLOAD.callsPerMin, () => {
    const callId = `${i}-call-${++n}`;
    const startedAt = Date.now();
    const call = {
      callId,
      direction: 'inbound' as const,
      from: '+15550123',
      to: '201',
      endpoints: ['sip-trunk1', 'fxs1'],
    };
    f.bus.publish('call_started', { time: startedAt, ...call });
    f.states.update('fxs1', 'fxs', { ringing: true });
    f.states.set('calls', { kind: 'calls', active: [{ ...call, startedAt, answered: false }] });
    const answer = setTimeout(() => {
      f.states.update('fxs1', 'fxs', { ringing: false, hook: 'off', inCall: true });
      f.states.set('calls', {
        kind: 'calls',
        active: [{ ...call, startedAt, answered: true, quality: { mos: 4.3, jitterMs: 4, lossPct: 0.1 } }],
      });
    }, 3000 / speed);
    const hangup = setTimeout(() => {
      f.states.update('fxs1', 'fxs', { hook: 'on', inCall: false });
      f.states.set('calls', { kind: 'calls', active: [] });
      f.bus.publish('call_ended', {
        time: Date.now(),
        ...call,
        reason: 'normal',
        durationS: 15,
        billableS: 12,
        quality: { mos: 4.3, jitterMs: 4, lossPct: 0.1 },
      });
    }, 15_000 / speed);
    timers.push(answer, hangup);
  });
  return () => {
    for (const t of timers) {
      clearTimeout(t);
      clearInterval(t);
    }
  };
}

/** Waits until a counter stopped moving for 500 ms (messages in flight have arrived). */
async function settle(counter: () => number): Promise<void> {
  let last = -1;
  while (counter() !== last) {
    last = counter();
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const ownBroker = values.url ? undefined : await Mosquitto.start();
  const url = values.url ?? ownBroker!.url;
  const brokerPid = values['broker-pid'] ? Number(values['broker-pid']) : ownBroker?.pid;
  const dataRoot = mkdtempSync(join(tmpdir(), 'linegate-fleet-sim-'));
  const clock = new SystemClock();
  const logger = silentLogger();

  // The back-end consumer: one subscriber on everything, as a fleet dashboard would be.
  const consumer = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'fleet-sim-consumer' });
  const seen = { messages: 0, bytes: 0, byKind: new Map<string, { n: number; bytes: number }>() };
  consumer.on('message', (topic, payload) => {
    seen.messages++;
    seen.bytes += payload.length;
    const kind = topic.startsWith('homeassistant/') ? 'discovery' : (topic.split('/')[2] ?? '?');
    const k = seen.byKind.get(kind) ?? { n: 0, bytes: 0 };
    k.n++;
    k.bytes += payload.length;
    seen.byKind.set(kind, k);
  });
  await consumer.subscribeAsync(['linegate/#', 'homeassistant/#'], { qos: 1 });

  const b0 = brokerPid ? brokerSample(brokerPid) : undefined;
  const connectStart = Date.now();
  const fleets: FleetFixture[] = [];
  for (let i = 0; i < clients; i++) {
    const f = makeFleet(
      {
        url,
        deviceId: `sim${String(i).padStart(5, '0')}`,
        keepaliveS: 30,
        heartbeatS,
        reconnectPeriodMs: 1000,
        homeAssistant: { enabled: true },
      },
      { clock, logger, dataDir: join(dataRoot, `box${i}`) },
    );
    for (const [id, s] of Object.entries(initialStates(i))) f.states.set(id, s);
    fleets.push(f);
  }
  await Promise.all(fleets.map((f) => f.start()));
  await waitUntil(() => fleets.every((f) => f.fleet.connected), 30_000, 'all connected');
  const connectMs = Date.now() - connectStart;
  await settle(() => seen.messages);
  const birthMessages = seen.messages;
  const birthBytes = seen.bytes;
  const bBirth = brokerPid ? brokerSample(brokerPid) : undefined;

  const stops = fleets.map((f, i) => drive(f, i));
  const runStart = Date.now();
  const seenAtStart = { messages: seen.messages, bytes: seen.bytes };
  const b1 = brokerPid ? brokerSample(brokerPid) : undefined;
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const runS = (Date.now() - runStart) / 1000;
  const b2 = brokerPid ? brokerSample(brokerPid) : undefined;
  const simCpu = process.cpuUsage(cpu0);
  const steady = { messages: seen.messages - seenAtStart.messages, bytes: seen.bytes - seenAtStart.bytes };
  const payloadSizes = Object.fromEntries(
    [...seen.byKind.entries()].map(([k, v]) => [
      k,
      { messages: v.n, meanPayloadBytes: Math.round(v.bytes / v.n) },
    ]),
  );

  // Reconnect storm: restart the broker (retained store lost) and time the full re-publication.
  let storm: Record<string, number> | undefined;
  if (ownBroker) {
    const connectionsBefore = fleets.map((f) => f.fleet.stats().connections);
    await ownBroker.restart();
    const s0 = brokerSample(ownBroker.pid!);
    const t0 = Date.now();
    await waitUntil(
      () => fleets.every((f, i) => f.fleet.stats().connections > connectionsBefore[i]!),
      30_000,
      'all reconnected',
    );
    const republishMs = Date.now() - t0;
    // The workload keeps running, so wait a fixed second for the re-publication to land.
    await new Promise((r) => setTimeout(r, 1000));
    const s1 = brokerSample(ownBroker.pid!);
    storm = {
      reconnectAllMs: republishMs,
      brokerCpuS: Math.round((s1.cpuS - s0.cpuS) * 100) / 100,
      brokerRssKb: s1.rssKb,
    };
  }

  for (const stop of stops) stop();
  const totals = { status: 0, state: 0, event: 0, discovery: 0, response: 0, bytes: 0 };
  for (const f of fleets) {
    const s = f.fleet.stats();
    for (const k of Object.keys(s.published) as (keyof typeof s.published)[]) totals[k] += s.published[k];
    totals.bytes += s.bytesPublished;
  }
  await Promise.all(fleets.map((f) => f.stop()));
  await consumer.endAsync();
  if (ownBroker) await ownBroker.stop();
  rmSync(dataRoot, { recursive: true, force: true });

  const brokerCpuPct = b1 && b2 ? Math.round(((b2.cpuS - b1.cpuS) / runS) * 1000) / 10 : undefined;
  const result = {
    clients,
    runS: Math.round(runS),
    workloadPerBox: WORKLOAD,
    speed,
    heartbeatS,
    connectAllMs: connectMs,
    birth: {
      messagesPerBox: Math.round(birthMessages / clients),
      bytesPerBox: Math.round(birthBytes / clients),
      brokerCpuS: b0 && bBirth ? Math.round((bBirth.cpuS - b0.cpuS) * 100) / 100 : undefined,
    },
    steady: {
      messagesPerS: Math.round((steady.messages / runS) * 10) / 10,
      messagesPerBoxPerMin: Math.round((steady.messages / runS / clients) * 60 * 10) / 10,
      bytesPerS: Math.round(steady.bytes / runS),
      bytesPerBoxPerMin: Math.round((steady.bytes / runS / clients) * 60),
    },
    payloadSizes,
    publishedByFleets: totals,
    broker:
      b2 && brokerCpuPct !== undefined
        ? {
            cpuPctOfOneCore: brokerCpuPct,
            cpuMsPer1000Messages: Math.round(
              ((b2.cpuS - b1!.cpuS) * 1000 * 1000) / Math.max(1, steady.messages),
            ),
            rssKbBefore: b0?.rssKb,
            rssKbAfter: b2.rssKb,
          }
        : 'not measured (pass --broker-pid)',
    reconnectStorm: storm,
    simulatorCpuPct: Math.round(((simCpu.user + simCpu.system) / 1e6 / runS) * 1000) / 10,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet-sim failed: ${String(err)}\n`);
  process.exit(1);
});
