import {
  formatParams,
  GrammarError,
  isGrammarError,
  isTokenChar,
  quoteString,
  readParams,
  readQuotedString,
  type SipParams,
  skipWhitespace,
} from './grammar.ts';
import { formatUri, parseUri, type SipUri } from './uri.ts';

/** `From`, `To`, `Contact`, `Route`, `Refer-To` values: optional display name, URI, header params. */
export interface NameAddr {
  /** Unquoted, unescaped display name (UTF-8), when present. */
  displayName?: string;
  uri: SipUri;
  params: SipParams;
}

/**
 * Parses `name-addr / addr-spec` followed by header parameters.
 * Without angle brackets, everything after the first ';' belongs to the
 * header (RFC 3261 §20.10) and the URI may not carry `?headers` or commas
 * (RFC 4475 §3.1.2.13, §3.3.12).
 */
export function parseNameAddr(text: string): NameAddr | GrammarError {
  let i = skipWhitespace(text, 0);
  let displayName: string | undefined;
  if (text[i] === '"') {
    const q = readQuotedString(text, i);
    if (isGrammarError(q)) return q;
    displayName = q.value;
    i = skipWhitespace(text, q.end);
    if (text[i] !== '<') return new GrammarError('quoted display name without <URI>');
  } else {
    const lt = text.indexOf('<', i);
    if (lt >= 0) {
      // Unquoted display name: tokens separated by LWS (RFC 4475 §3.1.1.6 allows no space before '<').
      const words = text.slice(i, lt).trim();
      for (let k = 0; k < words.length; k++) {
        const code = words.charCodeAt(k);
        if (!isTokenChar(code) && code !== 0x20 && code !== 0x09) {
          return new GrammarError('invalid character in unquoted display name');
        }
      }
      if (words.length > 0) displayName = words.replace(/[ \t]+/g, ' ');
      i = lt;
    }
  }
  let uriText: string;
  let after: number;
  if (text[i] === '<') {
    const gt = text.indexOf('>', i);
    if (gt < 0) return new GrammarError('missing >');
    uriText = text.slice(i + 1, gt);
    if (uriText.trim() !== uriText || uriText.length === 0) return new GrammarError('whitespace inside <>');
    after = gt + 1;
  } else {
    let end = i;
    while (end < text.length && text[end] !== ';' && text[end] !== ' ' && text[end] !== '\t') end++;
    uriText = text.slice(i, end);
    if (uriText.includes('?') || uriText.includes(',')) {
      return new GrammarError('addr-spec with ? or , must be enclosed in <>');
    }
    after = end;
  }
  const uri = parseUri(uriText);
  if (isGrammarError(uri)) return uri;
  const params = readParams(text, after);
  if (isGrammarError(params)) return params;
  const result: NameAddr = { uri, params };
  if (displayName !== undefined) result.displayName = displayName;
  return result;
}

export function formatNameAddr(value: NameAddr): string {
  const name = value.displayName === undefined ? '' : `${quoteString(value.displayName)} `;
  return `${name}<${formatUri(value.uri)}>${formatParams(value.params)}`;
}
