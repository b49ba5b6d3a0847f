/**
 * What a line from a modem means: a final result, an unsolicited result code
 * (URC), or part of a command's response. Tables from 3GPP TS 27.007/27.005,
 * V.250 and vendor manuals (SIMCom, Quectel, Huawei, ZTE, Wavecom).
 */

export type AtFinalKind =
  | 'ok'
  | 'error'
  | 'cme'
  | 'cms'
  | 'unsupported'
  | 'no-carrier'
  | 'busy'
  | 'no-answer'
  | 'no-dialtone'
  | 'connect';

export interface AtFinal {
  ok: boolean;
  kind: AtFinalKind;
  /** +CME/+CMS error number when numeric (AT+CMEE=1). */
  code?: number;
  /** +CME/+CMS error text when verbose (AT+CMEE=2) or unknown. */
  text?: string;
}

/** Results that end an ATD/ATA; elsewhere the same words are call-progress URCs. */
const DIAL_FINALS: Record<string, AtFinalKind> = {
  'NO CARRIER': 'no-carrier',
  BUSY: 'busy',
  'NO ANSWER': 'no-answer',
  'NO DIALTONE': 'no-dialtone',
  'NO DIAL TONE': 'no-dialtone',
};

/** Classifies a line as a final result of `command`, or undefined when it is not one. */
export function finalResult(line: string, command: string): AtFinal | undefined {
  if (line === 'OK') return { ok: true, kind: 'ok' };
  if (line === 'ERROR') return { ok: false, kind: 'error' };
  // Huawei E1xx / ZTE answer unknown commands with these instead of ERROR.
  if (line === 'COMMAND NOT SUPPORT' || line === 'TOO MANY PARAMETERS')
    return { ok: false, kind: 'unsupported' };
  const cmx = /^\+(CME|CMS) ERROR:\s*(.*)$/.exec(line);
  if (cmx) {
    const kind = cmx[1] === 'CME' ? 'cme' : 'cms';
    const rest = cmx[2]!.trim();
    return /^\d+$/.test(rest) ? { ok: false, kind, code: Number(rest) } : { ok: false, kind, text: rest };
  }
  if (isDialCommand(command)) {
    const dial = DIAL_FINALS[line];
    if (dial) return { ok: false, kind: dial };
    if (line.startsWith('CONNECT')) return { ok: true, kind: 'connect' };
  }
  return undefined;
}

export function isDialCommand(command: string): boolean {
  return /^AT(D|A$|O$)/i.test(command.trim());
}

/** The name of a line: text before ':' (`+CMTI`, `^RSSI`, `VOICE CALL`) or the whole line (`RING`). */
export function lineName(line: string): string {
  const colon = line.indexOf(':');
  return (colon > 0 ? line.slice(0, colon) : line).trim();
}

/** The text after `NAME:` with the separator space removed. */
export function lineArgs(line: string): string {
  const colon = line.indexOf(':');
  return colon > 0 ? line.slice(colon + 1).trim() : '';
}

/** Always unsolicited, whatever command is in flight. */
const ALWAYS_URC = new Set([
  '+CMTI',
  '+CDSI',
  '+CMT',
  '+CDS',
  '+CBM',
  '+CUSD',
  'RING',
  '+CRING',
  '+CCWA',
  '^RSSI',
  '^HCSQ',
  '^DSCI',
  '^CEND',
  '^ORIG',
  '^CONF',
  '^CONN',
  '^MODE',
  '^SRVST',
  '^SIMST',
  '^BOOT',
  '^SMMEMFULL',
  '+QIND',
  '+CIEV',
  '+WIND',
  'HANGUP',
  'VOICE CALL',
  'MISSED_CALL',
  'MO RING',
  'MO CONNECTED',
  'RDY',
  'Call Ready',
  'SMS Ready',
  'SMS DONE',
  'PB DONE',
  'NORMAL POWER DOWN',
  'UNDER-VOLTAGE POWER DOWN',
  'OVER-VOLTAGE POWER DOWN',
]);

/** Unsolicited unless the in-flight command asked for them (AT+CREG? answers +CREG: ...). */
const CONTEXT_URC = new Set([
  '+CLIP',
  '+COLP',
  '+CREG',
  '+CGREG',
  '+CEREG',
  '+CPIN',
  '+CSQ',
  '+CFUN',
  '+CLCC',
  '+CSMINS',
  '+QUSIM',
]);

/** Boot banners: their arrival outside our own AT+CFUN reset means the modem rebooted. */
export const BOOT_BANNERS = new Set(['RDY', 'Call Ready', 'SMS Ready', 'SMS DONE', 'PB DONE']);

/** URCs followed by a second line carrying the PDU (27.005 PDU mode). */
export const TWO_LINE_URCS = new Set(['+CMT', '+CDS', '+CBM']);

/** Whether `name` is a URC while `command` (possibly none) is in flight. */
export function isUrc(name: string, command: string | undefined): boolean {
  if (ALWAYS_URC.has(name)) return true;
  if (DIAL_FINALS[name] !== undefined) return command === undefined || !isDialCommand(command);
  if (CONTEXT_URC.has(name)) return command === undefined || !responsePrefixes(command).includes(name);
  return false;
}

/** The response prefixes a command line asks for: `AT+COPS=3,0;+COPS?` → ['+COPS']. */
export function responsePrefixes(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/[+^][A-Z][A-Z0-9]*/gi)) {
    const p = m[0].toUpperCase();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** Splits a comma-separated parameter list, honouring quotes (`"a,b",1` → ['a,b', '1']). */
export function splitParams(args: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of args) {
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}
