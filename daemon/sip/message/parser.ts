import { isGrammarError, isToken, splitList } from './grammar.ts';
import { SipHeaders } from './headers.ts';
import { type SipMessage, parseCSeq, type SipRequest, type SipResponse } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';

export interface SipParseLimits {
  /** Whole message including body. Default 65535 (the largest UDP datagram). */
  maxMessageBytes: number;
  /** Header lines after unfolding. Default 100. */
  maxHeaderCount: number;
  /** One physical line of the header section. Default 8192. */
  maxLineBytes: number;
}

export const DEFAULT_PARSE_LIMITS: SipParseLimits = {
  maxMessageBytes: 65535,
  maxHeaderCount: 100,
  maxLineBytes: 8192,
};

export interface SipParseOptions {
  /**
   * 'datagram': Content-Length may be absent (body = rest) and bytes beyond it
   * are ignored (RFC 3261 §18.3). 'stream': the framer already cut the message,
   * so Content-Length is mandatory and must match the body exactly.
   */
  mode: 'datagram' | 'stream';
  limits?: Partial<SipParseLimits>;
}

/** Why a message was refused; `status` and `reason` are ready for a 400 Reason/Warning. */
export interface SipParseError {
  status: 400 | 505 | 513;
  reason: string;
  /** Present when the start line was a request: enough to build the error response. */
  request?: { method: string; headers: SipHeaders };
  /** True when the start line looked like a response (never answered, only dropped and counted). */
  isResponse: boolean;
}

export type SipParseResult = { ok: true; message: SipMessage } | { ok: false; error: SipParseError };

const REQUEST_LINE = /^([^ ]+) ([^ ]+) (SIP\/\d+\.\d+)$/;
const RESPONSE_LINE = /^(SIP\/\d+\.\d+) (\d{3})(?: (.*))?$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** Header section end (index of the blank line's CRLFCRLF), or -1. */
export function findHeaderEnd(buf: Buffer, from = 0): number {
  return buf.indexOf(CRLF_CRLF, from);
}

/** Parses one SIP message. Never throws: malformed input gives `{ ok: false }` with a reason. */
export function parseSipMessage(buf: Buffer, options: SipParseOptions): SipParseResult {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  let isResponse = false;
  let request: SipParseError['request'];
  const fail = (reason: string, status: SipParseError['status'] = 400): SipParseResult => {
    const error: SipParseError = { status, reason, isResponse };
    if (request) error.request = request;
    return { ok: false, error };
  };
  if (buf.length > limits.maxMessageBytes) return fail('message too large', 513);
  let start = 0;
  // Stray CRLFs before a start line are keep-alives or padding (RFC 3261 §7.5).
  while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
  const headerEnd = findHeaderEnd(buf, start);
  if (headerEnd < 0) return fail('header section not terminated by an empty line');
  const lines = buf.toString('utf8', start, headerEnd).split('\r\n');
  const startLine = lines[0] ?? '';
  isResponse = startLine.startsWith('SIP/');
  const headers = new SipHeaders();
  let method = '';
  let message: SipMessage;
  const reqMatch = isResponse ? null : REQUEST_LINE.exec(startLine);
  if (reqMatch) {
    method = reqMatch[1] as string;
    request = { method, headers };
  } else if (!isResponse) {
    // A broken request line still names a method: enough to answer 400 (RFC 4475 §3.1.2.8).
    const word = /^([^ ]+) /.exec(startLine)?.[1];
    if (word !== undefined && isToken(word)) request = { method: word, headers };
  }
  // Unfold continuation lines (RFC 3261 §7.3.1) and collect headers in order.
  let current: string | undefined;
  const flush = (): string | undefined => {
    if (current === undefined) return undefined;
    const colon = current.indexOf(':');
    const name = colon > 0 ? current.slice(0, colon).trimEnd() : '';
    if (!isToken(name)) return `malformed header line '${current.slice(0, 40)}'`;
    headers.append(name, current.slice(colon + 1).trim());
    return undefined;
  };
  let count = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length > limits.maxLineBytes) return fail('header line too long');
    const first = line.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && current !== undefined) {
      current += ` ${line.trim()}`;
      continue;
    }
    const err = flush();
    if (err) return fail(err);
    if (++count > limits.maxHeaderCount) return fail('too many headers');
    current = line;
  }
  const err = flush();
  if (err) return fail(err);

  if (isResponse) {
    const m = RESPONSE_LINE.exec(startLine);
    if (!m) return fail('malformed status line');
    const status = Number(m[2]);
    if (status < 100 || status > 699) return fail('status code out of range');
    const res: SipResponse = {
      kind: 'response',
      version: m[1] as string,
      status,
      reason: m[3] ?? '',
      headers,
      body: Buffer.alloc(0),
    };
    message = res;
  } else {
    if (!reqMatch) return fail('malformed request line');
    if (!isToken(method)) return fail('invalid method');
    const uri = parseUri(reqMatch[2] as string);
    if (isGrammarError(uri)) return fail(`bad Request-URI: ${uri.reason}`);
    if (uri.headers.length > 0) return fail('bad Request-URI: headers are not allowed');
    const req: SipRequest = {
      kind: 'request',
      method,
      uri,
      version: reqMatch[3] as string,
      headers,
      body: Buffer.alloc(0),
    };
    message = req;
  }

  const bodyStart = headerEnd + 4;
  const lengthLines = headers.getLines('content-length');
  if (lengthLines.length > 1) return fail('more than one Content-Length');
  const lengthText = lengthLines[0];
  if (lengthText === undefined) {
    if (options.mode === 'stream') return fail('Content-Length is required over a stream transport');
    message.body = buf.subarray(bodyStart);
  } else {
    if (!/^\d{1,10}$/.test(lengthText)) return fail('invalid Content-Length');
    const length = Number(lengthText);
    const available = buf.length - bodyStart;
    if (length > available) return fail('Content-Length larger than the message');
    if (options.mode === 'stream' && length !== available)
      return fail('Content-Length does not match the body');
    message.body = buf.subarray(bodyStart, bodyStart + length);
  }

  const headerError = validateCoreHeaders(headers);
  if (headerError) return fail(headerError);
  return { ok: true, message };
}

