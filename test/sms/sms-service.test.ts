import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import { encodeDeliver, encodeStatusReport } from '../../daemon/sms/pdu/encode.ts';
import type { InboundSms } from '../../daemon/sms/routes/inbound-message.ts';
import { type SmsServiceOptions, SmsService, type SmsEventType } from '../../daemon/sms/sms-service.ts';
import { Store } from '../../daemon/store/database.ts';
import { FakeGsmModem } from './fake-gsm-modem.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  clock: FakeClock;
  store: Store;
  modems: Map<string, FakeGsmModem>;
  sms: SmsService;
  events: { type: SmsEventType; payload: Record<string, unknown> }[];
  sip: InboundSms[];
}

async function harness(
  options: SmsServiceOptions = {},
  extra: { modemIds?: string[]; dataDir?: string; clock?: FakeClock; sipFails?: () => boolean } = {},
): Promise<Harness> {
  const clock = extra.clock ?? new FakeClock();
  const store = Store.open({
    dataDir: extra.dataDir ?? ':memory:',
    logger: silentLogger(),
    clock,
    checkpointIntervalMs: 0,
  });
  const modems = new Map<string, FakeGsmModem>();
  for (const id of extra.modemIds ?? ['gsm1']) modems.set(id, new FakeGsmModem(id, () => clock.now()));
  const events: Harness['events'] = [];
  const sip: InboundSms[] = [];
  const sms = new SmsService({
    store,
    clock,
    logger: silentLogger(),
    modems: modems as ReadonlyMap<string, GsmModem>,
    options: { sweepIntervalMs: 1000, ...options },
    onEvent: (type, payload) => {
      events.push({ type, payload });
    },
    sipMessage: async (m) => {
      if (extra.sipFails?.()) throw new Error('SIP 480');
      sip.push(m);
    },
  });
  await sms.start(new AbortController().signal);
  cleanups.push(async () => {
    await sms.stop();
    store.close();
  });
  return { clock, store, modems, sms, events, sip };
}

