/**
 * The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038
 * §6.2.1), and septet packing. Drivers need it for USSD strings that modems
 * return packed (Huawei) and for the simulated network's PDUs; the SMS layer
 * has its own full codec.
 */
export const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

export const GSM7_EXTENSION: Record<number, string> = {
  10: '\f',
  20: '^',
  40: '{',
  41: '}',
  47: '\\',
  60: '[',
  61: '~',
  62: ']',
  64: '|',
  101: '€',
};

const BASIC_INDEX = new Map<string, number>([...GSM7_BASIC].map((ch, i) => [ch, i]));
const EXT_INDEX = new Map<string, number>(Object.entries(GSM7_EXTENSION).map(([k, v]) => [v, Number(k)]));

/** Septets for `text`, or undefined when a character is outside GSM-7 (then UCS-2 is needed). */
export function toSeptets(text: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of text) {
    const b = BASIC_INDEX.get(ch);
    if (b !== undefined && ch !== '\x1b') {
      out.push(b);
      continue;
    }
    const e = EXT_INDEX.get(ch);
    if (e === undefined) return undefined;
    out.push(0x1b, e);
  }
  return out;
}

export function fromSeptets(septets: number[]): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]!;
    if (s === 0x1b && i + 1 < septets.length) {
      out += GSM7_EXTENSION[septets[++i]!] ?? ' ';
      continue;
    }
    out += GSM7_BASIC[s] ?? '?';
  }
  return out;
}

/** Packs septets into octets, after `fillBits` padding bits (UDH alignment). */
export function packSeptets(septets: number[], fillBits = 0): Uint8Array {
  const totalBits = fillBits + septets.length * 7;
  const out = new Uint8Array(Math.ceil(totalBits / 8));
  let bit = fillBits;
  for (const s of septets) {
    for (let k = 0; k < 7; k++) {
      if ((s >> k) & 1) out[bit >> 3]! |= 1 << (bit & 7);
      bit++;
    }
  }
  return out;
}

export function unpackSeptets(octets: Uint8Array, count: number, fillBits = 0): number[] {
  const out: number[] = [];
  let bit = fillBits;
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = 0; k < 7; k++) {
      const byte = octets[bit >> 3];
      if (byte === undefined) return out;
      if ((byte >> (bit & 7)) & 1) s |= 1 << k;
      bit++;
    }
    out.push(s);
  }
  return out;
}
