/**
 * SMS-SUBMIT (and, for simulations and tests, SMS-DELIVER) encoder with
 * automatic encoding choice and segmentation (3GPP TS 23.040 §9.2.2.1/2,
 * TS 23.038). Segments never split a GSM-7 escape pair or a UTF-16
 * surrogate pair.
 */
import {
  encodeAddress,
  encodeSmsc,
  encodeTimestamp,
  normaliseNumber,
  secondsToRelativeValidity,
} from './fields.ts';
import { hasSingleShift, packSeptets, septetOctets, textToSeptets } from './gsm7-alphabet.ts';
import type { SmsEncoding } from './decode.ts';
import { hex } from './hex.ts';
import { buildUdh } from './udh.ts';

/** The most segments a message may have (the concatenation counter is one octet). */
export const MAX_SEGMENTS = 255;

export interface EncodeOptions {
  /** Force an encoding; by default GSM-7 when every character fits, else UCS-2. */
  encoding?: SmsEncoding;
  /**
   * Try the Turkish (1) and Spanish (2) single-shift tables before falling
   * back to UCS-2. Off by default: older handsets show such characters wrong.
   */
  allowNationalShift?: boolean;
  /** Concatenation reference (0–255, or 0–65535 with 16-bit references); random when absent. */
  concatRef?: number;
  concatRefBits?: 8 | 16;
}

export interface SubmitOptions extends EncodeOptions {
  to: string;
  text: string;
  smsc?: string;
  /** TP-SRR: ask the SMSC for a status report. */
  statusReport?: boolean;
  /** Relative validity period in seconds (rounded up to the next TP-VP step). */
  validitySeconds?: number;
  /** Class 0 ("flash"). */
  flash?: boolean;
  /** TP-MR; modems usually substitute their own and report it in +CMGS. */
  reference?: number;
  /** TP-RD: reject duplicates. */
  rejectDuplicates?: boolean;
}

export interface SmsPreview {
  encoding: SmsEncoding;
  segments: number;
  /** Characters (GSM-7 septets or UTF-16 units) still free in the last segment. */
  charsLeft: number;
  /** National single-shift table used (1 Turkish, 2 Spanish), when any. */
  language?: number;
}

interface Segmented {
  encoding: SmsEncoding;
  language: number;
  /** Per segment: septets (GSM-7) or octets (UCS-2 / 8-bit). */
  parts: number[][];
  charsLeft: number;
}

function udhOctets(multipart: boolean, language: number, refBits: 8 | 16): number {
  let n = 0;
  if (multipart) n += refBits === 16 ? 6 : 5;
  if (language) n += 3;
  return n === 0 ? 0 : n + 1;
}

/** Splits units into segments of `capacity`, keeping pairs (escape or surrogate) together. */
function split(units: number[], capacity: number, isLead: (u: number) => boolean): number[][] {
  const parts: number[][] = [];
  let i = 0;
  while (i < units.length) {
    let end = Math.min(i + capacity, units.length);
    if (end < units.length && end > i + 1 && isLead(units[end - 1]!)) end--;
    parts.push(units.slice(i, end));
    i = end;
  }
  if (parts.length === 0) parts.push([]);
  return parts;
}

function segmentUnits(
  units: number[],
  unitBits: number,
  udhFor: (multipart: boolean) => number,
  isLead: (u: number) => boolean,
  unitSize = 1,
): { parts: number[][]; charsLeft: number } {
  const capacityFor = (multipart: boolean) => Math.floor((140 * 8 - udhFor(multipart) * 8) / unitBits);
  const single = capacityFor(false);
  if (units.length / unitSize <= single) {
    return { parts: [units], charsLeft: single - units.length / unitSize };
  }
  const capacity = capacityFor(true);
  const grouped: number[] = [];
  // Work in characters (units of unitSize) so UCS-2 octet pairs stay whole.
  for (let i = 0; i < units.length; i += unitSize) grouped.push(i);
  const idxParts = split(
    grouped.map((_, k) => k),
    capacity,
    (k) => isLead(unitSize === 2 ? (units[k * 2]! << 8) | units[k * 2 + 1]! : units[k]!),
  );
  const parts = idxParts.map((p) => p.flatMap((k) => units.slice(k * unitSize, k * unitSize + unitSize)));
  const last = parts[parts.length - 1]!;
  return { parts, charsLeft: capacity - last.length / unitSize };
}

