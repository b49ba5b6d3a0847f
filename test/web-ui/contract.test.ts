/**
 * The UI's side of the contracts whose back ends are still being built:
 * the real daemon serves the UI and the login, while the WebSocket
 * (`/api/v1/ws`), the simulator API (`/api/v1/sim/*`), SMS and CDR routes are
 * answered by small fakes that follow ARCHITECTURE.md and the lead's brief.
 * Proves what the UI sends (bodies, CSRF header) and how it shows what it
 * receives; the end-to-end flows live in pages.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Route, WebSocketRoute } from 'playwright-core';
import { ADMIN_PASSWORD, type RunningDaemon, startDaemon } from '../harness/daemon.ts';
import {
  type BrowserSession,
  axeViolations,
  browserMissing,
  ensureWebUiBuilt,
  openBrowser,
  screenshots,
  seriousViolations,
} from './browser.ts';

const missing = browserMissing();
let daemon: RunningDaemon | undefined;
let browser: BrowserSession | undefined;
let socket: WebSocketRoute | undefined;
const socketRequests: Record<string, unknown>[] = [];
const httpRequests: { method: string; path: string; body: unknown; csrf: string | undefined }[] = [];

// The fake simulator: two phones, a PSTN line, a modem network.
const phones: Record<
  string,
  { hook: 'on' | 'off'; ringing: boolean; callerId: unknown; heard: { tone: string | null; digits: string } }
> = {
  fxs1: { hook: 'on', ringing: false, callerId: null, heard: { tone: null, digits: '' } },
  fxs2: { hook: 'on', ringing: false, callerId: null, heard: { tone: null, digits: '' } },
};
const pstn = { offHook: false, dialed: '' };
const modemSent: { id: string; number: string; text: string; time: string }[] = [];
const outbox: {
  id: string;
  direction: 'out';
  number: string;
  text: string;
  status: string;
  time: string;
  segments: number;
  modem: string;
}[] = [];

function json(route: Route, body: unknown, status = 200): Promise<void> {
  return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
}

async function fakeBackEnds(route: Route): Promise<void> {
  const req = route.request();
  const url = new URL(req.url());
  const body = req.postData() ? (JSON.parse(req.postData() as string) as Record<string, unknown>) : undefined;
  httpRequests.push({ method: req.method(), path: url.pathname, body, csrf: req.headers()['x-csrf-token'] });
  const parts = url.pathname.split('/').slice(3); // after /api/v1
  if (parts[0] === 'sim' && parts[1] === 'phones') {
    const phone = phones[parts[2] ?? ''];
    if (!phone) return json(route, { error: 'NOT_FOUND', message: 'no such phone' }, 404);
    if (req.method() === 'GET') return json(route, phone);
    if (parts[3] === 'hook') {
      phone.hook = body?.state === 'off' ? 'off' : 'on';
      phone.ringing = false;
      phone.heard.tone = phone.hook === 'off' ? 'dial' : null;
      // Lifting fxs1 and dialling 202 rings fxs2 with fxs1's caller ID.
    }
    if (parts[3] === 'dial') {
      phone.heard.digits += String(body?.digits ?? '');
      if (phone.heard.digits.endsWith('202')) {
        phones.fxs2!.ringing = true;
        phones.fxs2!.callerId = { number: '201', name: 'Kitchen' };
        phone.heard.tone = 'ringback';
      }
    }
    return json(route, { ok: true });
  }
  if (parts[0] === 'sim' && parts[1] === 'pstn') {
    if (req.method() === 'GET') return json(route, pstn);
    if (parts[3] === 'call') phones.fxs1!.ringing = true;
    if (parts[3] === 'hangup') phones.fxs1!.ringing = false;
    return json(route, { ok: true });
  }
  if (parts[0] === 'sim' && parts[1] === 'modems') {
    if (parts[3] === 'sent') return json(route, { items: modemSent });
    if (req.method() === 'GET')
      return json(route, { sim: 'ready', registration: 'home', signalDbm: -71, operator: 'Simnet' });
    return json(route, { ok: true });
  }
  if (parts[0] === 'sms' && parts[1] === 'preview') {
    const text = String(body?.text ?? '');
    const ucs2 = /[^\x20-\x7e]/.test(text);
    return json(route, {
      encoding: ucs2 ? 'ucs2' : 'gsm7',
      segments: 1,
      charsLeft: (ucs2 ? 70 : 160) - text.length,
    });
  }
  if (parts[0] === 'sms' && req.method() === 'POST') {
    const item = {
      id: 'out-1',
      direction: 'out' as const,
      number: String(body?.to),
      text: String(body?.text),
      status: 'delivered',
      time: new Date().toISOString(),
      segments: 1,
      modem: 'gsm1',
    };
    outbox.push(item);
    modemSent.push({ id: item.id, number: item.number, text: item.text, time: item.time });
    return json(route, { id: item.id, status: 'queued', segments: 1 }, 202);
  }
  if (parts[0] === 'sms')
    return json(route, { items: url.searchParams.get('direction') === 'out' ? outbox : [] });
  if (parts[0] === 'diagnostics' && parts[1] === 'ports' && parts[3] === 'ring') {
    // The gateway rings the port; its state change reaches the dashboard over the socket.
    socket?.send(
      JSON.stringify({
        type: 'state',
        component: parts[2],
        state: { kind: 'fxs', hook: 'on', ringing: true, inCall: false, failed: false, number: '202' },
      }),
    );
    return json(route, { ok: true });
  }
  if (parts[0] === 'diagnostics' && parts[1] === 'modems' && parts[3] === 'at')
    return json(route, { response: ['+CSQ: 21,99', 'OK'] });
  if (parts[0] === 'calls' && parts[1] === 'cdr') {
    const base = { answeredAt: null, route: 'local', jitterMs: null, lossPct: null, callerName: null };
    const items = [
      {
        ...base,
        id: 2,
        callId: 'b',
        startedAt: Date.now() - 30_000,
        endedAt: Date.now() - 23_000,
        direction: 'inbound',
        source: 'fxo1',
        destination: 'fxs1',
        callerNumber: '5551234',
        dialedNumber: '201',
        disposition: 'no_answer',
        mos: null,
        durationS: 7,
        billableS: 0,
      },
      {
        ...base,
        id: 1,
        callId: 'a',
        startedAt: Date.now() - 60_000,
        answeredAt: Date.now() - 58_000,
        endedAt: Date.now() - 16_000,
        direction: 'internal',
        source: 'fxs1',
        destination: 'fxs2',
        callerNumber: '201',
        callerName: 'Kitchen',
        dialedNumber: '202',
        disposition: 'answered',
        mos: 4.31,
        durationS: 44,
        billableS: 42,
      },
    ];
    const disposition = url.searchParams.get('disposition');
    return json(route, {
      items: items.filter((r) => !disposition || r.disposition === disposition),
      nextBefore: null,
    });
  }
  return route.fallback();
}

before(async () => {
  if (missing) return;
  ensureWebUiBuilt();
  daemon = await startDaemon();
  browser = await openBrowser();
  const { page } = browser;
  await page.route(/\/api\/v1\/(sim|sms|calls|diagnostics)\b/, fakeBackEnds);
  await page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
    socket = ws;
    // The full snapshot on connect.
    const send = (m: unknown) => ws.send(JSON.stringify(m));
    send({
      type: 'state',
      component: 'fxs1',
      state: { kind: 'fxs', hook: 'on', ringing: true, inCall: false, failed: false, number: '201' },
    });
    send({
      type: 'state',
      component: 'fxs2',
      state: {
        kind: 'fxs',
        hook: 'on',
        ringing: false,
        inCall: false,
        failed: true,
        failure: 'loop current missing',
        number: '202',
      },
    });
    send({
      type: 'state',
      component: 'fxo1',
      state: { kind: 'fxo', hook: 'on', ringing: false, inCall: false, failed: false },
    });
    send({
      type: 'state',
      component: 'gsm1',
      state: {
        kind: 'modem',
        online: true,
        sim: 'ready',
        registration: 'home',
        operator: 'Simnet',
        technology: 'LTE',
        signalDbm: -79,
        smsQueueDepth: 0,
      },
    });
    send({
      type: 'state',
      component: 'sip-itsp',
      state: { kind: 'sip', registered: true, registrar: 'sip.example.net', expiresS: 540 },
    });
    send({
      type: 'state',
      component: 'system',
      state: { kind: 'system', version: '0.1.0', uptimeS: 3725, cpuPct: 12, memUsedPct: 41, diskUsedPct: 8 },
    });
    send({
      type: 'state',
      component: 'calls',
      state: {
        kind: 'calls',
        active: [
          {
            callId: 'c1',
            direction: 'internal',
            from: '201',
            to: '202',
            endpoints: ['fxs1', 'fxs2'],
            startedAt: Date.now() - 65_000,
            answered: true,
            quality: { mos: 4.28 },
          },
        ],
      },
    });
    ws.send('this is not JSON'); // must be dropped without breaking the link
    ws.onMessage((raw) => {
      const msg = JSON.parse(String(raw)) as {
        type: string;
        method: string;
        transaction: string;
        payload: Record<string, unknown>;
      };
      socketRequests.push(msg);
      if (msg.method === 'diagnostics/ping')
        send({
          type: 'response',
          method: msg.method,
          transaction: msg.transaction,
          ok: true,
          result: { pong: true, uptimeS: 3726, version: '0.1.0' },
        });
      else
        send({
          type: 'response',
          method: msg.method,
          transaction: msg.transaction,
          ok: false,
          error: { code: 'UNAVAILABLE', message: `${msg.method} is not available` },
        });
    });
  });
  await page.goto(daemon.url);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

test('dashboard shows the live snapshot and follows state changes', { skip: missing }, async () => {
  const { page } = browser!;
  await page.getByText('Live', { exact: true }).waitFor();
  const fxs1 = page.locator('li[data-component="fxs1"]');
  await fxs1.getByText('Ringing').waitFor();
  await page.locator('li[data-component="fxs2"]').getByText('Failed: loop current missing').waitFor();
  const gsm1 = page.locator('li[data-component="gsm1"]');
  await gsm1.getByText('-79 dBm').waitFor();
  assert.equal(await gsm1.locator('.bars-3').count(), 1, '-79 dBm is 3 bars');
  await page.locator('li[data-component="sip-itsp"]').getByText('Registered').waitFor();
  const call = page.locator('tr[data-call="c1"]');
  assert.equal(await call.locator('td.mos').textContent(), '4.28');
  assert.match((await call.locator('td.duration').textContent()) ?? '', /^1:0\d$/);
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'dashboard-live');

  // A change pushed by the server shows without a reload.
  socket!.send(
    JSON.stringify({
      type: 'state',
      component: 'fxs1',
      state: { kind: 'fxs', hook: 'off', ringing: false, inCall: true, failed: false, number: '201' },
    }),
  );
  await fxs1.getByText('In call').waitFor();
  socket!.send(
    JSON.stringify({
      type: 'event',
      event: 'sms_received',
      payload: { from: '+15550001', text: 'ping', modem: 'gsm1' },
    }),
  );
  await page.getByRole('heading', { name: 'Recent events' }).waitFor();
  await page.getByText('sms_received').waitFor();
});

test('diagnostics: requests over the socket with transaction ids, errors shown', {
  skip: missing,
}, async () => {
  const { page } = browser!;
  await page.getByRole('link', { name: 'Diagnostics' }).click();
  await page.getByRole('button', { name: 'Ping the gateway' }).click();
  await page.locator('pre.console').getByText('"pong": true').waitFor();
  const ping = socketRequests.find((r) => r.method === 'diagnostics/ping');
  assert.equal(ping?.type, 'request');
  assert.equal(typeof ping?.transaction, 'string');
  // Ring a phone from diagnostics and see it ringing on the dashboard.
  await page.getByLabel('Port', { exact: true }).fill('fxs2');
  await page.getByRole('button', { name: 'Ring the phone' }).click();
  await page.getByText('Ringing fxs2 for 10 s.').waitFor();
  assert.deepEqual(httpRequests.at(-1)?.body, { seconds: 10 });
  // The AT console keeps a history recalled with the arrow keys.
  await page.getByLabel('Command').fill('AT+CSQ');
  await page.getByRole('button', { name: 'Send command' }).click();
  await page.getByRole('log', { name: 'AT console output' }).getByText('« +CSQ: 21,99').waitFor();
  await page.getByLabel('Command').fill('');
  await page.getByLabel('Command').press('ArrowUp');
  assert.equal(await page.getByLabel('Command').inputValue(), 'AT+CSQ');
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.locator('li[data-component="fxs2"]').getByText('Ringing').waitFor();
  await page.getByRole('link', { name: 'Diagnostics' }).click();
  await page.getByRole('button', { name: 'Query' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: 'UNAVAILABLE: diagnostics/modem is not available' })
    .waitFor();
  assert.deepEqual(socketRequests.at(-1)?.payload, { modem: 'gsm1' });
});

test('simulator panel sends the contract requests with the CSRF header', { skip: missing }, async () => {
  const { page } = browser!;
  httpRequests.length = 0;
  await page.getByRole('link', { name: 'Simulator' }).click();
  const fxs1 = page.locator('[data-phone="fxs1"]');
  const fxs2 = page.locator('[data-phone="fxs2"]');
  await fxs1.getByRole('button', { name: 'Lift handset' }).click();
  await fxs1.locator('[data-field="hook"]').filter({ hasText: 'off hook' }).waitFor();
  await fxs1.locator('[data-field="tone"]').filter({ hasText: 'dial' }).waitFor();
  await fxs1.getByRole('button', { name: 'Dial 2' }).click();
  await fxs1.getByLabel('Number').fill('02');
  await fxs1.getByRole('button', { name: 'Dial', exact: true }).click();
  await fxs2.getByText('Ringing').waitFor();
  await fxs2.locator('[data-field="caller-id"]').filter({ hasText: 'Kitchen 201' }).waitFor();
  await fxs2.getByLabel('Pulse').check();
  assert.ok(await fxs2.getByRole('button', { name: 'Dial #' }).isDisabled(), 'no # on a rotary dial');
  await fxs2.getByRole('button', { name: 'Lift handset' }).click();
  await fxs2.getByRole('button', { name: 'Dial 5' }).click();
  await fxs2.getByRole('button', { name: 'Flash' }).click();

  const pstnCard = page.locator('[data-pstn="fxo1"]');
  await pstnCard.getByLabel('Caller ID').fill('5559876');
  await pstnCard.getByRole('button', { name: 'Call in' }).click();
  const modem = page.locator('[data-modem="gsm1"]');
  await modem.getByRole('button', { name: 'Send SMS to the box' }).click();
  await modem.getByText('SMS delivered to the modem.').waitFor();
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'simulator-live');

  const writes = httpRequests.filter((r) => r.method === 'POST');
  const csrf = writes[0]?.csrf;
  assert.ok(csrf && writes.every((w) => w.csrf === csrf), 'every write carries the session CSRF token');
  const sent = writes.map((w) => `${w.path} ${JSON.stringify(w.body)}`);
  assert.deepEqual(sent, [
    '/api/v1/sim/phones/fxs1/hook {"state":"off"}',
    '/api/v1/sim/phones/fxs1/dial {"digits":"2","mode":"dtmf"}',
    '/api/v1/sim/phones/fxs1/dial {"digits":"02","mode":"dtmf"}',
    '/api/v1/sim/phones/fxs2/hook {"state":"off"}',
    '/api/v1/sim/phones/fxs2/dial {"digits":"5","mode":"pulse"}',
    '/api/v1/sim/phones/fxs2/flash {}',
    '/api/v1/sim/pstn/fxo1/call {"from":"5559876"}',
    '/api/v1/sim/modems/gsm1/sms {"from":"+15557654321","text":"Hello from the simulated network"}',
  ]);
});

test('SMS: preview, send with an idempotency key, outbox status, modem sent list', {
  skip: missing,
}, async () => {
  const { page } = browser!;
  await page.getByRole('link', { name: 'SMS' }).click();
  await page.getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('To').fill('+15551230000');
  await page.getByLabel('Text').fill('Grüße €');
  await page.locator('[data-field="encoding"]').filter({ hasText: 'ucs2' }).waitFor();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Queued as out-1').waitFor();
  const send = httpRequests.find((r) => r.method === 'POST' && r.path === '/api/v1/sms');
  const sendBody = (send?.body ?? {}) as { to?: string; idempotencyKey?: string };
  assert.equal(sendBody.to, '+15551230000');
  assert.match(String(sendBody.idempotencyKey), /^[0-9a-f]{32}$/);
  await page.getByRole('link', { name: 'Outbox' }).click();
  await page.locator('[data-sms-list="out"]').getByText('delivered').waitFor();
  await page.getByRole('link', { name: 'Simulator' }).click();
  await page.locator('[data-field="modem-sent"]').getByText('Grüße €').waitFor();
});

test('calls: CDR list, server-side filter and CSV export', { skip: missing }, async () => {
  const { page } = browser!;
  await page.getByRole('link', { name: 'Calls' }).click();
  const cdr = page.locator('table[data-cdr]');
  await cdr.getByRole('cell', { name: '4.31' }).waitFor();
  await cdr.getByRole('cell', { name: '0:42' }).waitFor(); // billable time of the answered call
  await page.getByRole('cell', { name: '4.28' }).waitFor(); // the call in progress, live
  await page.getByLabel('Result').selectOption('no_answer');
  await cdr.getByRole('cell', { name: '4.31' }).waitFor({ state: 'detached' });
  assert.equal(await cdr.getByRole('cell', { name: 'no answer' }).count(), 1);
  assert.equal(new URL(`http://x${httpRequests.at(-1)?.path ?? ''}`).pathname, '/api/v1/calls/cdr');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  // The export asks the (real) server for the same filter: downloads bypass the fakes.
  assert.equal(new URL(download.url()).search, '?disposition=no_answer&limit=200');
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(await download.path(), 'utf8'), /^id,callId,/);
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'calls-live');
  assert.deepEqual(browser!.problems, []);
});
