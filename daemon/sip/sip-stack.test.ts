import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { CallEnd, SipCall } from './dialog/call.ts';
import { answerOffer, createOffer } from './sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from './sdp/session-description.ts';
import { SipStack, type SipStackOptions } from './sip-stack.ts';
import type { TransportKind } from './transport/transport-layer.ts';

const OFFER = serializeSdp(
  createOffer({ address: '127.0.0.1', rtpPort: 40000, sessionId: '1', sessionVersion: 1 }),
);

function answerFor(offer: string, direction: 'sendrecv' | 'sendonly' = 'sendrecv'): string {
  const parsed = parseSdp(offer);
  assert.ok(parsed.ok);
  const a = answerOffer(parsed.sdp, {
    address: '127.0.0.1',
    rtpPort: 41000,
    sessionId: '2',
    sessionVersion: 1,
    direction,
  });
  assert.ok(a.ok);
  return serializeSdp(a.answer);
}

async function pair(transport: TransportKind, bOptions: Partial<SipStackOptions> = {}) {
  const clock = new SystemClock();
  const mk = (extra: Partial<SipStackOptions>) =>
    new SipStack({
      clock,
      logger: silentLogger(),
      listen: [{ transport, host: '127.0.0.1', port: 0 }],
      timers: { t1Ms: 50, t2Ms: 400, t4Ms: 500 },
      trustedPeers: ['127.0.0.0/8'],
      ...extra,
    });
  const a = mk({});
  const b = mk(bOptions);
  const ac = new AbortController();
  await a.start(ac.signal);
  await b.start(ac.signal);
  const bPort = b.boundAddresses()[0]!.port;
  const suffix = transport === 'udp' ? '' : `;transport=${transport}`;
  return {
    a,
    b,
    uri: (user: string) => `sip:${user}@127.0.0.1:${bPort}${suffix}`,
    async close() {
      await a.stop();
      await b.stop();
    },
  };
}

function ended(call: SipCall): Promise<CallEnd> {
  return new Promise((resolve) => {
    if (call.endReason) resolve(call.endReason);
    else call.once('ended', resolve);
  });
}

function nextCall(stack: SipStack): Promise<SipCall> {
  return new Promise((resolve) => stack.once('incomingCall', resolve));
}

for (const transport of ['udp', 'tcp'] as const) {
  test(`${transport}: call setup with ringing, answer, SDP exchange, BYE from the caller`, async () => {
    const p = await pair(transport);
    try {
      const incoming = nextCall(p.b);
      const call = await p.a.createCall({ to: p.uri('*43'), sdpOffer: OFFER });
      const progress = new Promise((r) => call.once('progress', r));
      const inbound = await incoming;
      assert.equal(inbound.dialedUser, '*43');
      assert.equal(inbound.state, 'incoming');
      inbound.ringing();
      await progress;
      assert.equal(call.state, 'early');
      const answered = new Promise<{ sdp: string }>((r) => call.once('answered', r));
      inbound.accept(answerFor(inbound.remoteSdp!));
      const { sdp } = await answered;
      assert.match(sdp, /m=audio 41000 RTP\/AVP 0 101/);
      assert.equal(call.state, 'connected');
      await new Promise((r) => setTimeout(r, 150));
      const okRetransmitsStopped = p.b.counters.sent;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(p.b.counters.sent, okRetransmitsStopped, 'the ACK stopped 200 OK retransmissions');
      const remoteEnd = ended(inbound);
      call.hangup();
      assert.equal((await remoteEnd).cause, 'remote-hangup');
      assert.equal((await ended(call)).cause, 'local-hangup');
      assert.equal(p.a.calls.length, 0);
      assert.equal(p.b.calls.length, 0);
    } finally {
      await p.close();
    }
  });
}

