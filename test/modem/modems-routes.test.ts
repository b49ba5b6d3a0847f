import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fastify from 'fastify';
import { registerModemSimRoutes } from '../../daemon/simulator/modems-routes.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { SimulatedModem } from '../../drivers/modem/sim/simulated-modem.ts';
import { encodeSubmit } from '../../drivers/modem/sim/sim-pdu.ts';

// The routes only drive the simulated network; the modem need not be on a PTY for them.
const clock = new FakeClock();
const sim = new SimulatedModem({ id: 'gsm1', clock, logger: silentLogger() });
const app = fastify();
registerModemSimRoutes(app, new Map([['gsm1', sim]]));
after(() => app.close());

describe('simulator modem routes', () => {
  it('delivers an SMS into the modem storage (multipart when long)', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/modems/gsm1/sms',
      payload: { from: '+15551234', text: '😀'.repeat(40) },
    });
    assert.equal(r.statusCode, 202);
    assert.deepEqual(r.json(), { parts: 2 });
    assert.equal(sim.storage('SM').size, 2);
  });

  it('answers 400 with the reason for a bad body, 404 for an unknown modem', async () => {
    for (const payload of [
      { from: '+1555' },
      { from: 'not a number!', text: 'x' },
      { text: 'x' },
      { from: '+1', text: '' },
    ]) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/sim/modems/gsm1/sms', payload });
      assert.equal(r.statusCode, 400, JSON.stringify(payload));
      assert.equal(r.json().error, 'BAD_REQUEST');
      assert.ok(r.json().message.length > 10);
    }
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/modems/gsm1/sms',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.ok(bad.statusCode === 400 || bad.statusCode === 415);
    const missing = await app.inject({ method: 'GET', url: '/api/v1/sim/modems/gsm9' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'NOT_FOUND');
  });

  it('lists what the modem sent', async () => {
    sim.acceptSubmit(encodeSubmit({ to: '+15550001', text: 'hi there', statusReport: true })[0]!);
    const r = await app.inject({ method: 'GET', url: '/api/v1/sim/modems/gsm1/sent' });
    assert.equal(r.statusCode, 200);
    const [item] = r.json().items;
    assert.equal(item.to, '+15550001');
    assert.equal(item.text, 'hi there');
    assert.equal(item.reference, 0);
    assert.equal(item.statusReportRequested, true);
  });

  it('rings and hangs up; status shows signal, registration, SIM and call', async () => {
    const call = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/modems/gsm1/call',
      payload: { from: '+15559999' },
    });
    assert.equal(call.statusCode, 202);
    const busy = await app.inject({
      method: 'POST',
      url: '/api/v1/sim/modems/gsm1/call',
      payload: { from: '+15559999' },
    });
    assert.equal(busy.statusCode, 409);
    let s = (await app.inject({ method: 'GET', url: '/api/v1/sim/modems/gsm1' })).json();
    assert.deepEqual(s.call, { state: 'ringing', number: '+15559999' });
    assert.deepEqual(s.signal, { csq: 20, dbm: -73 });
    assert.equal(s.registration, 'home');
    assert.equal(s.sim, 'ready');
    await app.inject({ method: 'POST', url: '/api/v1/sim/modems/gsm1/hangup' });
    s = (await app.inject({ method: 'GET', url: '/api/v1/sim/modems/gsm1' })).json();
    assert.equal(s.call.state, 'idle');
  });

  it('fault injection: signal, registration, storage full, cmgs, hang', async () => {
    const post = (path: string, payload?: object) =>
      app.inject({ method: 'POST', url: `/api/v1/sim/modems/gsm1/${path}`, ...(payload ? { payload } : {}) });
    assert.equal((await post('signal', { csq: 5 })).statusCode, 202);
    assert.equal((await post('signal', { csq: 40 })).statusCode, 400);
    assert.equal((await post('registration', { state: 'roaming' })).statusCode, 202);
    assert.equal((await post('registration', { state: 'mars' })).statusCode, 400);
    assert.equal((await post('cmgs', { delayMs: 2000, error: '+CMS ERROR: 38' })).statusCode, 202);
    assert.equal((await post('cmgs', { error: 'boom' })).statusCode, 400);
    assert.equal((await post('storage-full')).statusCode, 202);
    assert.equal((await post('hang')).statusCode, 202);
    const s = (await app.inject({ method: 'GET', url: '/api/v1/sim/modems/gsm1' })).json();
    assert.deepEqual(s.signal, { csq: 5, dbm: -103 });
    assert.equal(s.registration, 'roaming');
    assert.equal(s.storage.used, s.storage.total);
    assert.equal(s.hung, true);
    assert.equal(sim.cmgsDelayMs, 2000);
    assert.equal(sim.cmgsFailure, '+CMS ERROR: 38');
  });
});
