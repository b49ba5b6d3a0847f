/**
 * TPDU fields shared by every message type (3GPP TS 23.040 §9.1.2):
 * semi-octet addresses, the SMSC address, service-centre timestamps and the
 * relative validity period. Decoders report problems instead of throwing.
 */
import { packSeptets, septetOctets, septetsToText, textToSeptets, unpackSeptets } from './gsm7-alphabet.ts';

const BCD_DIGITS = '0123456789*#abc';

export interface DecodedAddress {
  /** '+' and digits for international numbers, digits otherwise, text for alphanumeric senders. */
  value: string;
  /** The type-of-address octet. */
  typeOctet: number;
  alphanumeric: boolean;
  /** Problems found (bad BCD nibble, filler in the middle). */
  errors: string[];
}

/** Decodes semi-octets (swapped BCD); `digits` limits the count, filler F ends it. */
export function decodeSemiOctets(bytes: Uint8Array, digits: number, errors: string[]): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    const byte = bytes[i >> 1];
    if (byte === undefined) break;
    const nibble = i & 1 ? byte >> 4 : byte & 0x0f;
    if (nibble === 0x0f) {
      if (i !== digits - 1) errors.push(`bad BCD: filler F at digit ${i + 1} of ${digits}`);
      break;
    }
    out += BCD_DIGITS[nibble]!;
  }
  return out;
}

/** Encodes digits (and * # a b c) as swapped BCD with an F filler when the count is odd. */
export function encodeSemiOctets(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2)).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const nibble = BCD_DIGITS.indexOf(digits[i]!);
    if (nibble < 0) throw new Error(`not a semi-octet digit: ${digits[i]}`);
    const byte = out[i >> 1]!;
    out[i >> 1] = i & 1 ? (byte & 0x0f) | (nibble << 4) : (byte & 0xf0) | nibble;
  }
  return out;
}

/** Decodes an address value (after its length and type octets); `lengthDigits` counts semi-octets. */
export function decodeAddressValue(
  typeOctet: number,
  lengthDigits: number,
  value: Uint8Array,
): DecodedAddress {
  const errors: string[] = [];
  const ton = (typeOctet >> 4) & 0x07;
  if (ton === 5) {
    const septets = unpackSeptets(value, Math.floor((lengthDigits * 4) / 7));
    return { value: septetsToText(septets), typeOctet, alphanumeric: true, errors };
  }
  const digits = decodeSemiOctets(value, lengthDigits, errors);
  return { value: (ton === 1 ? '+' : '') + digits, typeOctet, alphanumeric: false, errors };
}

/** A number as the user writes it: optional '+', digits, spaces/dashes/dots/brackets ignored. */
export function normaliseNumber(input: string): string | null {
  const compact = input.replace(/[\s\-.()]/g, '');
  if (!/^\+?[0-9*#]{1,20}$/.test(compact)) return null;
  return compact;
}

/** TP-DA / TP-OA: length (semi-octets), type, value. Numbers starting with '+' are international. */
export function encodeAddress(address: string): Uint8Array {
  const number = normaliseNumber(address);
  if (number !== null) {
    const international = number.startsWith('+');
    const digits = international ? number.slice(1) : number;
    const value = encodeSemiOctets(digits);
    return Uint8Array.from([digits.length, international ? 0x91 : 0x81, ...value]);
  }
  // Alphanumeric (an originator name in generated DELIVERs): GSM-7 packed, at most 11 characters.
  const septets = textToSeptets(address);
  if (septets === null || septets.length === 0 || septets.length > 11) {
    throw new Error(`not a phone number or an 11-character GSM name: ${address}`);
  }
  const value = new Uint8Array(septetOctets(septets.length));
  packSeptets(septets, value);
  return Uint8Array.from([Math.ceil((septets.length * 7) / 4), 0xd0, ...value]);
}

/** The SMSC prefix of a modem PDU: length in octets (type included), type, BCD; "00" when absent. */
export function encodeSmsc(smsc: string | undefined): Uint8Array {
  if (!smsc) return Uint8Array.of(0);
  const number = normaliseNumber(smsc);
  if (number === null) throw new Error(`bad SMSC number: ${smsc}`);
  const international = number.startsWith('+');
  const value = encodeSemiOctets(international ? number.slice(1) : number);
  return Uint8Array.from([value.length + 1, international ? 0x91 : 0x81, ...value]);
}

/** TP-SCTS / TP-DT (7 semi-octet pairs) → ISO-8601 with the zone offset, or null with an error. */
export function decodeTimestamp(bytes: Uint8Array, errors: string[], what = 'timestamp'): string | null {
  if (bytes.length < 7) {
    errors.push(`truncated ${what}`);
    return null;
  }
  const fields: number[] = [];
  for (let i = 0; i < 6; i++) {
    const b = bytes[i]!;
    const lo = b & 0x0f;
    const hi = b >> 4;
    if (lo > 9 || hi > 9) {
      errors.push(`bad BCD in ${what}`);
      return null;
    }
    fields.push(lo * 10 + hi);
  }
  const tz = bytes[6]!;
  const negative = (tz & 0x08) !== 0;
  const quarters = (tz & 0x07) * 10 + (tz >> 4);
  const [yy, mo, dd, hh, mi, ss] = fields as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || tz >> 4 > 9) {
    errors.push(`impossible ${what}`);
    return null;
  }
  const year = yy >= 90 ? 1900 + yy : 2000 + yy;
  const offsetMin = quarters * 15;
  const p2 = (n: number) => String(n).padStart(2, '0');
  const zone = `${negative ? '-' : '+'}${p2(Math.floor(offsetMin / 60))}:${p2(offsetMin % 60)}`;
  return `${year}-${p2(mo)}-${p2(dd)}T${p2(hh)}:${p2(mi)}:${p2(ss)}${zone}`;
}

/** Encodes a wall-clock instant as TP-SCTS in the given zone offset (minutes, multiple of 15). */
export function encodeTimestamp(epochMs: number, offsetMin = 0): Uint8Array {
  const d = new Date(epochMs + offsetMin * 60_000);
  const swap = (n: number) => ((n % 10) << 4) | Math.floor(n / 10);
  const quarters = Math.round(Math.abs(offsetMin) / 15);
  const tz = ((quarters % 10) << 4) | Math.floor(quarters / 10) | (offsetMin < 0 ? 0x08 : 0);
  return Uint8Array.of(
    swap(d.getUTCFullYear() % 100),
    swap(d.getUTCMonth() + 1),
    swap(d.getUTCDate()),
    swap(d.getUTCHours()),
    swap(d.getUTCMinutes()),
    swap(d.getUTCSeconds()),
    tz,
  );
}

/** TP-VP relative format (TS 23.040 §9.2.3.12.1) → seconds. */
export function relativeValidityToSeconds(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5 * 60;
  if (vp <= 167) return 12 * 3600 + (vp - 143) * 30 * 60;
  if (vp <= 196) return (vp - 166) * 86_400;
  return (vp - 192) * 7 * 86_400;
}

/** Seconds → the smallest relative TP-VP that lasts at least that long (capped at 63 weeks). */
export function secondsToRelativeValidity(seconds: number): number {
  for (let vp = 0; vp <= 255; vp++) {
    if (relativeValidityToSeconds(vp) >= seconds) return vp;
  }
  return 255;
}
