import { GrammarError, isGrammarError, splitList } from './grammar.ts';
import { LIST_HEADERS, type SipHeaders } from './headers.ts';
import { type NameAddr, parseNameAddr } from './name-addr.ts';
import type { SipUri } from './uri.ts';
import { parseVia, type Via } from './via.ts';

export const SIP_VERSION = 'SIP/2.0';

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  uri: SipUri;
  version: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  status: number;
  reason: string;
  version: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export interface CSeq {
  seq: number;
  method: string;
}

export const MAX_CSEQ = 2 ** 32 - 1;

/** Every value of a header: list headers split on top-level commas; errors for malformed lists. */
export function headerValues(msg: SipMessage, name: string): string[] | GrammarError {
  const lines = msg.headers.getLines(name);
  if (!LIST_HEADERS.has(name.toLowerCase())) return lines;
  const out: string[] = [];
  for (const line of lines) {
    const parts = splitList(line);
    if (isGrammarError(parts)) return parts;
    out.push(...parts);
  }
  return out;
}

export function parseVias(msg: SipMessage): Via[] | GrammarError {
  const values = headerValues(msg, 'via');
  if (isGrammarError(values)) return values;
  const out: Via[] = [];
  for (const v of values) {
    const via = parseVia(v);
    if (isGrammarError(via)) return via;
    out.push(via);
  }
  return out;
}

/** The top Via, or undefined when missing/malformed. */
export function topVia(msg: SipMessage): Via | undefined {
  const lines = msg.headers.getLines('via');
  const first = lines[0];
  if (first === undefined) return undefined;
  const parts = splitList(first);
  if (isGrammarError(parts) || parts[0] === undefined) return undefined;
  const via = parseVia(parts[0]);
  return isGrammarError(via) ? undefined : via;
}

export function parseCSeq(text: string): CSeq | GrammarError {
  const m = /^\s*(\d+)\s+([^\s]+)\s*$/.exec(text);
  if (!m) return new GrammarError('invalid CSeq');
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || seq > MAX_CSEQ) return new GrammarError('CSeq number above 2^32-1');
  return { seq, method: m[2] as string };
}

export function cseqOf(msg: SipMessage): CSeq | undefined {
  const v = msg.headers.get('cseq');
  if (v === undefined) return undefined;
  const c = parseCSeq(v);
  return isGrammarError(c) ? undefined : c;
}

export function nameAddrOf(
  msg: SipMessage,
  name: 'from' | 'to' | 'refer-to' | 'referred-by',
): NameAddr | undefined {
  const v = msg.headers.get(name);
  if (v === undefined) return undefined;
  const na = parseNameAddr(v);
  return isGrammarError(na) ? undefined : na;
}

export function tagOf(msg: SipMessage, name: 'from' | 'to'): string | undefined {
  return nameAddrOf(msg, name)?.params.get('tag') ?? undefined;
}

export function callIdOf(msg: SipMessage): string {
  return msg.headers.get('call-id') ?? '';
}

/** Parses a list header made of name-addrs (Contact, Route, Record-Route, Path). `*` gives []. */
export function nameAddrList(msg: SipMessage, name: string): NameAddr[] | GrammarError {
  const values = headerValues(msg, name);
  if (isGrammarError(values)) return values;
  const out: NameAddr[] = [];
  for (const v of values) {
    if (v === '*') continue;
    const na = parseNameAddr(v);
    if (isGrammarError(na)) return na;
    out.push(na);
  }
  return out;
}

/** Option tags of Require/Supported/Proxy-Require, lower-cased. */
export function optionTags(msg: SipMessage, name: 'require' | 'supported' | 'proxy-require'): string[] {
  const values = headerValues(msg, name);
  if (isGrammarError(values)) return [];
  return values.map((v) => v.toLowerCase());
}

export function isRequest(msg: SipMessage): msg is SipRequest {
  return msg.kind === 'request';
}

/** An integer header (Expires, Max-Forwards, Min-SE...), clamped to 2^32-1; undefined when absent/invalid. */
export function integerHeader(msg: SipMessage, name: string): number | undefined {
  const v = msg.headers.get(name);
  if (v === undefined) return undefined;
  const m = /^\s*(\d+)/.exec(v);
  if (!m) return undefined;
  return Math.min(Number(m[1]), MAX_CSEQ);
}
