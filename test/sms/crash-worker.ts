/**
 * Child process for the SIGKILL test: runs SmsService on a file Store with a
 * simulated SIM (a JSON file, as durable as a real SIM) and a simulated
 * network, and writes what left the box to append-only logs:
 *   sent.log      one line per PDU the modem accepted (what the network got)
 *   events.log    one line per sms_received event the "MQTT broker" accepted
 * argv: dataDir, messageCount, mode ("run" = keep going until killed, "finish" = exit when done)
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import { decodePdu } from '../../daemon/sms/pdu/decode.ts';
import { encodeDeliver } from '../../daemon/sms/pdu/encode.ts';
import { SmsService } from '../../daemon/sms/sms-service.ts';
import { Store } from '../../daemon/store/database.ts';
import { FakeGsmModem } from './fake-gsm-modem.ts';

const [dataDir = '', countText = '100', mode = 'run'] = process.argv.slice(2);
const count = Number(countText);
const simFile = join(dataDir, 'sim.json');
const sentLog = join(dataDir, 'sent.log');
const eventsLog = join(dataDir, 'events.log');

interface Sim {
  /** Next inbound message the network will deliver. */
  next: number;
  nextIndex: number;
  stored: { index: number; pdu: string }[];
}
const readSim = (): Sim =>
  existsSync(simFile)
    ? (JSON.parse(readFileSync(simFile, 'utf8')) as Sim)
    : { next: 0, nextIndex: 1, stored: [] };
const writeSim = (sim: Sim) => {
  writeFileSync(`${simFile}.tmp`, JSON.stringify(sim));
  renameSync(`${simFile}.tmp`, simFile);
};

/** Inbound message i: every fifth one is long (two segments). */
export function inboundText(i: number): string {
  return i % 5 === 0 ? `in-${i} ${'long '.repeat(40)}` : `in-${i}`;
}

const clock = new SystemClock();
const store = Store.open({ dataDir, logger: silentLogger(), clock, checkpointIntervalMs: 0 });
const modem = new FakeGsmModem('gsm1', () => clock.now());
let ref = 0;
modem.onSend = (pdus) => {
  for (const pdu of pdus) appendFileSync(sentLog, `${decodePdu(pdu).text}\n`);
  return pdus.map(() => ref++ & 0xff);
};
modem.onDelete = (_storage, index) => {
  const sim = readSim();
  sim.stored = sim.stored.filter((s) => s.index !== index);
  writeSim(sim);
};
const sms = new SmsService({
  store,
  clock,
  logger: silentLogger(),
  modems: new Map<string, GsmModem>([['gsm1', modem]]),
  options: { paceMs: 0, routes: { event: true }, reassemblyTimeoutMs: 60_000 },
  onEvent: (type, payload) => {
    if (type === 'sms_received')
      appendFileSync(eventsLog, `${payload.id} ${String(payload.text).split(' ')[0]}\n`);
  },
});
await sms.start(new AbortController().signal);

// The client re-submits every request until it has an answer: same keys every start.
for (let i = 0; i < count; i++) sms.send({ to: '+15550000', text: `out-${i}`, idempotencyKey: `out-${i}` });

// Like the supervisor on start: deliver what the SIM still holds.
for (const s of readSim().stored)
  modem.deliver({ pdu: s.pdu, storage: 'SM', index: s.index, statusReport: false });

process.stdout.write('ready\n');

// The network delivers the remaining inbound messages: onto the SIM first, then +CMTI.
const timer = setInterval(() => {
  const sim = readSim();
  if (sim.next >= count) return;
  const i = sim.next;
  const pdus = encodeDeliver({
    from: '+15551111',
    text: inboundText(i),
    timeMs: i * 1000,
    concatRef: i & 0xff,
  }).pdus;
  const entries = pdus.map((pdu) => ({ index: sim.nextIndex++, pdu }));
  sim.stored.push(...entries);
  sim.next = i + 1;
  writeSim(sim);
  for (const e of entries) modem.deliver({ pdu: e.pdu, storage: 'SM', index: e.index, statusReport: false });
}, 1);

if (mode === 'finish') {
  const done = setInterval(() => {
    const outDone = store.db
      .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sms_out WHERE status = 'sent'")
      .get()!.n;
    const routed = store.db
      .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sms_route WHERE state = 'delivered'")
      .get()!.n;
    const sim = readSim();
    if (outDone >= count && routed >= count && sim.next >= count && sim.stored.length === 0) {
      clearInterval(done);
      clearInterval(timer);
      void sms.idle().then(async () => {
        await sms.stop();
        store.close();
        process.exit(0);
      });
    }
  }, 20);
}
