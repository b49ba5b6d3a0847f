/**
 * PDU decoder (3GPP TS 23.040 §9.2.2 SMS-DELIVER, SMS-SUBMIT, SMS-STATUS-REPORT;
 * TS 23.038 §4 data coding). It never throws: a truncated PDU, a wrong UDL,
 * bad BCD or an unknown DCS is decoded as far as is safe and listed in
 * `errors`. `fatal` is set when not even the message type and addresses
 * could be read.
 */
import { decodeAddressValue, decodeTimestamp, relativeValidityToSeconds } from './fields.ts';
import { septetsToText, unpackSeptets } from './gsm7-alphabet.ts';
import { hex, parseHex } from './hex.ts';
import {
  type ConcatInfo,
  concatOf,
  IEI_LOCKING_SHIFT,
  IEI_SINGLE_SHIFT,
  parseUdh,
  type UdhElement,
} from './udh.ts';

export type PduType = 'SMS-DELIVER' | 'SMS-SUBMIT' | 'SMS-STATUS-REPORT';
export type SmsEncoding = 'gsm7' | 'ucs2' | '8bit';
export type DeliveryCategory = 'delivered' | 'pending' | 'failed';

export interface DecodedPdu {
  type: PduType | null;
  /** SMSC from the modem prefix; null when absent ("00"). */
  smsc: string | null;
  /** Originator (DELIVER), destination (SUBMIT) or recipient (STATUS-REPORT). */
  number: string | null;
  text: string;
  encoding: SmsEncoding | null;
  /** TP-SCTS: when the SMSC received the message (DELIVER, STATUS-REPORT). */
  time: string | null;
  udh: UdhElement[];
  /** TP-ST of a status report. */
  status?: number;
  statusCategory?: DeliveryCategory;
  /** TP-DT of a status report. */
  discharge?: string | null;
  /** TP-MR (SUBMIT, STATUS-REPORT). */
  reference?: number;
  pid?: number;
  dcs?: number;
  /** 0 = flash (shown, not stored). */
  messageClass?: number;
  statusReportRequested?: boolean;
  validityRelativeSeconds?: number;
  validityAbsolute?: string | null;
  concat?: ConcatInfo;
  /** The user data (without header) as hex, for 8-bit data messages. */
  data?: string;
  /** What was wrong with the PDU; empty for a clean one. */
  errors: string[];
  /** Not even the message type and address could be read. */
  fatal: boolean;
}

class Cursor {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly errors: string[],
  ) {}
  byte(what: string): number | undefined {
    const v = this.bytes[this.pos];
    if (v === undefined) {
      this.errors.push(`truncated: PDU ends before ${what}`);
      return undefined;
    }
    this.pos++;
    return v;
  }
  take(n: number, what: string): Uint8Array | undefined {
    if (this.pos + n > this.bytes.length) {
      this.errors.push(`truncated: PDU ends inside ${what}`);
      this.pos = this.bytes.length;
      return undefined;
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }
}

export function statusCategory(status: number): DeliveryCategory {
  if (status < 0x20) return 'delivered';
  if (status < 0x40) return 'pending';
  return 'failed';
}

interface Dcs {
  encoding: SmsEncoding;
  messageClass?: number;
  compressed: boolean;
  known: boolean;
}

/** TS 23.038 §4 coding groups; reserved codings are read as GSM-7 as the spec tells receivers to. */
export function decodeDcs(dcs: number): Dcs {
  const group = dcs >> 4;
  if (group <= 0x7) {
    const alphabet = (dcs >> 2) & 0x03;
    const encoding: SmsEncoding = alphabet === 1 ? '8bit' : alphabet === 2 ? 'ucs2' : 'gsm7';
    const out: Dcs = { encoding, compressed: (dcs & 0x20) !== 0, known: alphabet !== 3 };
    if (dcs & 0x10) out.messageClass = dcs & 0x03;
    return out;
  }
  if (group === 0xc || group === 0xd) return { encoding: 'gsm7', compressed: false, known: true };
  if (group === 0xe) return { encoding: 'ucs2', compressed: false, known: true };
  if (group === 0xf) {
    return {
      encoding: dcs & 0x04 ? '8bit' : 'gsm7',
      messageClass: dcs & 0x03,
      compressed: false,
      known: true,
    };
  }
  return { encoding: 'gsm7', compressed: false, known: false };
}