const settle = async (clock: FakeClock, ms = 0, stepMs = Math.max(1, Math.min(100, Math.floor(ms / 20)))) => {
  await clock.advanceAsync(Math.max(ms, 1), stepMs);
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('outbound', () => {
  test('validation: empty, over-long, bad number, unknown modem', async () => {
    const h = await harness({ maxSegments: 2 });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isLinegateError(err) ? err.code : 'other';
      }
      return 'none';
    };
    assert.equal(
      codeOf(() => h.sms.send({ to: '+4917', text: '' })),
      'SMS_INVALID',
    );
    assert.equal(
      codeOf(() => h.sms.send({ to: '+4917', text: 'x'.repeat(307) })),
      'SMS_INVALID',
    );
    assert.equal(
      codeOf(() => h.sms.send({ to: '+4917', text: 'x'.repeat(306) })),
      'none',
    );
    assert.equal(
      codeOf(() => h.sms.send({ to: 'call me', text: 'x' })),
      'SMS_INVALID',
    );
    assert.equal(
      codeOf(() => h.sms.send({ to: '+4917', text: 'x', modem: 'gsm9' })),
      'NOT_FOUND',
    );
  });

  test('idempotent send returns the same id and queues once', async () => {
    const h = await harness();
    const a = h.sms.send({ to: '+49171234567', text: 'hello', idempotencyKey: 'k1' });
    const b = h.sms.send({ to: '+49171234567', text: 'hello', idempotencyKey: 'k1' });
    assert.equal(a.id, b.id);
    assert.deepEqual(a, { id: a.id, status: 'queued', segments: 1 });
    await settle(h.clock, 10);
    assert.equal(h.modems.get('gsm1')!.sent.length, 1);
    const c = h.sms.send({ to: '+49171234567', text: 'hello', idempotencyKey: 'k1' });
    assert.deepEqual(c, { id: a.id, status: 'sent', segments: 1 });
    assert.equal(h.sms.list({ direction: 'out' }).items.length, 1);
    assert.equal(h.events.filter((e) => e.type === 'sms_sent').length, 1);
  });

  test('pacing: one message per 6 s per SIM by default, segments count', async () => {
    const h = await harness();
    h.sms.send({ to: '+1555', text: 'one' });
    h.sms.send({ to: '+1555', text: 'two' });
    h.sms.send({ to: '+1555', text: 'x'.repeat(200) }); // 2 segments
    h.sms.send({ to: '+1555', text: 'four' });
    await settle(h.clock, 30_000);
    const times = h.modems.get('gsm1')!.sent.map((s) => s.atMs);
    assert.deepEqual(times, [0, 6000, 12000, 24000]);
  });

  test('round robin across modems, each paced on its own', async () => {
    const h = await harness({ paceMs: 1000 }, { modemIds: ['gsm1', 'gsm2'] });
    for (let i = 0; i < 4; i++) h.sms.send({ to: '+1555', text: `m${i}` });
    await settle(h.clock, 1500);
    assert.deepEqual(
      [h.modems.get('gsm1')!.sent.map((s) => s.atMs), h.modems.get('gsm2')!.sent.map((s) => s.atMs)],
      [
        [0, 1000],
        [0, 1000],
      ],
    );
  });

  test('prefix selection and a modem without network waits', async () => {
    const h = await harness(
      { paceMs: 0, selection: 'prefix', prefixRoutes: [{ prefix: '+49', modem: 'gsm2' }] },
      { modemIds: ['gsm1', 'gsm2'] },
    );
    h.modems.get('gsm2')!.setRegistration('searching');
    const { id } = h.sms.send({ to: '+491711', text: 'de' });
    await settle(h.clock, 100);
    assert.equal(h.sms.get(id)!.status, 'queued');
    h.modems.get('gsm2')!.setRegistration('home');
    await settle(h.clock, 100);
    assert.equal(h.sms.get(id)!.status, 'sent');
    assert.equal(h.sms.get(id)!.modem, 'gsm2');
    assert.equal(h.modems.get('gsm1')!.sent.length, 0);
  });

  test('retries retryable +CMS errors with back-off, fails at once on permanent ones', async () => {
    const h = await harness({ paceMs: 0, sendRetry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 4 } });
    const modem = h.modems.get('gsm1')!;
    let calls = 0;
    modem.onSend = () => {
      calls++;
      if (calls <= 2) throw new Error('+CMS ERROR: 42');
      return [9];
    };
    const a = h.sms.send({ to: '+1555', text: 'retry me' });
    await settle(h.clock, 10_000);
    // Back-off doubles from the failure: 1 s, then 2 s (fake-time steps of 100 ms).
    const t = modem.sent.map((s) => s.atMs);
    assert.equal(t.length, 3);
    assert.ok(t[1]! - t[0]! >= 1000 && t[1]! - t[0]! <= 1100, `first gap ${t[1]! - t[0]!}`);
    assert.ok(t[2]! - t[1]! >= 2000 && t[2]! - t[1]! <= 2100, `second gap ${t[2]! - t[1]!}`);
    assert.equal(h.sms.get(a.id)!.status, 'sent');
    assert.equal(h.sms.get(a.id)!.attempts, 3);

    modem.onSend = () => {
      throw new Error('+CMS ERROR: 21');
    };
    const b = h.sms.send({ to: '+1555', text: 'rejected' });
    await settle(h.clock, 10_000);
    assert.equal(h.sms.get(b.id)!.status, 'failed');
    assert.equal(h.sms.get(b.id)!.attempts, 1);

    modem.onSend = () => {
      throw new Error('AT timeout');
    };
    const c = h.sms.send({ to: '+1555', text: 'never' });
    await settle(h.clock, 60_000, 500);
    assert.equal(h.sms.get(c.id)!.status, 'failed');
    assert.equal(h.sms.get(c.id)!.attempts, 4);
    assert.deepEqual(
      h.events.filter((e) => e.type === 'sms_failed').map((e) => e.payload.id),
      [b.id, c.id],
    );
  });

  test('status reports are correlated by reference to the right message', async () => {
    const h = await harness({ paceMs: 0 });
    const modem = h.modems.get('gsm1')!;
    const refs = [[200], [201, 202], [203]];
    modem.onSend = () => refs.shift()!;
    const single = h.sms.send({ to: '+49171234567', text: 'single' });
    const multi = h.sms.send({ to: '+49171234567', text: 'y'.repeat(200) });
    const bad = h.sms.send({ to: '+49171234567', text: 'will fail' });
    await settle(h.clock, 100);
    const report = (reference: number, status: number, index: number) =>
      modem.deliver({
        pdu: encodeStatusReport({
          recipient: '+49171234567',
          reference,
          status,
          timeMs: 0,
          dischargeMs: 1000,
        }),
        storage: 'SR',
        index,
        statusReport: true,
      });
    report(200, 0x00, 1);
    report(201, 0x00, 2);
    report(203, 0x20, 3); // still trying
    await settle(h.clock, 10);
    assert.equal(h.sms.get(single.id)!.status, 'delivered');
    assert.equal(h.sms.get(multi.id)!.status, 'sent');
    assert.equal(h.sms.get(bad.id)!.status, 'sent');
    report(202, 0x00, 4);
    report(203, 0x41, 5);
    report(203, 0x41, 5); // the same report read twice
    await settle(h.clock, 10);
    assert.equal(h.sms.get(multi.id)!.status, 'delivered');
    assert.equal(h.sms.get(bad.id)!.status, 'failed');
    assert.deepEqual(
      h.events
        .filter((e) => e.type === 'sms_delivered' || e.type === 'sms_failed')
        .map((e) => [e.type, e.payload.id]),
      [
        ['sms_delivered', single.id],
        ['sms_delivered', multi.id],
        ['sms_failed', bad.id],
      ],
    );
    assert.equal(modem.deleted.filter((d) => d.storage === 'SR').length, 6);
  });
});

