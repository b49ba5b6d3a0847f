import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { silentLogger } from '../../../drivers/base/logger.ts';
import { SipHeaders } from '../message/headers.ts';
import type { SipResponse } from '../message/message.ts';
import { type RegisterSender, RegistrationClient, type RegistrationStatus } from './registration-client.ts';

function response(status: number, headers: Array<[string, string]> = []): SipResponse {
  return {
    kind: 'response',
    status,
    reason: '',
    version: 'SIP/2.0',
    headers: new SipHeaders(headers.map(([name, value]) => ({ name, value }))),
    body: Buffer.alloc(0),
  };
}

const CONTACT = '<sip:linegate@192.0.2.10:5060>';

function setup(
  answers: Array<(req: Parameters<RegisterSender>[0]) => { status: number; response?: SipResponse }>,
) {
  const clock = new FakeClock();
  const calls: Array<Parameters<RegisterSender>[0] & { atMs: number }> = [];
  const states: RegistrationStatus[] = [];
  const client = new RegistrationClient({
    account: {
      id: 'trunk1',
      username: 'u1',
      password: 'p',
      domain: 'itsp.example',
      servers: ['sip:a.itsp.example', 'sip:b.itsp.example'],
      expiresS: 300,
    },
    clock,
    logger: silentLogger(),
    random: () => 0.5,
    send: async (req) => {
      calls.push({ ...req, atMs: clock.now() });
      const answer = (answers.length > 1 ? answers.shift() : answers[0])!;
      return { ...answer(req), contact: CONTACT };
    },
  });
  client.on('state', (s) => states.push(s));
  return { clock, client, calls, states };
}

const flush = () => new Promise((r) => setImmediate(r));

test('registers, refreshes 30 s before expiry with the same Call-ID and a growing CSeq', async () => {
  const { clock, client, calls, states } = setup([
    () => ({ status: 200, response: response(200, [['Contact', `${CONTACT};expires=120`]]) }),
  ]);
  client.start();
  await flush();
  assert.equal(client.status.state, 'registered');
  assert.equal(client.status.expiresS, 120);
  clock.advance(89_999);
  await flush();
  assert.equal(calls.length, 1);
  clock.advance(1);
  await flush();
  assert.equal(calls.length, 2);
  assert.equal(calls[1]!.callId, calls[0]!.callId);
  assert.equal(calls[1]!.cseq, calls[0]!.cseq + 1);
  assert.equal(calls[0]!.aor, 'sip:u1@itsp.example');
  assert.ok(states.some((s) => s.state === 'registering'));
  await client.stop();
  assert.equal(calls.at(-1)!.expiresS, 0, 'stop() unregisters');
  assert.equal(client.status.state, 'stopped');
  assert.equal(clock.pendingTimers, 0);
});

test('failure: exponential back-off with jitter, failover to the next server, then success', async () => {
  const { clock, client, calls } = setup([
    () => ({ status: 408 }),
    () => ({ status: 503 }),
    () => ({ status: 403 }),
    () => ({ status: 200, response: response(200, [['Expires', '300']]) }),
  ]);
  client.start();
  await flush();
  assert.equal(client.status.state, 'failed');
  assert.equal(client.status.lastStatus, 408);
  assert.equal(client.status.nextAttemptInMs, 30_000);
  clock.advance(30_000);
  await flush();
  assert.equal(client.status.nextAttemptInMs, 60_000);
  clock.advance(60_000);
  await flush();
  assert.equal(client.status.nextAttemptInMs, 120_000);
  clock.advance(120_000);
  await flush();
  assert.equal(client.status.state, 'registered');
  assert.deepEqual(
    calls.map((c) => [c.server, c.atMs]),
    [
      ['sip:a.itsp.example', 0],
      ['sip:b.itsp.example', 30_000],
      ['sip:a.itsp.example', 90_000],
      ['sip:b.itsp.example', 210_000],
    ],
  );
  await client.stop();
});

test('jitter stays within ±20 % and the back-off is capped', async () => {
  const clock = new FakeClock();
  const delays: number[] = [];
  for (const r of [0, 1]) {
    const client = new RegistrationClient({
      account: { id: 't', username: 'u', password: 'p', domain: 'd' },
      clock,
      logger: silentLogger(),
      random: () => r,
      retryMaxMs: 100_000,
      send: async () => ({ status: 500, contact: '' }),
    });
    client.start();
    await flush();
    delays.push(client.status.nextAttemptInMs!);
    for (let i = 0; i < 10; i++) {
      clock.advance(client.status.nextAttemptInMs!);
      await flush();
    }
    delays.push(client.status.nextAttemptInMs!);
    await client.stop();
  }
  assert.deepEqual(delays, [24_000, 80_000, 36_000, 120_000]);
});

test('423 Interval Too Brief: retries at once with Min-Expires', async () => {
  const { client, calls } = setup([
    () => ({ status: 423, response: response(423, [['Min-Expires', '600']]) }),
    () => ({ status: 200, response: response(200, [['Expires', '600']]) }),
  ]);
  client.start();
  await flush();
  await flush();
  assert.deepEqual(
    calls.map((c) => c.expiresS),
    [300, 600],
  );
  assert.equal(client.status.state, 'registered');
  await client.stop();
});
