/**
 * The GSM 7-bit default alphabet and its extension tables (3GPP TS 23.038
 * §6.2.1 and §6.2.1.1), plus the cheap national single-shift tables
 * (Annex A.2: Turkish 1, Spanish 2) that only add characters behind the
 * escape code, so a text in those languages can stay GSM-7.
 */

/** Septet → character for the default alphabet; index 0x1B is the escape to the extension table. */
const DEFAULT_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

export const ESCAPE_SEPTET = 0x1b;

/** Extension table of the default alphabet (after an escape). */
const DEFAULT_EXTENSION: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

/** National single-shift tables by National Language Identifier (TS 23.038 A.2). */
const SINGLE_SHIFT: ReadonlyMap<number, ReadonlyArray<readonly [number, string]>> = new Map([
  [
    1, // Turkish
    [
      ...DEFAULT_EXTENSION,
      [0x47, 'Ğ'],
      [0x49, 'İ'],
      [0x53, 'Ş'],
      [0x63, 'ç'],
      [0x67, 'ğ'],
      [0x69, 'ı'],
      [0x73, 'ş'],
    ],
  ],
  [
    2, // Spanish
    [
      ...DEFAULT_EXTENSION,
      [0x09, 'ç'],
      [0x41, 'Á'],
      [0x49, 'Í'],
      [0x4f, 'Ó'],
      [0x55, 'Ú'],
      [0x61, 'á'],
      [0x69, 'í'],
      [0x6f, 'ó'],
      [0x75, 'ú'],
    ],
  ],
]);

export const NATIONAL_LANGUAGES: Readonly<Record<number, string>> = { 1: 'turkish', 2: 'spanish' };

const DEFAULT_ENCODE = new Map<string, number>();
for (let i = 0; i < DEFAULT_TABLE.length; i++) {
  if (i !== ESCAPE_SEPTET) DEFAULT_ENCODE.set(DEFAULT_TABLE[i]!, i);
}

function buildExtension(entries: ReadonlyArray<readonly [number, string]>) {
  const decode = new Map<number, string>();
  const encode = new Map<string, number>();
  for (const [septet, ch] of entries) {
    decode.set(septet, ch);
    encode.set(ch, septet);
  }
  return { decode, encode };
}

const EXTENSIONS = new Map<number, ReturnType<typeof buildExtension>>([
  [0, buildExtension(DEFAULT_EXTENSION)],
]);
for (const [id, entries] of SINGLE_SHIFT) EXTENSIONS.set(id, buildExtension(entries));

/** True when a single-shift table exists for this language (0 = the default extension). */
export function hasSingleShift(language: number): boolean {
  return EXTENSIONS.has(language);
}

/**
 * Text → septets, or null when a character is not representable. Extension
 * characters become two septets (escape + code). `language` picks a national
 * single-shift table (0 = default extension).
 */
export function textToSeptets(text: string, language = 0): number[] | null {
  const ext = EXTENSIONS.get(language) ?? EXTENSIONS.get(0)!;
  const out: number[] = [];
  for (const ch of text) {
    const base = DEFAULT_ENCODE.get(ch);
    if (base !== undefined) {
      out.push(base);
      continue;
    }
    const code = ext.encode.get(ch);
    if (code === undefined) return null;
    out.push(ESCAPE_SEPTET, code);
  }
  return out;
}

/**
 * Septets → text. An escape followed by a code the table lacks shows the
 * default-alphabet character (TS 23.038 §6.2.1.1); a trailing lone escape is
 * dropped (it would be half of a pair split by a bad sender).
 */
export function septetsToText(septets: ArrayLike<number>, language = 0): string {
  const ext = EXTENSIONS.get(language) ?? EXTENSIONS.get(0)!;
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]! & 0x7f;
    if (s === ESCAPE_SEPTET) {
      i++;
      if (i >= septets.length) break;
      const code = septets[i]! & 0x7f;
      // Escape + escape is reserved for a further extension: shows as a space.
      out += code === ESCAPE_SEPTET ? ' ' : (ext.decode.get(code) ?? DEFAULT_TABLE[code]!);
      continue;
    }
    out += DEFAULT_TABLE[s]!;
  }
  return out;
}

/**
 * Packs septets LSB-first into octets after `startBit` bits that the caller
 * already owns (the UDH plus fill bits). Spare bits are zero.
 */
export function packSeptets(septets: ArrayLike<number>, out: Uint8Array, startBit = 0): void {
  let bit = startBit;
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]! & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] = (out[byte]! | (s << shift)) & 0xff;
    if (shift > 1) out[byte + 1] = (out[byte + 1] ?? 0) | (s >> (8 - shift));
    bit += 7;
  }
}

/** Number of octets `septetCount` septets occupy. */
export function septetOctets(septetCount: number): number {
  return Math.ceil((septetCount * 7) / 8);
}

/** Reads `count` septets LSB-first from `data`, stopping early (never throwing) when bytes run out. */
export function unpackSeptets(data: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bit = i * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    if (byte >= data.length) break;
    let v = data[byte]! >> shift;
    if (shift > 1) {
      if (byte + 1 >= data.length) break;
      v |= data[byte + 1]! << (8 - shift);
    }
    out.push(v & 0x7f);
  }
  return out;
}