test('BYE from the callee, 486 busy, CANCEL before answer', async () => {
  const p = await pair('udp');
  try {
    let incoming = nextCall(p.b);
    const c1 = await p.a.createCall({ to: p.uri('201'), sdpOffer: OFFER });
    let inbound = await incoming;
    inbound.accept(answerFor(inbound.remoteSdp!));
    await new Promise((r) => c1.once('answered', r));
    inbound.hangup();
    assert.equal((await ended(c1)).cause, 'remote-hangup');

    incoming = nextCall(p.b);
    const c2 = await p.a.createCall({ to: p.uri('202'), sdpOffer: OFFER });
    (await incoming).reject(486);
    assert.deepEqual(await ended(c2), { cause: 'busy', status: 486, reason: 'Busy Here' });

    incoming = nextCall(p.b);
    const c3 = await p.a.createCall({ to: p.uri('203'), sdpOffer: OFFER });
    inbound = await incoming;
    inbound.ringing();
    await new Promise((r) => c3.once('progress', r));
    c3.hangup();
    assert.equal((await ended(inbound)).cause, 'cancelled');
    assert.equal((await ended(c3)).cause, 'cancelled');
  } finally {
    await p.close();
  }
});

test('digest challenge for untrusted callers: right password connects, wrong one fails', async () => {
  const p = await pair('udp', {
    trustedPeers: [],
    auth: { realm: 'linegate', users: [{ username: '201', password: 'pw' }] },
  });
  try {
    p.b.on('incomingCall', (c) => c.accept(answerFor(c.remoteSdp!)));
    const good = await p.a.createCall({
      to: p.uri('*43'),
      sdpOffer: OFFER,
      credentials: { username: '201', password: 'pw' },
    });
    await new Promise((r) => good.once('answered', r));
    good.hangup();
    const bad = await p.a.createCall({
      to: p.uri('*43'),
      sdpOffer: OFFER,
      credentials: { username: '201', password: 'no' },
    });
    assert.equal((await ended(bad)).cause, 'auth-failed');
    const none = await p.a.createCall({ to: p.uri('*43'), sdpOffer: OFFER });
    assert.deepEqual(await ended(none), { cause: 'auth-failed', status: 401, reason: 'Unauthorized' });
  } finally {
    await p.close();
  }
});

