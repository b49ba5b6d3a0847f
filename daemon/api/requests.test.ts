import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { LinegateError } from '../../drivers/base/errors.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import {
  type ConfigAccess,
  isRemotelyWritable,
  patchPaths,
  registerConfigHandlers,
} from './config-requests.ts';
import { REQUEST_METHODS, RequestRouter, parseRequestBody, splitEnvelope } from './requests.ts';

function router(clock = new FakeClock()) {
  return new RequestRouter({ clock, logger: silentLogger(), timeoutMs: 1000 });
}

test('a valid request reaches its handler and the transaction is echoed', async () => {
  const r = router();
  const seen: unknown[] = [];
  r.register('sms/send', (params, ctx) => {
    seen.push(params, ctx.origin);
    return { id: 'sms-1', status: 'queued', segments: 1 };
  });
  const res = await r.handle(
    'sms/send',
    { transaction: 'tx-9', to: '+4915112345678', text: 'hi' },
    { origin: 'mqtt', remote: true },
  );
  assert.deepEqual(res, {
    status: 'ok',
    data: { id: 'sms-1', status: 'queued', segments: 1 },
    transaction: 'tx-9',
  });
  assert.deepEqual(seen, [{ to: '+4915112345678', text: 'hi' }, 'mqtt']);
});

test('unknown method, bad payload, missing handler and throwing handler each answer with a code', async () => {
  const r = router();
  const ctx = { origin: 'websocket' as const, remote: false };
  const unknown = await r.handle('sms/explode', { transaction: 1 }, ctx);
  assert.equal(unknown.status, 'error');
  assert.equal(unknown.status === 'error' && unknown.error.code, 'NOT_FOUND');
  assert.equal(unknown.transaction, 1);

  const bad = await r.handle('sms/send', { transaction: 'a', to: 'not a number', text: '' }, ctx);
  assert.equal(bad.status === 'error' && bad.error.code, 'BAD_REQUEST');
  assert.match(bad.status === 'error' ? bad.error.message : '', /\/to/);
  assert.equal(bad.transaction, 'a');

  const extra = await r.handle('system/restart', { delayS: 1, force: true }, ctx);
  assert.equal(extra.status === 'error' && extra.error.code, 'BAD_REQUEST');

  const notArray = await r.handle('system/restart', [1, 2], ctx);
  assert.equal(notArray.status === 'error' && notArray.error.code, 'BAD_REQUEST');

  const badTx = await r.handle('diagnostics/ping', { transaction: { x: 1 } }, ctx);
  assert.equal(badTx.status === 'error' && badTx.error.code, 'BAD_REQUEST');

  const none = await r.handle('modem/ussd', { code: '*100#' }, ctx);
  assert.equal(none.status === 'error' && none.error.code, 'UNAVAILABLE');

  r.register('modem/ussd', () => {
    throw new LinegateError('MODEM_NOT_READY', 'gsm1 has no network');
  });
  const failed = await r.handle('modem/ussd', { code: '*100#' }, ctx);
  assert.equal(failed.status === 'error' && failed.error.code, 'MODEM_NOT_READY');

  r.register('call/hangup', () => {
    throw new Error('boom');
  });
  const internal = await r.handle('call/hangup', { callId: 'c1' }, ctx);
  assert.equal(internal.status === 'error' && internal.error.code, 'INTERNAL');
});

test('a handler that never answers gets a TIMEOUT response (fake time)', async () => {
  const clock = new FakeClock();
  const r = router(clock);
  r.register('call/originate', () => new Promise(() => {}));
  const pending = r.handle(
    'call/originate',
    { from: 'fxs1', to: '201', transaction: 't' },
    { origin: 'mqtt', remote: true },
  );
  await clock.advanceAsync(1000, 100);
  const res = await pending;
  assert.equal(res.status === 'error' && res.error.code, 'TIMEOUT');
  assert.equal(res.transaction, 't');
  assert.equal(clock.pendingTimers, 0);
});

test('one handler per method; unregister frees the method', () => {
  const r = router();
  const off = r.register('diagnostics/ping', () => ({ pong: true, uptimeS: 1, version: 'x' }));
  assert.throws(
    () => r.register('diagnostics/ping', () => ({ pong: true, uptimeS: 1, version: 'x' })),
    /already/,
  );
  off();
  assert.equal(r.has('diagnostics/ping'), false);
  assert.ok(REQUEST_METHODS.includes('sms/send'));
});

test('body parsing and envelope splitting', () => {
  assert.deepEqual(parseRequestBody(''), { payload: {} });
  assert.ok(parseRequestBody('{nope').error);
  assert.deepEqual(splitEnvelope({ transaction: 'x', a: 1 }), { transaction: 'x', params: { a: 1 } });
  assert.ok(splitEnvelope('text').error);
});

test('config/set over MQTT refuses fields that are not remotely writable; locally it passes', async () => {
  const r = router();
  const applied: unknown[] = [];
  const access: ConfigAccess = {
    get: () => ({ country: 'us', mqtt: { url: 'mqtt://x', password: '***' }, log: { level: 'info' } }),
    set: async (patch) => {
      applied.push(patch);
      return { ok: true, requiresRestart: false };
    },
  };
  registerConfigHandlers(r, access, { remoteWritable: ['country', 'log.level'] });
  const remote = { origin: 'mqtt' as const, remote: true };
  const refused = await r.handle(
    'config/set',
    { patch: { mqtt: { password: 'x' }, country: 'de' }, transaction: 3 },
    remote,
  );
  assert.equal(refused.status === 'error' && refused.error.code, 'FORBIDDEN');
  assert.deepEqual(refused.status === 'error' && refused.error.details, { refused: ['mqtt.password'] });
  assert.equal(applied.length, 0);
  const ok = await r.handle('config/set', { patch: { log: { level: 'debug' } } }, remote);
  assert.equal(ok.status, 'ok');
  const local = await r.handle(
    'config/set',
    { patch: { mqtt: { url: 'mqtt://y' } } },
    { origin: 'websocket', remote: false },
  );
  assert.equal(local.status, 'ok');
  assert.equal(applied.length, 2);
  const part = await r.handle('config/get', { path: 'log.level' }, remote);
  assert.deepEqual(part.status === 'ok' && part.data, { config: 'info' });
  const missing = await r.handle('config/get', { path: 'nope.x' }, remote);
  assert.equal(missing.status === 'error' && missing.error.code, 'NOT_FOUND');
});

test('config/set reports schema errors from the config module', async () => {
  const r = router();
  registerConfigHandlers(r, {
    get: () => ({}),
    set: async () => ({ ok: false, errors: [{ path: 'country', message: 'unknown country' }] }),
  });
  const res = await r.handle('config/set', { patch: { country: 'zz' } }, { origin: 'mqtt', remote: true });
  assert.equal(res.status === 'error' && res.error.code, 'CONFIG_INVALID');
});

test('remote policy: secrets and identity are never writable, whatever the list says', () => {
  assert.deepEqual(patchPaths({ a: { b: 1, c: [1] }, d: null }), ['a.b', 'a.c', 'd']);
  assert.equal(isRemotelyWritable('sip.accounts.0.password', ['sip']), false);
  assert.equal(isRemotelyWritable('mqtt.url', ['mqtt']), false);
  assert.equal(isRemotelyWritable('lines.fxs1.name', ['lines.*.name']), true);
  assert.equal(isRemotelyWritable('lines.fxs1.gain', ['lines.*.name']), false);
});
