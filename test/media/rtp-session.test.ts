import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { RtpPortAllocator } from '../../daemon/media/rtp/port-allocator.ts';
import type { ReceivedEvent } from '../../daemon/media/rtp/rfc4733.ts';
import { serializeRtp } from '../../daemon/media/rtp/rtp-packet.ts';
import { RtpSession } from '../../daemon/media/rtp/rtp-session.ts';

const BASE = 30000 + (process.pid % 500) * 20;

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('allocator: even/odd pairs, skips taken ports, reports exhaustion', async () => {
  const blocker = createSocket('udp4');
  blocker.bind(BASE + 3, '127.0.0.1');
  await once(blocker, 'listening');
  const alloc = new RtpPortAllocator({ minPort: BASE, maxPort: BASE + 5, host: '127.0.0.1' });
  const a = await alloc.allocate();
  const b = await alloc.allocate(); // BASE+2 is skipped: its RTCP port is taken
  assert.equal(a.port, BASE);
  assert.equal(b.port, BASE + 4);
  assert.equal(a.rtcp.address().port, BASE + 1);
  await assert.rejects(alloc.allocate(), (e: unknown) => isLinegateError(e, 'UNAVAILABLE'));
  alloc.release(a);
  alloc.release(a);
  assert.equal(alloc.inUse, 1);
  alloc.release(b);
  blocker.close();
});

test('two sessions on loopback: audio, DTMF, latching, garbage, RTCP with RTT', async (t) => {
  const alloc = new RtpPortAllocator({ minPort: BASE + 10, maxPort: BASE + 19, host: '127.0.0.1' });
  const clock = new FakeClock();
  const pa = await alloc.allocate();
  const pb = await alloc.allocate();
  const a = new RtpSession({
    clock,
    sockets: pa,
    remote: { address: '127.0.0.1', port: pb.port },
    rtcpIntervalMs: 1000,
  });
  // b counts strangers itself (a connected socket would let the kernel drop them uncounted).
  const b = new RtpSession({
    clock,
    sockets: pb,
    remote: { address: '127.0.0.1', port: pa.port },
    rtcpIntervalMs: 1000,
    connectOnLatch: false,
  });
  t.after(async () => {
    await a.stop();
    await b.stop();
    alloc.release(pa);
    alloc.release(pb);
  });
  await a.start();
  await b.start();
  const got: number[] = [];
  const pts: number[] = [];
  b.on('packet', (p) => {
    got.push(p.payload[0]!);
    pts.push(p.payloadType);
  });
  const digits: ReceivedEvent[] = [];
  b.on('dtmfEnd', (e) => digits.push(e));
  for (let i = 0; i < 10; i++) a.sendAudio(new Uint8Array(160).fill(i), { payloadType: i < 5 ? 0 : 8 });
  await until(() => got.length === 10);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(pts, [0, 0, 0, 0, 0, 8, 8, 8, 8, 8]);

  // A stranger sends valid RTP and garbage: all counted and dropped.
  const stranger = createSocket('udp4');
  const junk = [
    serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: 1,
      timestamp: 1,
      ssrc: 1,
      payload: new Uint8Array(160),
    }),
    Buffer.from('INVITE sip:x SIP/2.0\r\n'),
    Buffer.from([0x80]),
  ];
  for (const j of junk) stranger.send(j, pb.port, '127.0.0.1');
  a.sendAudio(new Uint8Array(160).fill(10), { payloadType: 18 }); // not negotiated
  a.sendAudio(new Uint8Array(160).fill(11));
  await until(() => got.length === 11);
  await until(() => (b.stats().dropped.unlatched ?? 0) === 1);
  assert.equal(b.stats().dropped['payload-type'], 1);
  await until(() => (b.stats().dropped['bad-version'] ?? 0) + (b.stats().dropped['too-short'] ?? 0) === 2);
  stranger.close();
  assert.equal(got.length, 11);

  // RFC 4733 digit: 100 ms, then end packets; the receiver reports it once.
  assert.ok(a.sendDigit('7', 100));
  for (let i = 0; i < 10; i++) {
    clock.advance(20);
    await new Promise((r) => setTimeout(r, 2));
  }
  await until(() => digits.length === 1);
  assert.equal(digits[0]!.digit, '7');
  assert.equal(digits[0]!.durationMs, 100);

  // RTCP: let both send SR/RR twice; A learns the RTT from B's report block.
  for (let i = 0; i < 40; i++) {
    clock.advance(100);
    await new Promise((r) => setTimeout(r, 2));
  }
  await until(() => a.stats().rttMs !== null);
  // Fake time moves in 100 ms steps while packets cross loopback in real time: RTT is 0, 100 or 200.
  assert.ok(a.stats().rttMs! >= 0 && a.stats().rttMs! <= 201, `rtt ${a.stats().rttMs}`);
  assert.equal(b.stats().lost, 0);
  assert.deepEqual(b.stats().latched, { address: '127.0.0.1', port: pa.port });
  const q = b.quality({ jitterBufferDelayMs: 40 });
  assert.ok(q.rFactor > 90 && q.mos > 4.3, JSON.stringify(q));

  const bye = new Promise<void>((resolve) => b.once('bye', () => resolve()));
  await a.stop();
  await bye;
  await a.stop();
  await b.stop();
  assert.equal(clock.pendingTimers, 0);
});

test('connect-on-latch: after latching, a stranger is dropped by the kernel and our sends still arrive', async (t) => {
  const alloc = new RtpPortAllocator({ minPort: BASE + 10, maxPort: BASE + 19, host: '127.0.0.1' });
  const clock = new FakeClock();
  const pa = await alloc.allocate();
  const pb = await alloc.allocate();
  const a = new RtpSession({ clock, sockets: pa, remote: { address: '127.0.0.1', port: pb.port } });
  const b = new RtpSession({ clock, sockets: pb });
  t.after(async () => {
    await a.stop();
    await b.stop();
    alloc.release(pa);
    alloc.release(pb);
  });
  await a.start();
  await b.start();
  let atB = 0;
  let atA = 0;
  b.on('packet', () => atB++);
  a.on('packet', () => atA++);
  a.sendAudio(new Uint8Array(160));
  await until(() => atB === 1);
  await new Promise((r) => setTimeout(r, 20)); // connect completes
  const stranger = createSocket('udp4');
  stranger.send(
    serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: 9,
      timestamp: 9,
      ssrc: 9,
      payload: new Uint8Array(160),
    }),
    pb.port,
    '127.0.0.1',
  );
  for (let i = 0; i < 3; i++) b.sendAudio(new Uint8Array(160)); // b never had a remote: it sends to the latched peer
  a.sendAudio(new Uint8Array(160));
  await until(() => atA === 3 && atB === 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(atB, 2);
  stranger.close();
});
