/**
 * Small lexical pieces of the RFC 3261 §25 grammar shared by the URI,
 * name-addr and Via parsers. Every function returns a value or a
 * `GrammarError`; nothing here throws on bad input.
 */

export class GrammarError {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

export function isGrammarError(value: unknown): value is GrammarError {
  return value instanceof GrammarError;
}

/** Ordered parameters; names lower-cased (they compare case-insensitively), `null` = no value. */
export type SipParams = Map<string, string | null>;

const TOKEN_CHAR = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN_CHAR[ch.charCodeAt(0)] = 1;
}

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN_CHAR[code] === 1;
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

export function skipWhitespace(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads a quoted-string starting at `pos` (which must be `"`). Returns the
 * unescaped content and the index after the closing quote.
 */
export function readQuotedString(text: string, pos: number): { value: string; end: number } | GrammarError {
  // Fast path: no escapes before the closing quote.
  const close = text.indexOf('"', pos + 1);
  if (close > 0) {
    const slash = text.indexOf('\\', pos + 1);
    if (slash < 0 || slash > close) return { value: text.slice(pos + 1, close), end: close + 1 };
  }
  let out = '';
  let i = pos + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\') {
      if (i + 1 >= text.length) break;
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '"') return { value: out, end: i + 1 };
    out += ch;
    i++;
  }
  return new GrammarError('unterminated quoted string');
}

/** Quotes a display name or parameter value when it is not a plain token. */
export function quoteString(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Splits a header value on commas that are outside quotes and angle
 * brackets (RFC 3261 §7.3.1). Empty elements are an error: `a,,b` is
 * malformed (RFC 4475 §3.1.2.1).
 */
export function splitList(value: string): string[] | GrammarError {
  const parts: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inQuote = false;
      continue;
    }
    if (ch === 0x22) inQuote = true;
    else if (ch === 0x3c) inAngle = true;
    else if (ch === 0x3e) inAngle = false;
    else if (ch === 0x2c && !inAngle) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (inQuote) return new GrammarError('unbalanced quotes');
  if (inAngle) return new GrammarError('unbalanced angle brackets');
  parts.push(value.slice(start).trim());
  if (parts.some((p) => p.length === 0)) return new GrammarError('empty list element');
  return parts;
}

/**
 * Parses `*( SEMI generic-param )` starting at `pos` (on a `;` or at the end).
 * Values are tokens, hosts (including `[v6]`) or quoted strings; quoted
 * values keep their quotes so they serialize back unchanged.
 */
export function readParams(text: string, pos: number): SipParams | GrammarError {
  const params: SipParams = new Map();
  let i = skipWhitespace(text, pos);
  while (i < text.length) {
    if (text[i] !== ';') return new GrammarError(`unexpected '${text[i]}' before parameter`);
    i = skipWhitespace(text, i + 1);
    const nameStart = i;
    while (i < text.length && isTokenChar(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i);
    if (name.length === 0) return new GrammarError('empty parameter name');
    i = skipWhitespace(text, i);
    let value: string | null = null;
    if (text[i] === '=') {
      i = skipWhitespace(text, i + 1);
      if (text[i] === '"') {
        const q = readQuotedString(text, i);
        if (isGrammarError(q)) return q;
        value = text.slice(i, q.end);
        i = q.end;
      } else if (text[i] === '[') {
        const close = text.indexOf(']', i);
        if (close < 0) return new GrammarError('unterminated IPv6 reference in parameter');
        value = text.slice(i, close + 1);
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < text.length && (isTokenChar(text.charCodeAt(i)) || text[i] === ':')) i++;
        value = text.slice(valueStart, i);
        if (value.length === 0) return new GrammarError(`empty value for parameter ${name}`);
      }
      i = skipWhitespace(text, i);
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

export function formatParams(params: SipParams): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** The content of a parameter value, without quotes. */
export function unquoteParam(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.startsWith('"')) {
    const q = readQuotedString(value, 0);
    return isGrammarError(q) ? value : q.value;
  }
  return value;
}

/** Decodes `%HH` escapes once (never recursively, RFC 4475 §3.1.1.3); bad escapes stay literal. */
export function unescapePercent(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x80) {
      bytes.push(ch);
    } else {
      const cp = text.codePointAt(i) ?? ch;
      const s = String.fromCodePoint(cp);
      for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
      i += s.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
