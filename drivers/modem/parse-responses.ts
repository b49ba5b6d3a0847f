import { splitParams } from '../at/at-lines.ts';
import type { Registration } from './types.ts';

/** 27.007 +CSQ <rssi> (0..31, 99 unknown) → dBm; also the scale of Huawei ^RSSI. */
export function csqToDbm(rssi: number): number | undefined {
  if (!Number.isInteger(rssi) || rssi < 0 || rssi > 31) return undefined;
  return -113 + 2 * rssi;
}

export function parseCsq(line: string): number | undefined {
  const m = /^\+CSQ:\s*(\d+)/.exec(line);
  return m ? csqToDbm(Number(m[1])) : undefined;
}

const REG_STAT: Record<number, Registration> = {
  0: 'unregistered',
  1: 'home',
  2: 'searching',
  3: 'denied',
  4: 'unknown',
  5: 'roaming',
  6: 'home',
  7: 'roaming',
  8: 'unregistered',
  9: 'home',
  10: 'roaming',
};

const ACT_NAMES: Record<number, string> = {
  0: 'gsm',
  1: 'gsm',
  2: 'umts',
  3: 'edge',
  4: 'hsdpa',
  5: 'hsupa',
  6: 'hspa',
  7: 'lte',
  8: 'gsm',
  9: 'nbiot',
  10: 'lte',
  11: 'nr',
  12: 'nr',
  13: 'lte',
};

export function technologyName(act: number): string | undefined {
  return ACT_NAMES[act];
}

export interface RegistrationInfo {
  registration: Registration;
  technology?: string;
}

/**
 * +CREG/+CGREG/+CEREG, query (`+CREG: <n>,<stat>[,<lac>,<ci>[,<act>]]`) or
 * unsolicited (`+CREG: <stat>[,<lac>,<ci>[,<act>]]`), tolerating unquoted hex and
 * stray spaces (Huawei). `fromQuery` says which form to expect.
 */
export function parseCreg(line: string, fromQuery: boolean): RegistrationInfo | undefined {
  const m = /^\+C(E|G)?REG:\s*(.*)$/.exec(line);
  if (!m) return undefined;
  const params = splitParams(m[2]!);
  const statText = params[fromQuery ? 1 : 0];
  if (statText === undefined || !/^\d+$/.test(statText)) return undefined;
  const registration = REG_STAT[Number(statText)] ?? 'unknown';
  const actText = params[fromQuery ? 4 : 3];
  const technology =
    actText !== undefined && /^\d+$/.test(actText) ? technologyName(Number(actText)) : undefined;
  return technology ? { registration, technology } : { registration };
}

/** `+COPS: <mode>[,<format>,<oper>[,<act>]]` → operator name and technology. */
export function parseCops(line: string): { operator?: string; technology?: string } {
  const m = /^\+COPS:\s*(.*)$/.exec(line);
  if (!m) return {};
  const p = splitParams(m[1]!);
  const out: { operator?: string; technology?: string } = {};
  if (p[2]) out.operator = p[2];
  const act = p[3];
  if (act !== undefined && /^\d+$/.test(act)) {
    const t = technologyName(Number(act));
    if (t) out.technology = t;
  }
  return out;
}

/** `+CMTI: "SM",3` / `+CDSI: "SR",0` (trailing spaces and odd storages such as "SL" kept as given). */
export function parseStorageIndex(args: string): { storage: string; index: number } | undefined {
  const p = splitParams(args);
  const storage = (p[0] ?? '').trim().toUpperCase();
  const indexText = (p[1] ?? '').trim();
  if (!storage || !/^\d+$/.test(indexText)) return undefined;
  return { storage, index: Number(indexText) };
}

/** `+CLIP: "+1234567890",145,,,,0` → number (absent when withheld: CLI validity 1/2). */
export function parseClip(args: string): {
  number?: string;
  name?: string;
  absence?: 'private' | 'unavailable';
} {
  const p = splitParams(args);
  const number = p[0] ?? '';
  const validity = p[5];
  const name = p[4];
  const out: { number?: string; name?: string; absence?: 'private' | 'unavailable' } = {};
  if (number) out.number = number;
  if (name) out.name = name;
  if (!number) out.absence = validity === '1' ? 'private' : 'unavailable';
  return out;
}

/** A stored message from +CMGL (PDU mode): `+CMGL: <index>,<stat>,[<alpha>],<length>` then the PDU line. */
export interface ListedSms {
  index: number;
  /** 0 received unread, 1 received read, 2 stored unsent, 3 stored sent. */
  stat: number;
  pdu: string;
}

/** A PDU line, tolerating a stray quote or space some firmware appends; undefined when not hex. */
function pduLine(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const pdu = line.replace(/["\s]/g, '');
  return /^(?:[0-9A-Fa-f]{2})+$/.test(pdu) ? pdu.toUpperCase() : undefined;
}

export function parseCmgl(lines: string[]): ListedSms[] {
  const out: ListedSms[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\+CMGL:\s*(\d+)\s*,\s*(\d*)/.exec(lines[i]!);
    if (!m) continue;
    const pdu = pduLine(lines[i + 1]);
    if (pdu !== undefined) {
      out.push({ index: Number(m[1]), stat: m[2] ? Number(m[2]) : 1, pdu });
      i++;
    }
  }
  return out;
}

/** +CMGR (PDU mode): `+CMGR: <stat>,[<alpha>],<length>` then the PDU; undefined for an empty slot. */
export function parseCmgr(lines: string[]): { stat: number; pdu: string } | undefined {
  const i = lines.findIndex((l) => l.startsWith('+CMGR:'));
  if (i < 0) return undefined;
  // Some firmware leaves <stat> empty (`+CMGR: ,,92`).
  const m = /^\+CMGR:\s*(\d*)/.exec(lines[i]!);
  const pdu = pduLine(lines[i + 1]);
  if (!m || pdu === undefined) return undefined;
  return { stat: m[1] ? Number(m[1]) : 1, pdu };
}

/** `+CPMS: "SM",3,30,...` (query form) or `+CPMS: 3,30,...` (set form) → first storage used/total. */
export function parseCpms(line: string): { used: number; total: number } | undefined {
  const p = splitParams(line.replace(/^\+CPMS:\s*/, ''));
  const nums = p.filter((x) => /^\d+$/.test(x)).map(Number);
  if (nums.length < 2) return undefined;
  return { used: nums[0]!, total: nums[1]! };
}

export function parseCmgs(lines: string[]): number | undefined {
  for (const l of lines) {
    const m = /^\+CMGS:\s*(\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}
