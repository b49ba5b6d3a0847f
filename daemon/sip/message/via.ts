import {
  formatParams,
  GrammarError,
  isGrammarError,
  isToken,
  readParams,
  type SipParams,
} from './grammar.ts';
import { isValidHost } from './uri.ts';

/** One Via hop (RFC 3261 §20.42). */
export interface Via {
  /** e.g. 'SIP/2.0' (any version parses, so 505 can be answered). */
  protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS or an unknown token (RFC 4475 §3.1.1.10). */
  transport: string;
  host: string;
  port?: number;
  params: SipParams;
}

export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

const SENT_PROTOCOL = /^\s*([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+/;

export function parseVia(text: string): Via | GrammarError {
  const m = SENT_PROTOCOL.exec(text);
  if (!m) return new GrammarError('invalid Via sent-protocol');
  const [, name, version, transport] = m as unknown as [string, string, string, string];
  if (!isToken(name) || !isToken(version) || !isToken(transport))
    return new GrammarError('invalid Via sent-protocol');
  let i = m[0].length;
  const start = i;
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close < 0) return new GrammarError('unterminated IPv6 reference in Via');
    i = close + 1;
  } else {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      const hostChar =
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        c === 0x2e ||
        c === 0x2d;
      if (!hostChar) break;
      i++;
    }
  }
  const host = text.slice(start, i);
  if (!isValidHost(host)) return new GrammarError('invalid Via host');
  let port: number | undefined;
  let k = i;
  while (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09) k++;
  if (text.charCodeAt(k) === 0x3a) {
    k++;
    while (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09) k++;
    const digitsStart = k;
    while (k < text.length && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) k++;
    if (k === digitsStart || k - digitsStart > 5) return new GrammarError('invalid Via port');
    port = Number(text.slice(digitsStart, k));
    if (port > 65535) return new GrammarError('Via port out of range');
    i = k;
  }
  const params = readParams(text, i);
  if (isGrammarError(params)) return params;
  const via: Via = {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host,
    params,
  };
  if (port !== undefined) via.port = port;
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function viaBranch(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}
