/**
 * Caller-ID message layer (Bellcore GR-30 SDMF/MDMF, ETSI EN 300 659-3 call
 * set-up and message-waiting messages): encode, and decode with checksum
 * verdict. A wrong checksum does not hide the content: it is decoded and
 * flagged, so an installer sees what the exchange sent.
 */
import type { CallerId } from '../../../drivers/line/types.ts';
import { LinegateError } from '../../../drivers/base/errors.ts';

export const MSG_SDMF_CALLER_ID = 0x04;
export const MSG_SDMF_MWI = 0x06;
export const MSG_MDMF_CALL_SETUP = 0x80;
export const MSG_MDMF_MWI = 0x82;

export const PARAM_DATE_TIME = 0x01;
export const PARAM_NUMBER = 0x02;
export const PARAM_DIALABLE_NUMBER = 0x03;
export const PARAM_NUMBER_ABSENT = 0x04;
export const PARAM_CALL_QUALIFIER = 0x06;
export const PARAM_NAME = 0x07;
export const PARAM_NAME_ABSENT = 0x08;
export const PARAM_MWI = 0x0b;

export type CallerIdFormat = 'sdmf' | 'mdmf';

export interface DecodedCallerIdMessage {
  /** sdmf/mdmf caller ID, or a message-waiting indication. */
  kind: 'callerId' | 'messageWaiting';
  format: CallerIdFormat;
  messageType: number;
  callerId: CallerId;
  /** For message-waiting messages. */
  messageWaiting?: boolean;
  checksumOk: boolean;
  /** The checksum the bytes should have carried. */
  expectedChecksum: number;
  /** Raw MDMF parameters (type, value bytes as Latin-1 text). */
  params: { type: number; value: string }[];
}

/** Two's complement of the mod-256 sum: the whole message then sums to 0. */
export function callerIdChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (256 - sum) & 0xff;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function timeText(t: NonNullable<CallerId['time']>): string {
  return two(t.month) + two(t.day) + two(t.hour) + two(t.minute);
}

function parseTime(text: string): CallerId['time'] | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const [month, day, hour, minute] = [0, 2, 4, 6].map((i) => Number(text.slice(i, i + 2))) as [
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  return { month, day, hour, minute };
}

function absenceCode(a: CallerId['absence']): string {
  return a === 'private' ? 'P' : 'O';
}

function withChecksum(body: number[]): Uint8Array {
  const out = Uint8Array.from([...body, 0]);
  out[out.length - 1] = callerIdChecksum(out.subarray(0, out.length - 1));
  return out;
}

function ascii(text: string, maxLength: number): number[] {
  const bytes: number[] = [];
  for (const ch of text.slice(0, maxLength)) {
    const c = ch.charCodeAt(0);
    bytes.push(c >= 0x20 && c < 0x7f ? c : 0x3f); // displays are 7-bit ASCII
  }
  return bytes;
}

/**
 * SDMF (type 0x04): date/time, then the number (up to 15 digits) or 'P'/'O'
 * when absent. No name. SDMF always carries a time, so without one the
 * current local time is sent.
 */
