import { splitParams } from '../at/at-lines.ts';
import { fromSeptets, unpackSeptets } from './gsm7.ts';

export interface UssdResult {
  /** 0 no further action, 1 further action required (a menu: reply with ussdReply), 2 terminated by network, 4 not supported, 5 timed out. */
  status: number;
  text: string;
  dcs: number;
}

type UssdAlphabet = 'gsm7' | '8bit' | 'ucs2' | 'ucs2-lang';

/** The alphabet of a CBS/USSD data coding scheme (3GPP TS 23.038 §5). */
export function ussdAlphabet(dcs: number): UssdAlphabet {
  if (dcs === 0x11) return 'ucs2-lang';
  const group = dcs >> 4;
  if (group === 0x4 || group === 0x5 || group === 0x6 || group === 0x7 || group === 0x9 || group === 0xf) {
    const a = group === 0xf ? (dcs >> 2) & 1 : (dcs >> 2) & 3;
    if (a === 1) return '8bit';
    if (a === 2) return 'ucs2';
  }
  return 'gsm7';
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

function ucs2(hex: string): string {
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

/** Hex whose 16-bit units are mostly below U+0100: UCS-2 text, not a GSM string that happens to be hex. */
function looksLikeUcs2Hex(raw: string): boolean {
  if (raw.length < 8 || raw.length % 4 !== 0 || !HEX.test(raw)) return false;
  let latin = 0;
  for (let i = 0; i < raw.length; i += 4) if (raw.startsWith('00', i)) latin++;
  return latin * 2 >= raw.length / 4;
}

/**
 * Decodes `+CUSD: <m>[,<str>,<dcs>]`. UCS-2 strings arrive as hex; GSM-7
 * strings arrive as text when AT+CSCS="GSM" is honoured, or packed into hex
 * septets on modems that ignore it (`packedGsm7`, Huawei E1xx).
 */
export function parseCusd(args: string, options: { packedGsm7?: boolean } = {}): UssdResult {
  const p = splitParams(args);
  const status = Number(p[0] ?? '0');
  const raw = p[1] ?? '';
  const dcs = Number(p[2] ?? '15');
  const alphabet = ussdAlphabet(Number.isFinite(dcs) ? dcs : 15);
  let text = raw;
  if (alphabet === 'gsm7' && !options.packedGsm7 && looksLikeUcs2Hex(raw)) {
    // Quectel M35 and others send UCS-2 hex while claiming DCS 15.
    text = ucs2(raw);
  } else if ((alphabet === 'ucs2' || alphabet === 'ucs2-lang') && HEX.test(raw) && raw.length % 4 === 0) {
    text = ucs2(raw);
    if (alphabet === 'ucs2-lang') text = text.slice(1);
  } else if (alphabet === '8bit' && HEX.test(raw)) {
    text = Buffer.from(raw, 'hex').toString('latin1');
  } else if (alphabet === 'gsm7' && options.packedGsm7 && HEX.test(raw)) {
    const octets = Buffer.from(raw, 'hex');
    const count = Math.floor((octets.length * 8) / 7);
    let septets = unpackSeptets(octets, count);
    // When the septets fill the last octet exactly, the final septet is padding:
    // CR per 23.038 §6.1.2.3.1, or 0 (@) from modems that ignore that rule.
    const last = septets[septets.length - 1];
    if ((octets.length * 8) % 7 === 0 && (last === 0x0d || last === 0)) {
      septets = septets.slice(0, -1);
    }
    text = fromSeptets(septets);
  }
  return { status: Number.isFinite(status) ? status : 0, text, dcs: Number.isFinite(dcs) ? dcs : 15 };
}