test('re-INVITE hold and resume, REFER with NOTIFY progress', async () => {
  const p = await pair('udp');
  try {
    const incoming = nextCall(p.b);
    const call = await p.a.createCall({ to: p.uri('201'), sdpOffer: OFFER });
    const inbound = await incoming;
    inbound.on('reinvite', (r) => r.accept(answerFor(r.sdp)));
    inbound.accept(answerFor(inbound.remoteSdp!));
    await new Promise((r) => call.once('answered', r));
    const holdOffer = serializeSdp(
      createOffer({
        address: '127.0.0.1',
        rtpPort: 40000,
        sessionId: '1',
        sessionVersion: 2,
        direction: 'sendonly',
      }),
    );
    const hold = await call.reinvite(holdOffer);
    assert.ok(hold.ok);
    assert.match(hold.sdp, /a=recvonly/);
    const resume = await call.reinvite(OFFER.replace(' 1 1 IN', ' 1 3 IN'));
    assert.ok(resume.ok && /a=sendrecv/.test(resume.sdp));
    const referred = new Promise<string>((resolve) =>
      inbound.once('refer', (r) => {
        r.notify(200);
        resolve(r.referTo);
      }),
    );
    const progress: number[] = [];
    call.on('referProgress', (e) => progress.push(e.status));
    const res = await call.refer('sip:202@127.0.0.1');
    assert.equal(res.status, 202);
    assert.equal(await referred, 'sip:202@127.0.0.1');
    for (let i = 0; i < 50 && progress.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(progress, [100, 200]);
    call.hangup();
    await ended(inbound);
  } finally {
    await p.close();
  }
});

test('MESSAGE in and out, OPTIONS answered with Allow, unknown in-dialog request gets 481', async () => {
  const p = await pair('udp');
  try {
    const got = new Promise<string>((resolve) =>
      p.b.once('message', (m) => {
        m.respond(202);
        resolve(m.body);
      }),
    );
    const sent = await p.a.sendMessage({ to: p.uri('201'), body: 'Grüße 📞' });
    assert.equal(sent.status, 202);
    assert.equal(await got, 'Grüße 📞');
    const opt = await p.a.sendOptions(p.uri('201'));
    assert.equal(opt.status, 200);
    assert.ok(opt.latencyMs >= 0);
    const noListener = await p.b.sendMessage({
      to: `sip:x@127.0.0.1:${p.a.boundAddresses()[0]!.port}`,
      body: 'x',
    });
    assert.equal(noListener.status, 200);
  } finally {
    await p.close();
  }
});

test('no incomingCall listener → 480; stop() is idempotent and clears calls', async () => {
  const p = await pair('udp');
  try {
    const call = await p.a.createCall({ to: p.uri('201'), sdpOffer: OFFER });
    assert.equal((await ended(call)).status, 480);
  } finally {
    await p.close();
    await p.close();
  }
});

test('trunk account registers with digest to our registrar, gets qualified, is callable, unregisters on stop', async () => {
  const clock = new SystemClock();
  const registrarStack = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    timers: { t1Ms: 50, t2Ms: 400, t4Ms: 500 },
    auth: { realm: 'linegate', users: [{ username: '201', password: 'pw201' }] },
    registrar: { qualifyIntervalMs: 3_600_000 },
  });
  await registrarStack.start(new AbortController().signal);
  const port = registrarStack.boundAddresses()[0]!.port;
  const phone = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    timers: { t1Ms: 50, t2Ms: 400, t4Ms: 500 },
    contactUser: '201',
    trustedPeers: ['127.0.0.1/32'],
    accounts: [
      {
        id: 'local',
        username: '201',
        password: 'pw201',
        domain: 'linegate.local',
        servers: [`sip:127.0.0.1:${port}`],
        expiresS: 120,
      },
    ],
  });
  const registered = new Promise<void>((resolve) =>
    phone.on('registration', (s) => s.state === 'registered' && resolve()),
  );
  await phone.start(new AbortController().signal);
  try {
    await registered;
    assert.equal(phone.registrations[0]?.expiresS, 120);
    const bindings = registrarStack.lookupContacts('201');
    assert.equal(bindings.length, 1);
    assert.match(bindings[0]!.contactUri, /^sip:201@127\.0\.0\.1:\d+$/);
    await registrarStack.qualifyContacts();
    assert.equal(registrarStack.lookupContacts('201')[0]?.reachable, true);
    assert.ok((registrarStack.lookupContacts('201')[0]?.latencyMs ?? -1) >= 0);
    phone.once('incomingCall', (c) => c.accept(answerFor(c.remoteSdp!)));
    const b = bindings[0]!;
    const call = await registrarStack.createCall({
      to: b.contactUri,
      proxy: `sip:${b.source.address}:${b.source.port}`,
      sdpOffer: OFFER,
    });
    await new Promise((r) => call.once('answered', r));
    call.hangup();
    const removed = new Promise((r) => registrarStack.once('contactRemoved', r));
    await phone.stop();
    await removed;
    assert.equal(registrarStack.lookupContacts('201').length, 0);
  } finally {
    await phone.stop();
    await registrarStack.stop();
  }
});

test('ring timeout cancels an unanswered outbound call with cause no-answer', async () => {
  const p = await pair('udp');
  try {
    p.b.on('incomingCall', (c) => c.ringing());
    const call = await p.a.createCall({ to: p.uri('201'), sdpOffer: OFFER, ringTimeoutMs: 200 });
    assert.deepEqual(await ended(call), { cause: 'no-answer', status: 487, reason: 'Request Terminated' });
  } finally {
    await p.close();
  }
});
