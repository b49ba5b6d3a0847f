/**
 * The simulated network's own small PDU code (3GPP TS 23.040): it encodes the
 * DELIVER and STATUS-REPORT PDUs a real SMSC would send, and decodes enough of
 * the product's SUBMIT PDUs to show number and text. Private to the simulator
 * on purpose: the product's codec lives in daemon/sms/pdu/ and must be proven
 * against this independent one, not against itself.
 */
import { fromSeptets, packSeptets, toSeptets, unpackSeptets } from '../gsm7.ts';

const hex2 = (n: number) => (n & 0xff).toString(16).toUpperCase().padStart(2, '0');

function semiOctets(digits: string): string {
  const d = digits.length % 2 ? `${digits}F` : digits;
  let out = '';
  for (let i = 0; i < d.length; i += 2) out += d[i + 1]! + d[i]!;
  return out.toUpperCase();
}

function readSemiOctets(hex: string, digits: number): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += hex[i + 1]! + hex[i]!;
  return out.slice(0, digits).replace(/F$/i, '');
}

/** TP address (originator / recipient): digits with length in digits, or alphanumeric (TON 5). */
export function encodeAddress(address: string): string {
  if (/^\+?\d+$/.test(address)) {
    const digits = address.replace('+', '');
    return hex2(digits.length) + (address.startsWith('+') ? '91' : '81') + semiOctets(digits);
  }
  const septets = toSeptets(address.slice(0, 11)) ?? toSeptets('?')!;
  const packed = Buffer.from(packSeptets(septets)).toString('hex').toUpperCase();
  return hex2(Math.ceil((septets.length * 7) / 4)) + 'D0' + packed;
}

function encodeSmsc(number: string): string {
  const digits = number.replace('+', '');
  const body = '91' + semiOctets(digits);
  return hex2(body.length / 2) + body;
}

/** Service-centre time stamp (UTC, zone 0). */
function encodeTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const parts = [
    d.getUTCFullYear() % 100,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
  ];
  return parts.map((n) => semiOctets(String(n).padStart(2, '0'))).join('');
}

interface Segment {
  dcs: number;
  udl: number;
  ud: string;
}

