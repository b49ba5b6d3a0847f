/**
 * G.711 µ-law and A-law, bit-exact with the ITU-T G.191 STL reference
 * (`g711.c`, UGST v3.01): the encoder takes full 16-bit linear samples and
 * drops the low 3 (A-law) / 2 (µ-law) bits itself; the decoder returns the
 * left-justified 16-bit value. Both directions are table driven: the 64 Ki
 * encode tables and 256-entry decode tables are built once from the
 * segment rules below, so the per-sample cost is one array lookup.
 */

export type G711Law = 'ulaw' | 'alaw';

/** The code an idle (0) sample encodes to: what silence looks like on the wire. */
export const ULAW_SILENCE_CODE = 0xff;
export const ALAW_SILENCE_CODE = 0xd5;

/** A-law compression of one 16-bit sample (G.711 §2 with G.191 rounding). */
function alawCompressOne(linear16: number): number {
  // Negative values use the one's complement so that -1..-16 share the
  // smallest negative interval, as the reference does.
  let ix = linear16 < 0 ? ~linear16 >> 4 : linear16 >> 4;
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix -= 16;
    ix += exponent << 4;
  }
  if (linear16 >= 0) ix |= 0x80;
  // Even-bit inversion (ADI) from G.711 Table 1a.
  return ix ^ 0x55;
}

function alawExpandOne(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 0x08;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 127 ? mantissa : -mantissa;
}

function ulawCompressOne(linear16: number): number {
  // 14-bit magnitude plus the 33 bias of G.711 Table 2a; one's complement for
  // negatives, which is what makes -1..-4 encode to 0x7F ("negative zero").
  let biased = linear16 < 0 ? (~linear16 >> 2) + 33 : (linear16 >> 2) + 33;
  if (biased > 0x1fff) biased = 0x1fff;
  let segment = 1;
  for (let i = biased >> 6; i !== 0; i >>= 1) segment++;
  const high = 0x08 - segment;
  const low = 0x0f - ((biased >> segment) & 0x0f);
  let code = (high << 4) | low;
  if (linear16 >= 0) code |= 0x80;
  return code;
}

function ulawExpandOne(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const inverted = ~code;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function buildEncodeTable(compress: (x: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let x = -32768; x <= 32767; x++) table[x & 0xffff] = compress(x);
  return table;
}

function buildDecodeTable(expand: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = expand(code);
  return table;
}

/** Index with `sample & 0xffff`. */
export const ULAW_ENCODE_TABLE: Uint8Array = buildEncodeTable(ulawCompressOne);
export const ALAW_ENCODE_TABLE: Uint8Array = buildEncodeTable(alawCompressOne);
export const ULAW_DECODE_TABLE: Int16Array = buildDecodeTable(ulawExpandOne);
export const ALAW_DECODE_TABLE: Int16Array = buildDecodeTable(alawExpandOne);

export function encodeTable(law: G711Law): Uint8Array {
  return law === 'ulaw' ? ULAW_ENCODE_TABLE : ALAW_ENCODE_TABLE;
}

export function decodeTable(law: G711Law): Int16Array {
  return law === 'ulaw' ? ULAW_DECODE_TABLE : ALAW_DECODE_TABLE;
}

export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE_TABLE[sample & 0xffff]!;
}

export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE_TABLE[sample & 0xffff]!;
}

export function ulawToLinear(code: number): number {
  return ULAW_DECODE_TABLE[code & 0xff]!;
}

export function alawToLinear(code: number): number {
  return ALAW_DECODE_TABLE[code & 0xff]!;
}

/** Encodes `pcm` into `out` (allocated when omitted); returns the codes. */
export function g711Encode(law: G711Law, pcm: Int16Array, out?: Uint8Array): Uint8Array {
  const table = encodeTable(law);
  const codes = out ?? new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) codes[i] = table[pcm[i]! & 0xffff]!;
  return codes;
}

/** Decodes `codes` into `out` (allocated when omitted); returns the samples. */
export function g711Decode(law: G711Law, codes: Uint8Array, out?: Int16Array): Int16Array {
  const table = decodeTable(law);
  const pcm = out ?? new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) pcm[i] = table[codes[i]!]!;
  return pcm;
}

/** The payload type RFC 3551 gives each law (PCMU 0, PCMA 8). */
export function g711PayloadType(law: G711Law): number {
  return law === 'ulaw' ? 0 : 8;
}

export function silenceCode(law: G711Law): number {
  return law === 'ulaw' ? ULAW_SILENCE_CODE : ALAW_SILENCE_CODE;
}