const isHighSurrogate = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isEscape = (u: number) => u === 0x1b;

function segment(text: string, options: EncodeOptions): Segmented {
  const refBits = options.concatRefBits ?? 8;
  const forced = options.encoding;
  if (forced === undefined || forced === 'gsm7') {
    const languages = [0, ...(options.allowNationalShift ? [1, 2] : [])];
    for (const language of languages) {
      if (language && !hasSingleShift(language)) continue;
      const septets = textToSeptets(text, language);
      if (!septets) continue;
      const { parts, charsLeft } = segmentUnits(septets, 7, (m) => udhOctets(m, language, refBits), isEscape);
      // Header septets are rounded up, so capacity is counted from bits above.
      return { encoding: 'gsm7', language, parts, charsLeft };
    }
    if (forced === 'gsm7') throw new Error('text has characters outside the GSM 7-bit alphabet');
  }
  if (forced === '8bit') {
    const bytes = [...Buffer.from(text, 'latin1')];
    const { parts, charsLeft } = segmentUnits(
      bytes,
      8,
      (m) => udhOctets(m, 0, refBits),
      () => false,
    );
    return { encoding: '8bit', language: 0, parts, charsLeft };
  }
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    octets.push(u >> 8, u & 0xff);
  }
  const { parts, charsLeft } = segmentUnits(octets, 16, (m) => udhOctets(m, 0, refBits), isHighSurrogate, 2);
  return { encoding: 'ucs2', language: 0, parts, charsLeft };
}

/** How a text would be sent: encoding, number of segments and room left in the last one. */
export function previewSms(text: string, options: EncodeOptions = {}): SmsPreview {
  const s = segment(text, options);
  const out: SmsPreview = { encoding: s.encoding, segments: s.parts.length, charsLeft: s.charsLeft };
  if (s.language) out.language = s.language;
  return out;
}

function userData(
  s: Segmented,
  index: number,
  concat: { ref: number; refBits: 8 | 16 } | undefined,
): { udl: number; ud: Uint8Array; udhi: boolean } {
  const units = s.parts[index]!;
  const multipart = s.parts.length > 1;
  const udh = buildUdh({
    ...(multipart && concat ? { concat: { ...concat, parts: s.parts.length, seq: index + 1 } } : {}),
    ...(s.language ? { singleShiftLanguage: s.language } : {}),
  });
  const headerOctets = udh.length ? udh.length + 1 : 0;
  if (s.encoding === 'gsm7') {
    const headerSeptets = Math.ceil((headerOctets * 8) / 7);
    const udl = headerSeptets + units.length;
    const ud = new Uint8Array(septetOctets(udl));
    if (headerOctets) {
      ud[0] = udh.length;
      ud.set(udh, 1);
    }
    packSeptets(units, ud, headerSeptets * 7);
    return { udl, ud, udhi: headerOctets > 0 };
  }
  const ud = new Uint8Array(headerOctets + units.length);
  if (headerOctets) {
    ud[0] = udh.length;
    ud.set(udh, 1);
  }
  ud.set(units, headerOctets);
  return { udl: ud.length, ud, udhi: headerOctets > 0 };
}

function dcsFor(encoding: SmsEncoding, flash: boolean | undefined): number {
  const alphabet = encoding === 'gsm7' ? 0x00 : encoding === '8bit' ? 0x04 : 0x08;
  return flash ? 0x10 | alphabet : alphabet;
}