/** Splits text into user-data segments (GSM-7 when possible, else UCS-2), with 8-bit concatenation UDHs. */
function segments(text: string, ref: number): Segment[] {
  const septets = toSeptets(text);
  if (septets) {
    if (septets.length <= 160) {
      return [{ dcs: 0, udl: septets.length, ud: Buffer.from(packSeptets(septets)).toString('hex') }];
    }
    const chunks: number[][] = [];
    let cur: number[] = [];
    for (let i = 0; i < septets.length; i++) {
      const s = septets[i]!;
      const need = s === 0x1b ? 2 : 1;
      if (cur.length + need > 153) {
        chunks.push(cur);
        cur = [];
      }
      if (s === 0x1b) cur.push(s, septets[++i]!);
      else cur.push(s);
    }
    if (cur.length) chunks.push(cur);
    return chunks.map((c, i) => {
      const udh = `050003${hex2(ref)}${hex2(chunks.length)}${hex2(i + 1)}`;
      // 6 UDH octets = 48 bits; 1 fill bit aligns the text to a septet boundary.
      const body = Buffer.from(packSeptets(c, 1)).toString('hex');
      return { dcs: 0, udl: 7 + c.length, ud: udh + body.slice(0) };
    });
  }
  const units: string[] = [];
  for (const ch of text) units.push(ch);
  const ucs2 = (s: string) => Buffer.from(s, 'utf16le').swap16().toString('hex');
  const total = units.reduce((n, ch) => n + ch.length, 0);
  if (total <= 70) return [{ dcs: 8, udl: total * 2, ud: ucs2(text) }];
  const chunks: string[] = [];
  let cur = '';
  for (const ch of units) {
    // Code points are never split: a surrogate pair stays in one segment.
    if (cur.length + ch.length > 67) {
      chunks.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) chunks.push(cur);
  return chunks.map((c, i) => ({
    dcs: 8,
    udl: 6 + c.length * 2,
    ud: `050003${hex2(ref)}${hex2(chunks.length)}${hex2(i + 1)}${ucs2(c)}`,
  }));
}

/** SMS-DELIVER PDUs (SMSC prefix included) for one message; several when it is long. */
export function encodeDeliver(options: {
  from: string;
  text: string;
  epochMs: number;
  smsc?: string;
  concatRef?: number;
}): string[] {
  const segs = segments(options.text, options.concatRef ?? 1);
  return segs.map((s) => {
    // MTI 00 DELIVER, MMS (bit 2) = no more messages, UDHI when segmented.
    const fo = 0x04 | (segs.length > 1 ? 0x40 : 0);
    return (
      encodeSmsc(options.smsc ?? '+15550000000') +
      hex2(fo) +
      encodeAddress(options.from) +
      '00' +
      hex2(s.dcs) +
      encodeTimestamp(options.epochMs) +
      hex2(s.udl) +
      s.ud.toUpperCase()
    );
  });
}

/** SMS-STATUS-REPORT for message reference `mr` to `recipient`; status 0 = delivered. */
export function encodeStatusReport(options: {
  mr: number;
  recipient: string;
  submittedMs: number;
  dischargedMs: number;
  status?: number;
  smsc?: string;
}): string {
  return (
    encodeSmsc(options.smsc ?? '+15550000000') +
    '06' +
    hex2(options.mr) +
    encodeAddress(options.recipient) +
    encodeTimestamp(options.submittedMs) +
    encodeTimestamp(options.dischargedMs) +
    hex2(options.status ?? 0)
  );
}

export interface DecodedSubmit {
  to: string;
  /** Text of this segment (hex of the user data for 8-bit/unknown coding). */
  text: string;
  /** TP-MR the product put in the PDU (the modem usually assigns its own). */
  mr: number;
  statusReportRequested: boolean;
  /** Concatenation: reference, total parts, this part (1-based). */
  concat?: { ref: number; total: number; seq: number };
  dcs: number;
}

/** Decodes an SMS-SUBMIT (with SMSC prefix); throws on a PDU too short to read. */
export function decodeSubmit(pduHex: string): DecodedSubmit {
  const b = Buffer.from(pduHex, 'hex');
  let i = 0;
  const need = (n: number) => {
    if (i + n > b.length) throw new Error(`SUBMIT PDU truncated at octet ${i}`);
  };
  need(1);
  i += 1 + b[0]!;
  need(3);
  const fo = b[i++]!;
  if ((fo & 0x03) !== 0x01) throw new Error(`not a SUBMIT (MTI ${fo & 3})`);
  const mr = b[i++]!;
  const daDigits = b[i++]!;
  need(1 + Math.ceil(daDigits / 2));
  const toa = b[i++]!;
  const daHex = b.subarray(i, i + Math.ceil(daDigits / 2)).toString('hex');
  i += Math.ceil(daDigits / 2);
  const to = ((toa & 0x70) === 0x10 ? '+' : '') + readSemiOctets(daHex, daDigits);
  need(2);
  i++; // PID
  const dcs = b[i++]!;
  const vpf = (fo >> 3) & 3;
  i += vpf === 2 ? 1 : vpf === 0 ? 0 : 7;
  need(1);
  const udl = b[i++]!;
  const ud = b.subarray(i);
  let concat: DecodedSubmit['concat'];
  let udhOctets = 0;
  if (fo & 0x40 && ud.length > 0) {
    const udhl = ud[0]!;
    udhOctets = udhl + 1;
    for (let k = 1; k < udhOctets; ) {
      const iei = ud[k]!;
      const len = ud[k + 1] ?? 0;
      if (iei === 0 && len === 3) concat = { ref: ud[k + 2]!, total: ud[k + 3]!, seq: ud[k + 4]! };
      if (iei === 8 && len === 4)
        concat = { ref: (ud[k + 2]! << 8) | ud[k + 3]!, total: ud[k + 4]!, seq: ud[k + 5]! };
      k += 2 + len;
    }
  }
  let text: string;
  const alphabet = (dcs & 0xc0) === 0 ? (dcs >> 2) & 3 : (dcs & 0xf0) === 0xf0 ? (dcs >> 2) & 1 : 1;
  if (alphabet === 0) {
    const udhSeptets = Math.ceil((udhOctets * 8) / 7);
    const fill = udhSeptets * 7 - udhOctets * 8;
    text = fromSeptets(unpackSeptets(ud.subarray(udhOctets), udl - udhSeptets, fill));
  } else if (alphabet === 2) {
    text = Buffer.from(ud.subarray(udhOctets, udl)).swap16().toString('utf16le');
  } else {
    text = ud.subarray(udhOctets, udl).toString('hex');
  }
  const out: DecodedSubmit = { to, text, mr, statusReportRequested: (fo & 0x20) !== 0, dcs };
  if (concat) out.concat = concat;
  return out;
}

/** Builds a SUBMIT PDU (SMSC "00"), for tests that drive the product's send path without its SMS codec. */
export function encodeSubmit(options: {
  to: string;
  text: string;
  statusReport?: boolean;
  mr?: number;
}): string[] {
  const segs = segments(options.text, (options.mr ?? 0) + 1);
  return segs.map((s) => {
    const fo = 0x01 | (options.statusReport ? 0x20 : 0) | (segs.length > 1 ? 0x40 : 0);
    return (
      '00' +
      hex2(fo) +
      hex2(options.mr ?? 0) +
      encodeAddress(options.to) +
      '00' +
      hex2(s.dcs) +
      hex2(s.udl) +
      s.ud.toUpperCase()
    );
  });
}
