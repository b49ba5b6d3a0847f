import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildBye,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  ReceiverStatistics,
  roundTripMs,
} from './rtcp.ts';

test('SR + SDES + BYE compound round-trips', () => {
  const block = {
    ssrc: 9,
    fractionLost: 25,
    cumulativeLost: -3,
    extendedHighestSeq: 70000,
    jitter: 123,
    lastSr: 0x12345678,
    delaySinceLastSr: 65536,
  };
  const sender = {
    ntpSeconds: 3_900_000_000,
    ntpFraction: 0x80000000,
    rtpTimestamp: 160,
    packetCount: 5,
    octetCount: 800,
  };
  const buf = Buffer.concat([
    buildSenderReport(7, sender, [block]),
    buildSdesCname(7, 'me@linegate'),
    buildBye(7),
  ]);
  const r = parseRtcp(buf);
  assert.ok(r.ok);
  assert.deepEqual(r.packets, [
    { type: 'sr', ssrc: 7, sender, reports: [block] },
    { type: 'sdes', chunks: [{ ssrc: 7, cname: 'me@linegate' }] },
    { type: 'bye', ssrcs: [7] },
  ]);
  assert.ok(parseRtcp(buildReceiverReport(1, [])).ok);
});

test('malformed RTCP is reported, not thrown', () => {
  const sr = buildSenderReport(1, {
    ntpSeconds: 0,
    ntpFraction: 0,
    rtpTimestamp: 0,
    packetCount: 0,
    octetCount: 0,
  });
  assert.deepEqual(parseRtcp(sr.subarray(0, 20)), { ok: false, reason: 'truncated-packet' });
  assert.deepEqual(parseRtcp(buildBye(1)), { ok: false, reason: 'compound-must-start-with-report' });
  assert.deepEqual(parseRtcp(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])), { ok: false, reason: 'bad-version' });
  for (let i = 0; i < 500; i++)
    parseRtcp(Uint8Array.from({ length: 8 + (i % 30) }, (_, k) => (k === 0 ? 0x80 : (i * k) & 0xff)));
});

test('receiver statistics: loss with wrap, and §6.4.1 jitter for constant and alternating transit', () => {
  const rs = new ReceiverStatistics(5);
  // 100 packets from seq 65500 across the wrap, every 10th lost, perfectly timed.
  for (let n = 0; n < 100; n++) if (n % 10 !== 5) rs.onPacket((65500 + n) & 0xffff, n * 160, n * 20);
  assert.equal(rs.expected, 100);
  assert.equal(rs.cumulativeLost, 10);
  assert.equal(rs.extendedHighestSeq, 65536 + ((65500 + 99) & 0xffff));
  assert.equal(rs.jitterMs, 0);
  const block = rs.reportBlock(2000);
  assert.equal(block.fractionLost, Math.floor((10 * 256) / 100));
  // Transit alternating 0 and +5 ms: |D| = 5 ms = 40 ts each time, J converges to 40.
  const j = new ReceiverStatistics(6);
  for (let n = 0; n < 500; n++) j.onPacket(n, n * 160, n * 20 + (n % 2 ? 5 : 0));
  assert.ok(Math.abs(j.jitterTs - 40) < 0.5, `${j.jitterTs}`);
});

test('RTT from LSR/DLSR', () => {
  const sentAtMs = Date.UTC(2026, 0, 1);
  const ntp = ntpFromUnixMs(sentAtMs);
  const lsr = ntpMiddle32(ntp.seconds, ntp.fraction);
  // The peer held our SR for 250 ms and its report reached us 330 ms after we sent the SR.
  const rtt = roundTripMs(
    {
      ssrc: 1,
      fractionLost: 0,
      cumulativeLost: 0,
      extendedHighestSeq: 0,
      jitter: 0,
      lastSr: lsr,
      delaySinceLastSr: 0.25 * 65536,
    },
    sentAtMs + 330,
  );
  assert.ok(rtt !== null && Math.abs(rtt - 80) < 0.1, `${rtt}`);
});
