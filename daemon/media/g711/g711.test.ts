import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALAW_DECODE_TABLE,
  ALAW_ENCODE_TABLE,
  g711Decode,
  g711Encode,
  linearToAlaw,
  linearToUlaw,
  ULAW_DECODE_TABLE,
  ULAW_ENCODE_TABLE,
  ulawToLinear,
} from './g711.ts';

// Expected values are derived here from the G.711 tables (segment edges,
// quantisation steps, reconstruction at the interval midpoint) and the
// G.191 input scaling, written without looking at the codec's loops.

/** G.711 Table 1a, 16-bit input: the A-law code before and after even-bit inversion. */
function specAlaw(x: number): { code: number; decoded: number } {
  const positive = x >= 0;
  const magnitude13 = (positive ? x : -x - 1) >> 3; // 0..4095, one's complement for negatives
  let segment: number;
  let lowerEdge: number;
  let step: number;
  if (magnitude13 < 32) {
    // segments 0 and 1 share step 2: segment 0 is [0,32), segment 1 is [32,64)
    segment = 0;
    lowerEdge = 0;
    step = 2;
  } else if (magnitude13 < 64) {
    segment = 1;
    lowerEdge = 32;
    step = 2;
  } else {
    segment = Math.floor(Math.log2(magnitude13 / 16)); // [16·2^s, 32·2^s)
    lowerEdge = 16 * 2 ** segment;
    step = 2 ** segment;
  }
  const quant = Math.floor((magnitude13 - lowerEdge) / step);
  assert.ok(quant >= 0 && quant < 16);
  const raw = (positive ? 0x80 : 0) | (segment << 4) | quant;
  const mid13 = lowerEdge + quant * step + step / 2;
  return { code: raw ^ 0x55, decoded: (positive ? 1 : -1) * mid13 * 8 };
}

/** G.711 Table 2a, 16-bit input: µ-law with the 33 bias, all bits inverted on the wire. */
function specUlaw(x: number): { code: number; decoded: number } {
  const positive = x >= 0;
  const magnitude14 = (positive ? x : -x - 1) >> 2; // 0..8191
  const biased = Math.min(magnitude14 + 33, 8191);
  const segment = Math.floor(Math.log2(biased / 32)); // [32·2^e, 64·2^e)
  const lowerEdge = 32 * 2 ** segment;
  const step = 2 ** (segment + 1);
  const quant = Math.floor((biased - lowerEdge) / step);
  assert.ok(segment >= 0 && segment < 8 && quant >= 0 && quant < 16);
  const code = (positive ? 0x80 : 0) | ((7 - segment) << 4) | (15 - quant);
  const mid14 = lowerEdge + quant * step + step / 2 - 33;
  return { code, decoded: (positive ? 1 : -1) * mid14 * 4 };
}

test('A-law encodes all 65,536 inputs as the G.711 segment rules say', () => {
  let mismatches = 0;
  for (let x = -32768; x <= 32767; x++) {
    const spec = specAlaw(x);
    if (linearToAlaw(x) !== spec.code || ALAW_DECODE_TABLE[linearToAlaw(x)] !== spec.decoded) mismatches++;
  }
  assert.equal(mismatches, 0);
});

test('µ-law encodes all 65,536 inputs as the G.711 segment rules say', () => {
  let mismatches = 0;
  for (let x = -32768; x <= 32767; x++) {
    const spec = specUlaw(x);
    const code = linearToUlaw(x);
    // Negative zero (0x7F) reconstructs to 0, which is +0 in integers.
    if (code !== spec.code || ULAW_DECODE_TABLE[code] !== (spec.decoded === 0 ? 0 : spec.decoded))
      mismatches++;
  }
  assert.equal(mismatches, 0);
});

test('all 256 codes decode, and every code is reachable from some input', () => {
  for (const [enc, dec] of [
    [ALAW_ENCODE_TABLE, ALAW_DECODE_TABLE],
    [ULAW_ENCODE_TABLE, ULAW_DECODE_TABLE],
  ] as const) {
    assert.equal(new Set(enc).size, 256);
    for (let code = 0; code < 256; code++) {
      const v = dec[code]!;
      assert.ok(v >= -32768 && v <= 32767);
    }
  }
});

test('decode then encode is the identity, except µ-law negative zero', () => {
  for (let code = 0; code < 256; code++) {
    assert.equal(linearToAlaw(ALAW_DECODE_TABLE[code]!), code, `A-law ${code}`);
    const back = linearToUlaw(ulawToLinear(code));
    assert.equal(back, code === 0x7f ? 0xff : code, `µ-law ${code}`);
  }
});

test('µ-law negative zero: -1..-4 encode to 0x7F, which decodes to 0; 0..3 encode to 0xFF', () => {
  for (const x of [-1, -2, -3, -4]) assert.equal(linearToUlaw(x), 0x7f);
  for (const x of [0, 1, 2, 3]) assert.equal(linearToUlaw(x), 0xff);
  assert.equal(linearToUlaw(-5), 0x7e);
  assert.equal(linearToUlaw(4), 0xfe);
  assert.equal(ulawToLinear(0x7f), 0);
  assert.equal(ulawToLinear(0xff), 0);
});

test('published edge codes: idle and full scale', () => {
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ALAW_DECODE_TABLE[0xaa], 32256);
});

test('encoding is monotonic in level', () => {
  let lastA = -Infinity;
  let lastU = -Infinity;
  for (let x = -32768; x <= 32767; x++) {
    const a = ALAW_DECODE_TABLE[linearToAlaw(x)]!;
    const u = ULAW_DECODE_TABLE[linearToUlaw(x)]!;
    assert.ok(a >= lastA && u >= lastU, `at ${x}`);
    lastA = a;
    lastU = u;
  }
});

test('buffer helpers round-trip and reuse output buffers', () => {
  const pcm = Int16Array.from([0, -1, 1000, -1000, 32767, -32768]);
  const out = new Uint8Array(pcm.length);
  assert.equal(g711Encode('alaw', pcm, out), out);
  const decoded = g711Decode('alaw', out);
  assert.deepEqual(Array.from(g711Encode('alaw', decoded)), Array.from(out));
  assert.deepEqual(Array.from(g711Encode('ulaw', pcm)), [0xff, 0x7f, 0xce, 0x4e, 0x80, 0x00]);
});