export function encodeSdmf(callerId: CallerId, now: Date = new Date()): Uint8Array {
  const time = callerId.time ?? {
    month: now.getMonth() + 1,
    day: now.getDate(),
    hour: now.getHours(),
    minute: now.getMinutes(),
  };
  const number = callerId.number?.replace(/[^0-9*#+]/g, '');
  const body = [
    ...ascii(timeText(time), 8),
    ...(number ? ascii(number, 15) : ascii(absenceCode(callerId.absence), 1)),
  ];
  return withChecksum([MSG_SDMF_CALLER_ID, body.length, ...body]);
}

/** MDMF call set-up (type 0x80; also the ETSI EN 300 659-3 format). */
export function encodeMdmf(callerId: CallerId, opts: { includeTime?: boolean; now?: Date } = {}): Uint8Array {
  const params: number[] = [];
  const add = (type: number, value: number[]) => params.push(type, value.length, ...value);
  const now = opts.now ?? new Date();
  if (callerId.time || opts.includeTime !== false) {
    const t = callerId.time ?? {
      month: now.getMonth() + 1,
      day: now.getDate(),
      hour: now.getHours(),
      minute: now.getMinutes(),
    };
    add(PARAM_DATE_TIME, ascii(timeText(t), 8));
  }
  const number = callerId.number?.replace(/[^0-9*#+]/g, '');
  if (number) add(PARAM_NUMBER, ascii(number, 20));
  else add(PARAM_NUMBER_ABSENT, ascii(absenceCode(callerId.absence), 1));
  if (callerId.name) add(PARAM_NAME, ascii(callerId.name, 15));
  else if (!number || callerId.absence) add(PARAM_NAME_ABSENT, ascii(absenceCode(callerId.absence), 1));
  return withChecksum([MSG_MDMF_CALL_SETUP, params.length, ...params]);
}

/** Visual message-waiting indication, SDMF (0x06) or MDMF (0x82). */
export function encodeMessageWaiting(waiting: boolean, format: CallerIdFormat = 'mdmf'): Uint8Array {
  if (format === 'sdmf') {
    const v = waiting ? 0x42 : 0x6f;
    return withChecksum([MSG_SDMF_MWI, 3, v, v, v]);
  }
  return withChecksum([MSG_MDMF_MWI, 3, PARAM_MWI, 1, waiting ? 0xff : 0x00]);
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

/** Total length the message claims (type, length, body, checksum), or null when unknown yet. */
export function callerIdMessageLength(bytes: Uint8Array): number | null {
  if (bytes.length < 2) return null;
  return bytes[1]! + 3;
}

export function isCallerIdMessageType(type: number): boolean {
  return (
    type === MSG_SDMF_CALLER_ID ||
    type === MSG_SDMF_MWI ||
    type === MSG_MDMF_CALL_SETUP ||
    type === MSG_MDMF_MWI
  );
}

/**
 * Decodes one message (type, length, body, checksum). Throws MEDIA_INVALID for
 * a message that cannot be parsed at all; a wrong checksum is `checksumOk: false`.
 */
export function decodeCallerIdMessage(bytes: Uint8Array): DecodedCallerIdMessage {
  if (bytes.length < 3) throw new LinegateError('MEDIA_INVALID', 'caller-ID message too short');
  const type = bytes[0]!;
  const length = bytes[1]!;
  if (bytes.length < length + 3) {
    throw new LinegateError(
      'MEDIA_INVALID',
      `caller-ID message truncated: ${bytes.length} of ${length + 3} bytes`,
    );
  }
  const body = bytes.subarray(2, 2 + length);
  const expectedChecksum = callerIdChecksum(bytes.subarray(0, 2 + length));
  const checksumOk = bytes[2 + length] === expectedChecksum;
  const base = { messageType: type, checksumOk, expectedChecksum };
  if (type === MSG_SDMF_CALLER_ID) {
    const t = text(body);
    const callerId: CallerId = {};
    const time = parseTime(t.slice(0, 8));
    if (time) callerId.time = time;
    const rest = t.slice(8);
    if (rest === 'P') callerId.absence = 'private';
    else if (rest === 'O') callerId.absence = 'unavailable';
    else if (rest.length > 0) callerId.number = rest;
    return { kind: 'callerId', format: 'sdmf', callerId, params: [], ...base };
  }
  if (type === MSG_SDMF_MWI) {
    const waiting = body.length > 0 && body.every((b) => b === 0x42);
    return {
      kind: 'messageWaiting',
      format: 'sdmf',
      callerId: {},
      messageWaiting: waiting,
      params: [],
      ...base,
    };
  }
  if (type === MSG_MDMF_CALL_SETUP || type === MSG_MDMF_MWI) {
    const params: { type: number; value: string }[] = [];
    const callerId: CallerId = {};
    let messageWaiting: boolean | undefined;
    let i = 0;
    while (i < body.length) {
      if (i + 2 > body.length) throw new LinegateError('MEDIA_INVALID', 'MDMF parameter header cut off');
      const ptype = body[i]!;
      const plen = body[i + 1]!;
      if (i + 2 + plen > body.length)
        throw new LinegateError('MEDIA_INVALID', `MDMF parameter 0x${ptype.toString(16)} overruns`);
      const raw = body.subarray(i + 2, i + 2 + plen);
      const value = text(raw);
      params.push({ type: ptype, value });
      if (ptype === PARAM_DATE_TIME) {
        const time = parseTime(value);
        if (time) callerId.time = time;
      } else if (ptype === PARAM_NUMBER || (ptype === PARAM_DIALABLE_NUMBER && !callerId.number)) {
        callerId.number = value;
      } else if (ptype === PARAM_NUMBER_ABSENT) {
        callerId.absence = value === 'P' ? 'private' : 'unavailable';
      } else if (ptype === PARAM_NAME) {
        callerId.name = value;
      } else if (ptype === PARAM_NAME_ABSENT && !callerId.absence && !callerId.number) {
        callerId.absence = value === 'P' ? 'private' : 'unavailable';
      } else if (ptype === PARAM_MWI) {
        messageWaiting = raw[0] === 0xff;
      }
      i += 2 + plen;
    }
    if (type === MSG_MDMF_MWI) {
      return {
        kind: 'messageWaiting',
        format: 'mdmf',
        callerId,
        messageWaiting: messageWaiting ?? false,
        params,
        ...base,
      };
    }
    return { kind: 'callerId', format: 'mdmf', callerId, params, ...base };
  }
  throw new LinegateError('MEDIA_INVALID', `unknown caller-ID message type 0x${type.toString(16)}`);
}