function concatFor(options: EncodeOptions) {
  const refBits = options.concatRefBits ?? 8;
  const max = refBits === 16 ? 0xffff : 0xff;
  const ref = options.concatRef ?? Math.floor(Math.random() * (max + 1));
  return { ref: ref & max, refBits };
}

export interface EncodedSms {
  /** Hex PDUs with the SMSC prefix, one per segment, in order. */
  pdus: string[];
  encoding: SmsEncoding;
  segments: number;
}

/** Encodes SMS-SUBMIT PDUs. Throws `Error` on a bad number or too many segments (callers validate first). */
export function encodeSubmit(options: SubmitOptions): EncodedSms {
  if (normaliseNumber(options.to) === null) throw new Error(`bad destination number: ${options.to}`);
  const s = segment(options.text, options);
  if (s.parts.length > MAX_SEGMENTS)
    throw new Error(`text needs ${s.parts.length} segments (max ${MAX_SEGMENTS})`);
  const concat = concatFor(options);
  const smsc = encodeSmsc(options.smsc);
  const da = encodeAddress(options.to);
  const hasVp = options.validitySeconds !== undefined;
  const pdus = s.parts.map((_, i) => {
    const { udl, ud, udhi } = userData(s, i, concat);
    let first = 0x01;
    if (options.rejectDuplicates) first |= 0x04;
    if (hasVp) first |= 0x10;
    if (options.statusReport) first |= 0x20;
    if (udhi) first |= 0x40;
    const bytes = [
      ...smsc,
      first,
      (options.reference ?? 0) & 0xff,
      ...da,
      0x00,
      dcsFor(s.encoding, options.flash),
      ...(hasVp ? [secondsToRelativeValidity(options.validitySeconds!)] : []),
      udl,
      ...ud,
    ];
    return hex(Uint8Array.from(bytes));
  });
  return { pdus, encoding: s.encoding, segments: pdus.length };
}

export interface DeliverOptions extends EncodeOptions {
  from: string;
  text: string;
  smsc?: string;
  /** Service-centre timestamp (epoch ms) and its zone offset in minutes. */
  timeMs: number;
  zoneOffsetMin?: number;
  flash?: boolean;
  /** TP-SRI: the sender asked for a status report. */
  statusReportIndication?: boolean;
}

/** Encodes SMS-DELIVER PDUs, as a network would hand them to a modem (simulators and tests). */
export function encodeDeliver(options: DeliverOptions): EncodedSms {
  const s = segment(options.text, options);
  const concat = concatFor(options);
  const smsc = encodeSmsc(options.smsc);
  const oa = encodeAddress(options.from);
  const scts = encodeTimestamp(options.timeMs, options.zoneOffsetMin ?? 0);
  const pdus = s.parts.map((_, i) => {
    const { udl, ud, udhi } = userData(s, i, concat);
    let first = 0x00;
    // TP-MMS is inverted: set means "no more messages waiting".
    if (i === s.parts.length - 1) first |= 0x04;
    if (options.statusReportIndication) first |= 0x20;
    if (udhi) first |= 0x40;
    const bytes = [...smsc, first, ...oa, 0x00, dcsFor(s.encoding, options.flash), ...scts, udl, ...ud];
    return hex(Uint8Array.from(bytes));
  });
  return { pdus, encoding: s.encoding, segments: pdus.length };
}

/** Encodes an SMS-STATUS-REPORT PDU (simulators and tests). */
export function encodeStatusReport(options: {
  recipient: string;
  reference: number;
  status: number;
  timeMs: number;
  dischargeMs: number;
  smsc?: string;
}): string {
  const bytes = [
    ...encodeSmsc(options.smsc),
    0x06,
    options.reference & 0xff,
    ...encodeAddress(options.recipient),
    ...encodeTimestamp(options.timeMs),
    ...encodeTimestamp(options.dischargeMs),
    options.status & 0xff,
  ];
  return hex(Uint8Array.from(bytes));
}
