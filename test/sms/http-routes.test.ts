import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fastify, { type FastifyInstance } from 'fastify';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import { registerSmsRoutes } from '../../daemon/sms/http-routes.ts';
import { encodeDeliver } from '../../daemon/sms/pdu/encode.ts';
import { SmsService } from '../../daemon/sms/sms-service.ts';
import { Store } from '../../daemon/store/database.ts';
import { FakeGsmModem } from './fake-gsm-modem.ts';

let app: FastifyInstance;
let store: Store;
let sms: SmsService;
let clock: FakeClock;
let modem: FakeGsmModem;

before(async () => {
  clock = new FakeClock();
  store = Store.open({ dataDir: ':memory:', logger: silentLogger(), clock, checkpointIntervalMs: 0 });
  modem = new FakeGsmModem('gsm1', () => clock.now());
  sms = new SmsService({
    store,
    clock,
    logger: silentLogger(),
    modems: new Map<string, GsmModem>([['gsm1', modem]]),
    options: { maxSegments: 3 },
  });
  await sms.start(new AbortController().signal);
  app = fastify();
  registerSmsRoutes(app, sms);
  await app.ready();
});

after(async () => {
  await app.close();
  await sms.stop();
  store.close();
});

test('POST /api/v1/sms queues (202) and is idempotent', async () => {
  const body = { to: '+49171234567', text: 'hello', idempotencyKey: 'abc' };
  const a = await app.inject({ method: 'POST', url: '/api/v1/sms', payload: body });
  assert.equal(a.statusCode, 202);
  const json = a.json() as { id: string; status: string; segments: number };
  assert.deepEqual(json, { id: json.id, status: 'queued', segments: 1 });
  const b = await app.inject({ method: 'POST', url: '/api/v1/sms', payload: body });
  assert.equal(b.json().id, json.id);
  await clock.advanceAsync(10, 1);
  const got = await app.inject({ method: 'GET', url: `/api/v1/sms/${json.id}` });
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().status, 'sent');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/sms/nope' })).statusCode, 404);
});

test('POST /api/v1/sms answers 400 with the reason on bad input', async () => {
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ to: '+4917', text: '' }, 400, /text is empty/],
    [{ to: '+4917', text: 'x'.repeat(500) }, 400, /too long/],
    [{ to: 'nobody', text: 'x' }, 400, /not a phone number/],
    [{ to: '+4917', text: 'x', modem: 'gsm7' }, 404, /no modem "gsm7"/],
    [{ text: 'x' }, 400, /to/],
  ];
  for (const [payload, status, reason] of cases) {
    const r = await app.inject({ method: 'POST', url: '/api/v1/sms', payload });
    assert.equal(r.statusCode, status, JSON.stringify(payload));
    assert.match(r.json().message, reason);
  }
});

test('GET /api/v1/sms lists by direction', async () => {
  modem.deliver({
    pdu: encodeDeliver({ from: '+15550001', text: 'inbound', timeMs: 0 }).pdus[0]!,
    storage: 'SM',
    index: 1,
    statusReport: false,
  });
  const inbound = (await app.inject({ method: 'GET', url: '/api/v1/sms?direction=in' })).json() as {
    items: { direction: string; text: string; number: string; status: string; time: string }[];
  };
  assert.deepEqual(
    inbound.items.map((i) => [i.direction, i.text, i.number, i.status]),
    [['in', 'inbound', '+15550001', 'received']],
  );
  const out = (await app.inject({ method: 'GET', url: '/api/v1/sms?direction=out' })).json() as {
    items: { direction: string }[];
  };
  assert.ok(out.items.length >= 1 && out.items.every((i) => i.direction === 'out'));
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/sms?direction=sideways' })).statusCode, 400);
});

test('POST /api/v1/sms/preview and /api/v1/ussd', async () => {
  const p = await app.inject({ method: 'POST', url: '/api/v1/sms/preview', payload: { text: 'Привет' } });
  assert.deepEqual(p.json(), { encoding: 'ucs2', segments: 1, charsLeft: 64 });
  const u = await app.inject({
    method: 'POST',
    url: '/api/v1/ussd',
    payload: { modem: 'gsm1', code: '*100#' },
  });
  assert.deepEqual(u.json(), { modem: 'gsm1', code: '*100#', response: 'Balance: 5.00' });
  const bad = await app.inject({
    method: 'POST',
    url: '/api/v1/ussd',
    payload: { modem: 'gsm1', code: 'hello' },
  });
  assert.equal(bad.statusCode, 400);
});