describe('inbound', () => {
  const deliverPdus = (text: string, ref = 5) =>
    encodeDeliver({ from: '+447700900123', text, timeMs: Date.UTC(2026, 0, 1), concatRef: ref }).pdus;

  test('stores first, then deletes from the SIM; duplicates are stored once', async () => {
    const h = await harness({ routes: { event: true } });
    const modem = h.modems.get('gsm1')!;
    const seenAtDelete: number[] = [];
    modem.onDelete = () => {
      seenAtDelete.push(
        h.store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM sms_in_pdu').get()!.n,
      );
    };
    const [pdu] = deliverPdus('Hello from the network');
    modem.deliver({ pdu: pdu!, storage: 'SM', index: 3, statusReport: false });
    modem.deliver({ pdu: pdu!, storage: 'SM', index: 3, statusReport: false });
    await settle(h.clock, 10);
    assert.deepEqual(seenAtDelete, [1, 1]);
    assert.deepEqual(modem.deleted, [
      { storage: 'SM', index: 3 },
      { storage: 'SM', index: 3 },
    ]);
    const items = h.sms.list({ direction: 'in' }).items;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.text, 'Hello from the network');
    assert.equal(items[0]!.number, '+447700900123');
    assert.deepEqual(items[0]!.routes, { event: { state: 'delivered', attempts: 1, error: null } });
    assert.equal(h.events.filter((e) => e.type === 'sms_received').length, 1);
  });

  test('a malformed PDU is stored flagged, never dropped', async () => {
    const h = await harness();
    const [pdu] = deliverPdus('Truncated text here');
    h.modems.get('gsm1')!.deliver({ pdu: pdu!.slice(0, -8), storage: 'SM', index: 1, statusReport: false });
    await settle(h.clock, 10);
    const [item] = h.sms.list({ direction: 'in' }).items;
    assert.ok(item);
    assert.match((item.errors as string[]).join(), /wrong UDL/);
    assert.equal(h.modems.get('gsm1')!.deleted.length, 1);
  });

  test('multipart reassembly out of order, and a timeout delivers what arrived', async () => {
    const h = await harness({ reassemblyTimeoutMs: 60_000, routes: { sip: true } });
    const modem = h.modems.get('gsm1')!;
    const text = 'Long message. '.repeat(30);
    const pdus = deliverPdus(text, 77);
    assert.equal(pdus.length, 3);
    for (const [n, i] of [2, 0, 1].entries()) {
      modem.deliver({ pdu: pdus[i]!, storage: 'SM', index: n, statusReport: false });
    }
    await settle(h.clock, 10);
    assert.equal(h.sip.length, 1);
    assert.equal(h.sip[0]!.text, text);
    assert.equal(h.sip[0]!.complete, true);
    // The SMSC re-sends part 2 with a new timestamp: it joins the message, no second delivery.
    const again = encodeDeliver({
      from: '+447700900123',
      text,
      timeMs: Date.UTC(2026, 0, 1, 0, 0, 9),
      concatRef: 77,
    });
    modem.deliver({ pdu: again.pdus[1]!, storage: 'SM', index: 5, statusReport: false });
    await settle(h.clock, 120_000, 5000);
    assert.equal(h.sip.length, 1);
    assert.equal(h.sms.list({ direction: 'in' }).items.length, 1);

    const other = deliverPdus('Another one. '.repeat(30), 78);
    modem.deliver({ pdu: other[0]!, storage: 'SM', index: 10, statusReport: false });
    modem.deliver({ pdu: other[2]!, storage: 'SM', index: 11, statusReport: false });
    await settle(h.clock, 59_000, 1000);
    assert.equal(h.sip.length, 1);
    await settle(h.clock, 2000, 500);
    assert.equal(h.sip.length, 2);
    assert.equal(h.sip[1]!.complete, false);
    assert.equal(h.sip[1]!.segments, 2);
    assert.match(h.sip[1]!.errors.join(), /part\(s\) 2 of 3 never arrived/);
    // The late part 2 does not resurrect the old group: it starts a new one that times out on its own.
    assert.equal(h.sms.list({ direction: 'in' }).items[0]!.status, 'incomplete');
  });

  test('a route that fails is retried with back-off and dead-lettered after N', async () => {
    let fail = true;
    const h = await harness(
      { routes: { sip: true }, routeRetry: { baseMs: 1000, maxMs: 8000, maxAttempts: 3 } },
      { sipFails: () => fail },
    );
    const modem = h.modems.get('gsm1')!;
    modem.deliver({ pdu: deliverPdus('first')[0]!, storage: 'SM', index: 1, statusReport: false });
    await settle(h.clock, 10_000, 250);
    const [dead] = h.sms.list({ direction: 'in' }).items;
    assert.deepEqual(dead!.routes, { sip: { state: 'dead', attempts: 3, error: 'SIP 480' } });
    fail = false;
    modem.deliver({ pdu: deliverPdus('second')[0]!, storage: 'SM', index: 2, statusReport: false });
    await settle(h.clock, 10);
    assert.equal(h.sip.length, 1);
    assert.equal(h.sip[0]!.text, 'second');
  });
});

