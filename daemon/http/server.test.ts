import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { ConfigStore } from '../config/config-store.ts';
import { parseConfigText } from '../config/load.ts';
import { AuthService } from '../security/auth.ts';
import { Store } from '../store/database.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { buildHttpServer } from './server.ts';
import { registerSystemRoutes } from './system-routes.ts';

async function setup(bootstrapPassword?: string) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = Store.open({ dataDir: ':memory:', logger, clock });
  const auth = new AuthService({
    store,
    clock,
    logger,
    sessionHours: 12,
    loginMaxFailures: 5,
    loginLockoutS: 900,
  });
  const { setupCode } = await auth.init(bootstrapPassword);
  const { app, openApi } = buildHttpServer({ logger, auth, version: 'test', webUiDir: '/nonexistent' });
  registerAuthRoutes(app, auth);
  const loaded = parseConfigText(
    'sip:\n  trunks:\n    - id: itsp\n      servers: [sip.example.net]\n      username: u\n      password: secret-pw\n',
    { env: {} },
  );
  registerSystemRoutes(app, {
    version: 'test',
    startedAtMs: Date.now(),
    deviceId: 'box',
    board: 'sim',
    health: () => ({ status: 'ok', checks: {} }),
    metrics: () => 'up 1\n',
    config: new ConfigStore(loaded, logger),
    restart: () => {},
  });
  await app.ready();
  return { app, auth, clock, setupCode, openApi };
}

async function login(app: FastifyInstance, password: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'admin', password },
  });
  assert.equal(res.statusCode, 200, res.body);
  const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
  return { cookie, ...(res.json() as { token: string; csrfToken: string }) };
}

describe('HTTP server and auth', () => {
  it('answers 401 on every /api/v1 route and /metrics without auth, except login', async () => {
    const { app, openApi } = await setup('Correct-horse-1');
    const doc = openApi() as { paths: Record<string, Record<string, unknown>> };
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          payload: method === 'get' ? undefined : {},
        });
        const isPublic = path === '/health' || path === '/api/v1/auth/login' || path === '/api/v1/auth/setup';
        if (isPublic) assert.notEqual(res.statusCode, 401, `${method} ${path}`);
        else assert.equal(res.statusCode, 401, `${method} ${path} answered ${res.statusCode}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} routes checked`);
    const unknown = await app.inject({ method: 'GET', url: '/api/v1/does-not-exist' });
    assert.equal(unknown.statusCode, 401);
  });

  it('first boot: login refused until the setup code sets a strong password', async () => {
    const { app, setupCode } = await setup();
    assert.ok(setupCode && /^\d{8}$/.test(setupCode));
    const state = await app.inject({ method: 'GET', url: '/api/v1/auth/login' });
    assert.deepEqual(state.json(), { setupRequired: true });
    const early = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'x' },
    });
    assert.equal(early.statusCode, 403);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { setupCode: '00000000x', newPassword: 'Strong-pass-1' },
    });
    assert.equal(wrong.statusCode, 401);
    const weak = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { setupCode, newPassword: 'short' },
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.json().message, /at least 10 characters/);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { setupCode, newPassword: 'Strong-pass-1' },
    });
    assert.equal(ok.statusCode, 200);
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { setupCode, newPassword: 'Other-pass-22' },
    });
    assert.equal(again.statusCode, 409);
    await login(app, 'Strong-pass-1');
  });

  it('sets an HttpOnly SameSite=Strict cookie, requires CSRF on cookie writes, and accepts bearer tokens', async () => {
    const { app } = await setup('Correct-horse-1');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'Correct-horse-1' },
    });
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const { cookie, csrfToken, token } = await login(app, 'Correct-horse-1');
    const read = await app.inject({ method: 'GET', url: '/api/v1/config', headers: { cookie } });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().sip.trunks[0].password, '********');
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      headers: { cookie },
      payload: { name: 'ci' },
    });
    assert.equal(noCsrf.statusCode, 403);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { name: 'ci' },
    });
    assert.equal(created.statusCode, 200);
    const apiToken = created.json().token as string;
    const viaToken = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${apiToken}` },
    });
    assert.equal(viaToken.statusCode, 200);
    const viaSessionToken = await app.inject({
      method: 'GET',
      url: '/api/v1/system',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(viaSessionToken.statusCode, 401, 'a session id is not an API token');
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/tokens/${created.json().id}`,
      headers: { authorization: `Bearer ${apiToken}` },
    });
    assert.equal(revoke.statusCode, 200);
    const after = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${apiToken}` },
    });
    assert.equal(after.statusCode, 401);
  });

  it('locks a source out for 15 minutes after 5 failed logins', async () => {
    const { app, clock } = await setup('Correct-horse-1');
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: `bad${i}` },
      });
      assert.equal(r.statusCode, 401);
    }
    const locked = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'Correct-horse-1' },
    });
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 800);
    clock.advance(15 * 60_000 + 1000);
    await login(app, 'Correct-horse-1');
  });

  it('answers 400 with the reason on a bad JSON body or a schema violation', async () => {
    const { app } = await setup('Correct-horse-1');
    const broken = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "admin", "password":',
    });
    assert.equal(broken.statusCode, 400);
    assert.ok(broken.json().message.length > 5);
    const extra = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin' },
    });
    assert.equal(extra.statusCode, 400);
    assert.match(extra.json().message, /password/);
  });

  it('validates configuration changes and reports the field', async () => {
    const { app } = await setup('Correct-horse-1');
    const { token } = await login(app, 'Correct-horse-1');
    const { token: api } = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        headers: {
          cookie: `linegate_session=${token}`,
          'x-csrf-token': (
            await app.inject({
              method: 'GET',
              url: '/api/v1/auth/session',
              headers: { cookie: `linegate_session=${token}` },
            })
          ).json().csrfToken,
        },
        payload: { name: 't' },
      })
    ).json() as { token: string };
    const bad = await app.inject({
      method: 'PATCH',
      url: '/api/v1/config',
      headers: { authorization: `Bearer ${api}` },
      payload: { http: { port: 'x' } },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().problems[0].path, 'http.port');
    const good = await app.inject({
      method: 'PATCH',
      url: '/api/v1/config',
      headers: { authorization: `Bearer ${api}` },
      payload: { country: 'de', http: { port: 9090 } },
    });
    assert.equal(good.statusCode, 200, good.body);
    assert.deepEqual(good.json().requiresRestart, ['http.port']);
    const read = await app.inject({
      method: 'GET',
      url: '/api/v1/config',
      headers: { authorization: `Bearer ${api}` },
    });
    assert.equal(read.json().country, 'de');
    assert.equal(read.json().sip.trunks[0].password, '********');
  });
});