/** Syntax of the headers the transaction and dialog layers rely on; semantic checks live in validation.ts. */
function validateCoreHeaders(headers: SipHeaders): string | undefined {
  for (const entry of headers.raw()) {
    const key = entry.key;
    const value = entry.value;
    switch (key) {
      case 'via': {
        const parts = splitList(value);
        if (isGrammarError(parts)) return `malformed Via: ${parts.reason}`;
        for (const p of parts) {
          const via = parseVia(p);
          if (isGrammarError(via)) return `malformed Via: ${via.reason}`;
        }
        break;
      }
      case 'from':
      case 'to': {
        const na = parseNameAddr(value);
        if (isGrammarError(na)) return `malformed ${entry.name}: ${na.reason}`;
        break;
      }
      case 'contact':
      case 'route':
      case 'record-route': {
        if (key === 'contact' && value.trim() === '*') break;
        const parts = splitList(value);
        if (isGrammarError(parts)) return `malformed ${entry.name}: ${parts.reason}`;
        for (const p of parts) {
          const na = parseNameAddr(p);
          if (isGrammarError(na)) return `malformed ${entry.name}: ${na.reason}`;
        }
        break;
      }
      case 'cseq': {
        const c = parseCSeq(value);
        if (isGrammarError(c)) return `malformed CSeq: ${c.reason}`;
        if (!isToken(c.method)) return 'malformed CSeq: invalid method';
        break;
      }
      case 'call-id':
        if (value.length === 0 || /\s/.test(value)) return 'malformed Call-ID';
        break;
      case 'max-forwards':
      case 'expires':
      case 'min-expires':
        if (!/^\d+$/.test(value)) return `malformed ${entry.name}`;
        break;
      case 'content-type':
        if (!/^[!-~]+\/[!-~]+?(\s*;.*)?$/.test(value.split(';')[0]?.trim() ?? ''))
          return 'malformed Content-Type';
        break;
      default:
        break;
    }
  }
  return undefined;
}