describe('restart recovery', () => {
  test('close the store mid-way, reopen: nothing lost, nothing duplicated', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'linegate-sms-'));
    const clock = new FakeClock();
    let sipUp = false;
    const first = await harness(
      { paceMs: 6000, routes: { sip: true }, routeRetry: { baseMs: 1000, maxMs: 1000, maxAttempts: 100 } },
      { dataDir, clock, sipFails: () => !sipUp },
    );
    const ids = [0, 1, 2, 3, 4].map(
      (i) => first.sms.send({ to: '+1555', text: `out ${i}`, idempotencyKey: `key-${i}` }).id,
    );
    const inbound = encodeDeliver({ from: '+1666', text: 'in', timeMs: 0 }).pdus[0]!;
    const modem1 = first.modems.get('gsm1')!;
    modem1.onDelete = () => {
      throw new Error('modem died before the delete');
    };
    modem1.deliver({ pdu: inbound, storage: 'SM', index: 7, statusReport: false });
    await settle(clock, 7000, 500); // two sends done, three queued, SIP route failing
    assert.equal(modem1.sent.length, 2);
    // "Crash": stop and close the store.
    for (const c of cleanups.splice(0)) await c();
    cleanups.unshift(() => rmSync(dataDir, { recursive: true, force: true }));

    sipUp = true;
    const second = await harness({ paceMs: 6000, routes: { sip: true } }, { dataDir, clock });
    // Client retries its requests with the same keys: same ids, no new rows.
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(
        (i) => second.sms.send({ to: '+1555', text: `out ${i}`, idempotencyKey: `key-${i}` }).id,
      ),
      ids,
    );
    // The SIM still holds the message (the delete failed): the supervisor re-reads it.
    second.modems.get('gsm1')!.deliver({ pdu: inbound, storage: 'SM', index: 7, statusReport: false });
    await settle(clock, 20_000, 500);
    const modem2 = second.modems.get('gsm1')!;
    assert.deepEqual(
      modem2.sent.map((s) => s.pdus.length),
      [1, 1, 1],
    );
    const out = second.sms.list({ direction: 'out' }).items;
    assert.equal(out.length, 5);
    assert.ok(out.every((o) => o.status === 'sent'));
    assert.equal(second.sms.list({ direction: 'in' }).items.length, 1);
    assert.equal(second.sip.length, 1);
    assert.deepEqual(modem2.deleted, [{ storage: 'SM', index: 7 }]);
  });
});

test('USSD passthrough', async () => {
  const h = await harness();
  assert.deepEqual(await h.sms.ussd('gsm1', '*100#'), {
    modem: 'gsm1',
    code: '*100#',
    response: 'Balance: 5.00',
  });
  await assert.rejects(h.sms.ussd('gsm9', '*100#'), (e: unknown) => isLinegateError(e, 'NOT_FOUND'));
  await assert.rejects(h.sms.ussd('gsm1', 'rm -rf'), (e: unknown) => isLinegateError(e, 'BAD_REQUEST'));
});
