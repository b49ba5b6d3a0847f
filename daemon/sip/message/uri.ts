import { GrammarError, isGrammarError, type SipParams, unescapePercent } from './grammar.ts';

/**
 * A URI as SIP carries it. `sip:`/`sips:` and `tel:` are taken apart;
 * any other scheme (RFC 4475 §3.3.2: `nobodyKnowsThisScheme:...`) is kept
 * as `opaque` so the element can answer 416 instead of failing to parse.
 * `user` keeps its `%` escapes exactly as received (RFC 3261 §19.1.4
 * compares unescaped; use `unescapedUser()`).
 */
export interface SipUri {
  /** Lower-cased scheme: 'sip', 'sips', 'tel' or anything else. */
  scheme: string;
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference including the brackets. Empty for tel/opaque URIs. */
  host: string;
  port?: number;
  params: SipParams;
  /** `?name=value&...` headers (escaped), in order. */
  headers: Array<[string, string]>;
  /** Scheme-specific part for schemes we do not interpret. */
  opaque?: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
// userinfo characters: unreserved / escaped / user-unreserved, plus ':' for the password.
const USERINFO = /^[A-Za-z0-9\-_.!~*'()%&=+$,;?/:]+$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const PARAM_CHARS = /^[A-Za-z0-9\-_.!~*'()%[\]/:&+$]*$/;
const HEADER_CHARS = /^[A-Za-z0-9\-_.!~*'()%[\]/?:+$]*$/;
const OPAQUE_FORBIDDEN = /[\s<>"]/;

export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0 || n > 255) return false;
  if (host.charCodeAt(0) === 0x5b) {
    if (host.charCodeAt(n - 1) !== 0x5d) return false;
    const inner = host.slice(1, -1);
    return IPV6.test(inner) && inner.includes(':') && inner.split('::').length <= 2;
  }
  // One pass: character classes, hostname labels, and dotted-quad octets.
  let allDigitsAndDots = true;
  let dots = 0;
  let octet = 0;
  let octetDigits = 0;
  let octetsOk = true;
  let labelStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0) return i === n && i > 0 && !allDigitsAndDots; // a trailing '.' ends an FQDN
      if (host.charCodeAt(labelStart) === 0x2d || host.charCodeAt(i - 1) === 0x2d) return false;
      if (octetDigits === 0 || octetDigits > 3 || octet > 255) octetsOk = false;
      if (i < n) dots++;
      labelStart = i + 1;
      octet = 0;
      octetDigits = 0;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      octetDigits++;
      continue;
    }
    allDigitsAndDots = false;
    if (!(c === 0x2d || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  if (allDigitsAndDots) return dots === 3 && octetsOk;
  return true;
}

export function parseUri(text: string): SipUri | GrammarError {
  const colon = text.indexOf(':');
  if (colon <= 0) return new GrammarError('URI without scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) return new GrammarError('invalid URI scheme');
  const rest = text.slice(colon + 1);
  const lower = scheme.toLowerCase();
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest);
  if (OPAQUE_FORBIDDEN.test(rest) || rest.length === 0) return new GrammarError('invalid characters in URI');
  if (lower === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (!/^\+?[0-9A-Fa-f*#\-.()pw]+$/.test(number)) return new GrammarError('invalid tel number');
    const params = semi < 0 ? new Map() : parseUriParams(rest.slice(semi + 1));
    if (isGrammarError(params)) return params;
    return { scheme: lower, user: number, host: '', params, headers: [] };
  }
  return { scheme: lower, host: '', params: new Map(), headers: [], opaque: rest };
}

function parseSipUri(scheme: string, rest: string): SipUri | GrammarError {
  if (OPAQUE_FORBIDDEN.test(rest)) return new GrammarError('whitespace or delimiter inside SIP URI');
  let user: string | undefined;
  let password: string | undefined;
  let hostPart = rest;
  // The userinfo ends at the first '@' when everything before it may appear
  // in a userinfo (it may contain ';', '?' and ',' – RFC 4475 §3.1.1.2, §3.1.1.9).
  const at = rest.indexOf('@');
  if (at >= 0 && USERINFO.test(rest.slice(0, at))) {
    const userinfo = rest.slice(0, at);
    const pw = userinfo.indexOf(':');
    if (pw >= 0) {
      user = userinfo.slice(0, pw);
      password = userinfo.slice(pw + 1);
    } else {
      user = userinfo;
    }
    if (user.length === 0) return new GrammarError('empty user part');
    hostPart = rest.slice(at + 1);
  }
  let headersText: string | undefined;
  const q = hostPart.indexOf('?');
  if (q >= 0) {
    headersText = hostPart.slice(q + 1);
    hostPart = hostPart.slice(0, q);
  }
  let paramsText: string | undefined;
  const semi = hostPart.indexOf(';');
  if (semi >= 0) {
    paramsText = hostPart.slice(semi + 1);
    hostPart = hostPart.slice(0, semi);
  }
  let host = hostPart;
  let port: number | undefined;
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(hostPart);
  if (!portMatch) return new GrammarError('invalid hostport');
  host = portMatch[1] as string;
  if (portMatch[2] !== undefined) {
    port = Number(portMatch[2]);
    if (port > 65535) return new GrammarError('port out of range');
  }
  if (!isValidHost(host)) return new GrammarError(`invalid host '${host}'`);
  const params = paramsText === undefined ? new Map<string, string | null>() : parseUriParams(paramsText);
  if (isGrammarError(params)) return params;
  const headers: Array<[string, string]> = [];
  if (headersText !== undefined) {
    for (const pair of headersText.split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return new GrammarError('invalid URI header');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (!HEADER_CHARS.test(name) || !HEADER_CHARS.test(value))
        return new GrammarError('invalid URI header');
      headers.push([name, value]);
    }
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

function parseUriParams(text: string): SipParams | GrammarError {
  const params: SipParams = new Map();
  for (const part of text.split(';')) {
    if (part.length === 0) return new GrammarError('empty URI parameter');
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? null : part.slice(eq + 1);
    if (name.length === 0 || !PARAM_CHARS.test(name) || (value !== null && !PARAM_CHARS.test(value))) {
      return new GrammarError('invalid URI parameter');
    }
    params.set(unescapePercent(name).toLowerCase(), value);
  }
  return params;
}

export function formatUri(uri: SipUri): string {
  if (uri.opaque !== undefined) return `${uri.scheme}:${uri.opaque}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.scheme !== 'tel') {
      if (uri.password !== undefined) out += `:${uri.password}`;
      out += '@';
    }
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
  if (uri.headers.length > 0) out += `?${uri.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
  return out;
}

export function unescapedUser(uri: SipUri): string | undefined {
  return uri.user === undefined ? undefined : unescapePercent(uri.user);
}

export function isSipUri(uri: SipUri): boolean {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

/** Host without IPv6 brackets, for socket calls. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Host as it appears in a URI or Via (IPv6 in brackets). */
export function uriHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** A fresh SIP URI. */
export function sipUri(host: string, user?: string, port?: number, scheme: 'sip' | 'sips' = 'sip'): SipUri {
  const uri: SipUri = { scheme, host: uriHost(host), params: new Map(), headers: [] };
  if (user !== undefined) uri.user = user;
  if (port !== undefined) uri.port = port;
  return uri;
}