function emptyResult(errors: string[]): DecodedPdu {
  return {
    type: null,
    smsc: null,
    number: null,
    text: '',
    encoding: null,
    time: null,
    udh: [],
    errors,
    fatal: true,
  };
}

/** Decodes a modem PDU (SMSC prefix first, as in +CMGR/+CMT/+CDS). Never throws. */
export function decodePdu(pduHex: string): DecodedPdu {
  const errors: string[] = [];
  const bytes = parseHex(pduHex);
  if (!bytes) {
    errors.push('not a PDU: expected an even number of hex digits');
    return emptyResult(errors);
  }
  try {
    return decodeBytes(bytes, errors);
  } catch (err) {
    // Defensive: a decoder bug must not take the SMS pipeline down.
    errors.push(`decoder error: ${err instanceof Error ? err.message : String(err)}`);
    return emptyResult(errors);
  }
}

function decodeBytes(bytes: Uint8Array, errors: string[]): DecodedPdu {
  const c = new Cursor(bytes, errors);
  const out = emptyResult(errors);

  const smscLen = c.byte('the SMSC length');
  if (smscLen === undefined) return out;
  if (smscLen > 0) {
    const smsc = c.take(smscLen, 'the SMSC address');
    if (!smsc) return out;
    if (smscLen > 12) errors.push(`SMSC length ${smscLen} is too long`);
    const addr = decodeAddressValue(smsc[0]!, (smscLen - 1) * 2, smsc.subarray(1));
    out.smsc = addr.value || null;
    errors.push(...addr.errors.map((e) => `SMSC: ${e}`));
  }

  const first = c.byte('the first TPDU octet');
  if (first === undefined) return out;
  const mti = first & 0x03;
  if (mti === 3) {
    errors.push('reserved message type (TP-MTI 3)');
    return out;
  }
  out.type = mti === 0 ? 'SMS-DELIVER' : mti === 1 ? 'SMS-SUBMIT' : 'SMS-STATUS-REPORT';
  const udhi = (first & 0x40) !== 0;

  if (mti === 1 || mti === 2) {
    const mr = c.byte('TP-MR');
    if (mr === undefined) return out;
    out.reference = mr;
  }
  if (!readAddress(c, out)) return out;
  out.fatal = false;

  if (mti === 2) {
    const scts = c.take(7, 'TP-SCTS');
    if (!scts) return out;
    out.time = decodeTimestamp(scts, errors, 'TP-SCTS');
    const dt = c.take(7, 'TP-DT');
    if (!dt) return out;
    out.discharge = decodeTimestamp(dt, errors, 'TP-DT');
    const st = c.byte('TP-ST');
    if (st === undefined) return out;
    out.status = st;
    out.statusCategory = statusCategory(st);
    // Optional TP-PI and the fields it announces.
    if (c.pos >= bytes.length) return out;
    const pi = c.byte('TP-PI')!;
    if (pi & 0x80) return out; // extension bit: a later spec's layout, stop safely
    if (pi & 0x01) out.pid = c.byte('TP-PID');
    let dcs = 0;
    if (pi & 0x02) dcs = c.byte('TP-DCS') ?? 0;
    if (pi & 0x04) readUserData(c, out, dcs, udhi);
    return out;
  }

  const pid = c.byte('TP-PID');
  if (pid === undefined) return out;
  out.pid = pid;
  const dcs = c.byte('TP-DCS');
  if (dcs === undefined) return out;

  if (mti === 0) {
    const scts = c.take(7, 'TP-SCTS');
    if (!scts) return out;
    out.time = decodeTimestamp(scts, errors, 'TP-SCTS');
    out.statusReportRequested = (first & 0x20) !== 0;
  } else {
    out.statusReportRequested = (first & 0x20) !== 0;
    const vpf = (first >> 3) & 0x03;
    if (vpf === 2) {
      const vp = c.byte('TP-VP');
      if (vp === undefined) return out;
      out.validityRelativeSeconds = relativeValidityToSeconds(vp);
    } else if (vpf === 3) {
      const vp = c.take(7, 'TP-VP');
      if (!vp) return out;
      out.validityAbsolute = decodeTimestamp(vp, errors, 'TP-VP');
    } else if (vpf === 1) {
      if (!c.take(7, 'TP-VP (enhanced)')) return out;
    }
  }
  readUserData(c, out, dcs, udhi);
  return out;
}

