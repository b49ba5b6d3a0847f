import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { FakeClock, SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { GsmModem } from '../../drivers/modem/types.ts';
import { encodeDeliver } from '../../daemon/sms/pdu/encode.ts';
import { EmailRoute } from '../../daemon/sms/routes/email-route.ts';
import type { InboundSms } from '../../daemon/sms/routes/inbound-message.ts';
import { signWebhook } from '../../daemon/sms/routes/webhook-route.ts';
import { SmsService } from '../../daemon/sms/sms-service.ts';
import { Store } from '../../daemon/store/database.ts';
import { FakeGsmModem } from './fake-gsm-modem.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => resolve(body));
  });
}

async function until(
  clock: FakeClock,
  cond: () => boolean,
  what: string,
  maxIterations = 2000,
): Promise<void> {
  for (let i = 0; i < maxIterations; i++) {
    if (cond()) return;
    await clock.advanceAsync(100, 100);
    // Real I/O (loopback HTTP) needs real time to complete.
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('webhook: HMAC-SHA256 signed, retried with back-off, then delivered', async () => {
  const received: { headers: IncomingMessage['headers']; body: string; atMs: number }[] = [];
  const clock = new FakeClock();
  let answers = [500, 503, 200];
  const server = createHttpServer(async (req, res) => {
    const body = await readBody(req);
    received.push({ headers: req.headers, body, atMs: clock.now() });
    res.statusCode = answers.shift() ?? 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;

  const store = Store.open({ dataDir: ':memory:', logger: silentLogger(), clock, checkpointIntervalMs: 0 });
  const modem = new FakeGsmModem('gsm1', () => clock.now());
  const sms = new SmsService({
    store,
    clock,
    logger: silentLogger(),
    modems: new Map<string, GsmModem>([['gsm1', modem]]),
    options: {
      routes: { webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' } },
      routeRetry: { baseMs: 2000, maxMs: 60_000, maxAttempts: 5 },
    },
  });
  await sms.start(new AbortController().signal);
  cleanups.push(async () => {
    await sms.stop();
    store.close();
  });

  const pdu = encodeDeliver({ from: '+15550001', text: 'webhook me 😀', timeMs: 0 }).pdus[0]!;
  modem.deliver({ pdu, storage: 'SM', index: 1, statusReport: false });
  await until(
    clock,
    () =>
      sms.list({ direction: 'in' }).items[0]?.routes !== undefined &&
      received.length >= 3 &&
      (sms.list({ direction: 'in' }).items[0]!.routes as Record<string, { state: string }>).webhook!.state ===
        'delivered',
    'webhook delivery',
  );

  assert.equal(received.length, 3);
  const gaps = [received[1]!.atMs - received[0]!.atMs, received[2]!.atMs - received[1]!.atMs];
  assert.ok(gaps[0]! >= 2000 && gaps[1]! >= 4000, `back-off gaps ${gaps}`);
  for (const r of received) {
    const ts = Number(r.headers['x-linegate-timestamp']);
    assert.equal(r.headers['x-linegate-signature'], signWebhook('s3cret', ts, r.body));
    const body = JSON.parse(r.body) as { event: string; sms: InboundSms };
    assert.equal(body.event, 'sms_received');
    assert.equal(body.sms.text, 'webhook me 😀');
    assert.equal(r.headers['x-linegate-delivery'], body.sms.id);
  }
  // A different secret does not verify.
  assert.notEqual(received[0]!.headers['x-linegate-signature'], signWebhook('other', 1, received[0]!.body));
  const item = sms.list({ direction: 'in' }).items[0]!;
  assert.deepEqual(item.routes, { webhook: { state: 'delivered', attempts: 3, error: null } });

  // Dead letter after N attempts against a server that always fails.
  answers = Array(10).fill(500);
  const pdu2 = encodeDeliver({ from: '+15550002', text: 'doomed', timeMs: 1000 }).pdus[0]!;
  modem.deliver({ pdu: pdu2, storage: 'SM', index: 2, statusReport: false });
  const doomed = () => sms.list({ direction: 'in' }).items.find((i) => i.text === 'doomed');
  await until(
    clock,
    () => (doomed()?.routes as Record<string, { state: string }> | undefined)?.webhook?.state === 'dead',
    'dead letter',
  );
  assert.equal((doomed()!.routes as Record<string, { attempts: number }>).webhook!.attempts, 5);
});

test('email: a minimal SMTP dialogue against a fake server on loopback', async () => {
  const transcript: string[] = [];
  let data = '';
  const server = createTcpServer((socket) => {
    socket.setEncoding('utf8');
    let inData = false;
    let buffer = '';
    socket.write('220 fake.smtp ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 queued\r\n');
          } else data += `${line}\n`;
          continue;
        }
        transcript.push(line);
        if (line.startsWith('EHLO'))
          socket.write('250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
        else if (line.startsWith('AUTH PLAIN')) socket.write('235 2.7.0 ok\r\n');
        else if (line === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const route = new EmailRoute(
    {
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      from: 'gateway@example.test',
      to: ['ops@example.test', 'boss@example.test'],
      username: 'u',
      password: 'p',
      timeoutMs: 5000,
    },
    new SystemClock(),
  );
  await route.deliver({
    id: 'abc-123',
    direction: 'in',
    modem: 'gsm1',
    number: '+15550001',
    text: 'Grüße, 你好',
    sentTime: '2026-01-01T00:00:00+00:00',
    time: '2026-01-01T00:00:01.000Z',
    segments: 1,
    partsExpected: 1,
    complete: true,
    encoding: 'ucs2',
    smsc: null,
    messageClass: null,
    errors: [],
  });
  assert.deepEqual(transcript, [
    'EHLO linegate',
    `AUTH PLAIN ${Buffer.from('\0u\0p').toString('base64')}`,
    'MAIL FROM:<gateway@example.test>',
    'RCPT TO:<ops@example.test>',
    'RCPT TO:<boss@example.test>',
    'DATA',
    'QUIT',
  ]);
  assert.match(data, /^Subject: SMS from \+15550001$/m);
  assert.match(data, /^Message-ID: <abc-123@linegate>$/m);
  const body = data.split('\n\n')[1]!.replace(/\n/g, '');
  assert.match(Buffer.from(body, 'base64').toString('utf8'), /^Grüße, 你好/);

  // A refused recipient is an error (the service retries it).
  const refusing = createTcpServer((socket) => {
    socket.write('220 x\r\n');
    socket.on('data', (d) => {
      const line = String(d);
      socket.write(line.startsWith('RCPT') ? '550 no such user\r\n' : '250 ok\r\n');
    });
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => refusing.close(() => r())));
  const bad = new EmailRoute(
    { host: '127.0.0.1', port: (refusing.address() as AddressInfo).port, from: 'a@b', to: ['c@d'] },
    new SystemClock(),
  );
  await assert.rejects(
    bad.deliver({
      id: 'x',
      direction: 'in',
      modem: 'gsm1',
      number: null,
      text: 't',
      sentTime: null,
      time: '',
      segments: 1,
      partsExpected: 1,
      complete: true,
      encoding: null,
      smsc: null,
      messageClass: null,
      errors: [],
    }),
    /RCPT TO refused: 550/,
  );
});
