import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRtp, seqDelta, serializeRtp, tsDelta } from './rtp-packet.ts';

test('serialise then parse round-trips header fields and CSRCs', () => {
  const buf = serializeRtp({
    marker: true,
    payloadType: 8,
    sequenceNumber: 65535,
    timestamp: 0xfffffff0,
    ssrc: 0xdeadbeef,
    csrcs: [1, 2],
    payload: Uint8Array.of(1, 2, 3),
  });
  assert.equal(buf[0], 0x82);
  assert.equal(buf[1], 0x88);
  const r = parseRtp(buf);
  assert.ok(r.ok);
  assert.equal(r.packet.sequenceNumber, 65535);
  assert.equal(r.packet.timestamp, 0xfffffff0);
  assert.equal(r.packet.ssrc, 0xdeadbeef);
  assert.deepEqual(r.packet.csrcs, [1, 2]);
  assert.deepEqual([...r.packet.payload], [1, 2, 3]);
});

test('extension and padding are skipped; garbage gets a reason, never a throw', () => {
  const withExt = Buffer.from([0x90, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 9, 9, 9, 9, 0xaa]);
  const r = parseRtp(withExt);
  assert.ok(r.ok);
  assert.deepEqual([...r.packet.payload], [0xaa]);
  const padded = Buffer.from([0xa0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x55, 0, 0, 3]);
  const p = parseRtp(padded);
  assert.ok(p.ok);
  assert.deepEqual([...p.packet.payload], [0x55]);
  const cases: [number[], string][] = [
    [[0x80, 0, 0], 'too-short'],
    [[0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'bad-version'],
    [[0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'bad-csrc-count'],
    [[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9], 'bad-extension'],
    [[0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40], 'bad-padding'],
  ];
  for (const [bytes, reason] of cases)
    assert.deepEqual(parseRtp(Uint8Array.from(bytes)), { ok: false, reason });
  for (let i = 0; i < 2000; i++) {
    const junk = Uint8Array.from({ length: i % 40 }, (_, k) => (i * 31 + k * 17) & 0xff);
    parseRtp(junk);
  }
});

test('sequence and timestamp distances wrap', () => {
  assert.equal(seqDelta(65535, 0), 1);
  assert.equal(seqDelta(0, 65535), -1);
  assert.equal(tsDelta(0xffffff00, 0x100), 0x200);
});