function readAddress(c: Cursor, out: DecodedPdu): boolean {
  const len = c.byte('the address length');
  if (len === undefined) return false;
  const type = c.byte('the address type');
  if (type === undefined) return false;
  const value = c.take(Math.ceil(len / 2), 'the address');
  if (!value) return false;
  const addr = decodeAddressValue(type, len, value);
  out.number = addr.value;
  out.errors.push(...addr.errors.map((e) => `address: ${e}`));
  return true;
}

function readUserData(c: Cursor, out: DecodedPdu, dcsOctet: number, udhi: boolean): void {
  const errors = out.errors;
  out.dcs = dcsOctet;
  const dcs = decodeDcs(dcsOctet);
  out.encoding = dcs.encoding;
  if (dcs.messageClass !== undefined) out.messageClass = dcs.messageClass;
  if (!dcs.known) errors.push(`unknown DCS 0x${dcsOctet.toString(16).padStart(2, '0')}: read as GSM-7`);
  if (dcs.compressed) errors.push('compressed user data is not supported: shown as 8-bit data');
  const encoding: SmsEncoding = dcs.compressed ? '8bit' : dcs.encoding;
  if (dcs.compressed) out.encoding = '8bit';

  const udl = c.byte('TP-UDL');
  if (udl === undefined) return;
  const ud = c.rest();
  const wantOctets = encoding === 'gsm7' ? Math.ceil((udl * 7) / 8) : udl;
  if (ud.length < wantOctets) errors.push(`wrong UDL: ${udl} announced, only ${ud.length} octets present`);
  else if (ud.length > wantOctets)
    errors.push(`${ud.length - wantOctets} octets after the user data ignored`);
  const body = ud.subarray(0, Math.min(ud.length, wantOctets));

  let headerOctets = 0;
  if (udhi) {
    const udhl = body[0];
    if (udhl === undefined || udhl + 1 > body.length) {
      errors.push('bad UDH: header length runs past the user data');
      return;
    }
    out.udh = parseUdh(body.subarray(1, 1 + udhl), errors);
    const concat = concatOf(out.udh);
    if (concat) out.concat = concat;
    headerOctets = udhl + 1;
  }

  if (encoding === 'gsm7') {
    const headerSeptets = Math.ceil((headerOctets * 8) / 7);
    const septets = unpackSeptets(body, udl).slice(headerSeptets);
    let language = 0;
    for (const el of out.udh) {
      if (el.iei === IEI_SINGLE_SHIFT && el.language !== undefined) language = el.language;
      if (el.iei === IEI_LOCKING_SHIFT) {
        errors.push(
          `national locking shift table ${el.language} not supported: read with the default alphabet`,
        );
      }
    }
    out.text = septetsToText(septets, language);
    return;
  }
  const payload = body.subarray(headerOctets);
  if (encoding === 'ucs2') {
    if (payload.length % 2 !== 0) errors.push('odd number of UCS-2 octets: last octet ignored');
    let text = '';
    for (let i = 0; i + 1 < payload.length; i += 2)
      text += String.fromCharCode((payload[i]! << 8) | payload[i + 1]!);
    out.text = text;
    return;
  }
  out.data = hex(payload);
  out.text = Buffer.from(payload).toString('latin1');
}
