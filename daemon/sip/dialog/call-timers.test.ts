import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { silentLogger } from '../../../drivers/base/logger.ts';
import { SipStack } from '../sip-stack.ts';
import type { CallEnd } from './call.ts';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function invite(port: number): string {
  return (
    `INVITE sip:201@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKtimer1;rport\r\nMax-Forwards: 70\r\n` +
    `To: <sip:201@127.0.0.1>\r\nFrom: <sip:p@127.0.0.1>;tag=pt\r\nCall-ID: timer-call\r\nCSeq: 1 INVITE\r\n` +
    `Contact: <sip:p@127.0.0.1:${port}>\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`
  );
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond());
}

test('UAS core retransmits 2xx at T1, 2T1, … capped at T2 until ACK; no ACK in 64*T1 → BYE and ack-timeout', async () => {
  const clock = new FakeClock();
  const stack = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    trustedPeers: ['127.0.0.1/32'],
    timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 },
  });
  await stack.start(new AbortController().signal);
  const peer: Socket = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const got: Array<{ line: string; atMs: number }> = [];
  peer.on('message', (d) => got.push({ line: d.toString().split('\r\n')[0] ?? '', atMs: clock.now() }));
  let end: CallEnd | undefined;
  stack.on('incomingCall', (call) => {
    call.on('ended', (e) => (end = e));
    call.accept(SDP);
  });
  try {
    peer.send(invite(peer.address().port), stack.boundAddresses()[0]!.port, '127.0.0.1');
    await until(() => got.some((g) => g.line.startsWith('SIP/2.0 200')));
    // Step the fake clock and let each retransmission reach the socket before the next step.
    for (let t = 0; t < 32_500; t += 250) {
      clock.advance(250);
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => got.some((g) => g.line.startsWith('BYE')));
    const oks = got.filter((g) => g.line.startsWith('SIP/2.0 200')).map((g) => g.atMs);
    assert.deepEqual(oks, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(end?.cause, 'ack-timeout');
  } finally {
    peer.close();
    await stack.stop();
  }
});

async function sessionTimerCall(sessionExpires: string) {
  const clock = new FakeClock();
  const stack = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    trustedPeers: ['127.0.0.1/32'],
  });
  await stack.start(new AbortController().signal);
  const peer: Socket = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const got: Array<{ text: string; atMs: number }> = [];
  peer.on('message', (d) => got.push({ text: d.toString(), atMs: clock.now() }));
  const ends: CallEnd[] = [];
  stack.on('incomingCall', (call) => {
    call.on('ended', (e) => ends.push(e));
    call.accept(SDP);
  });
  const port = stack.boundAddresses()[0]!.port;
  const text = invite(peer.address().port).replace(
    'Content-Type:',
    `Session-Expires: ${sessionExpires}\r\nSupported: timer\r\nContent-Type:`,
  );
  peer.send(text, port, '127.0.0.1');
  await until(() => got.some((g) => /^SIP\/2.0 (200|422)/.test(g.text)));
  const final = got.find((g) => /^SIP\/2.0 (200|422)/.test(g.text))!.text;
  const to = /\r\nTo: ([^\r]*)/.exec(final)?.[1] ?? '';
  if (final.startsWith('SIP/2.0 200')) {
    peer.send(
      `ACK sip:linegate@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.address().port};branch=z9hG4bKack1;rport\r\n` +
        `Max-Forwards: 70\r\nTo: ${to}\r\nFrom: <sip:p@127.0.0.1>;tag=pt\r\nCall-ID: timer-call\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`,
      port,
      '127.0.0.1',
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 500) {
      clock.advance(500);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return {
    final,
    got,
    ends,
    step,
    async close() {
      peer.close();
      await stack.stop();
    },
  };
}

test('RFC 4028: peer is refresher and never refreshes → BYE at interval − 30 s, cause session-expired', async () => {
  const c = await sessionTimerCall('90;refresher=uac');
  try {
    assert.match(c.final, /\r\nSession-Expires: 90;refresher=uac\r\n/);
    assert.match(c.final, /\r\nRequire: timer\r\n/);
    await c.step(59_500);
    assert.equal(c.got.filter((g) => g.text.startsWith('BYE')).length, 0);
    await c.step(1_000);
    await until(() => c.got.some((g) => g.text.startsWith('BYE')));
    assert.equal(c.ends[0]?.cause, 'session-expired');
  } finally {
    await c.close();
  }
});

test('RFC 4028: we are refresher → re-INVITE with Session-Expires at half the interval', async () => {
  const c = await sessionTimerCall('90;refresher=uas');
  try {
    await c.step(44_500);
    assert.equal(c.got.filter((g) => g.text.startsWith('INVITE')).length, 0);
    await c.step(1_000);
    await until(() => c.got.some((g) => g.text.startsWith('INVITE')));
    const refresh = c.got.find((g) => g.text.startsWith('INVITE'))!.text;
    assert.match(refresh, /\r\nSession-Expires: 90;refresher=uas\r\n/);
    assert.match(refresh, /\r\nCSeq: \d+ INVITE\r\n/);
  } finally {
    await c.close();
  }
});

test('RFC 4028: Session-Expires below Min-SE gets 422 with Min-SE', async () => {
  const c = await sessionTimerCall('30');
  try {
    assert.match(c.final, /^SIP\/2.0 422 /);
    assert.match(c.final, /\r\nMin-SE: 90\r\n/);
  } finally {
    await c.close();
  }
});
