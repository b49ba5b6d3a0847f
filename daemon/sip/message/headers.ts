/**
 * Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical
 * spelling for the headers we know, and case-insensitive lookup.
 */

const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const CANONICAL = new Map<string, string>();
for (const name of [
  ...Object.values(COMPACT),
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Authentication-Info',
  'Authorization',
  'Call-Info',
  'Content-Disposition',
  'Content-Language',
  'CSeq',
  'Date',
  'Error-Info',
  'Expires',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'Min-SE',
  'MIME-Version',
  'Organization',
  'Priority',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Reply-To',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Subscription-State',
  'Timestamp',
  'Unsupported',
  'User-Agent',
  'Warning',
  'WWW-Authenticate',
]) {
  CANONICAL.set(name.toLowerCase(), name);
}

// Header names repeat endlessly; caching their keys keeps lower-casing off the hot path.
const KEY_CACHE = new Map<string, string>();

/** The lookup key of a header name: compact forms expanded, lower-cased. */
export function headerKey(name: string): string {
  const cached = KEY_CACHE.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const full = Object.hasOwn(COMPACT, lower) ? COMPACT[lower] : undefined;
  const key = full === undefined ? lower : full.toLowerCase();
  if (KEY_CACHE.size < 2000) KEY_CACHE.set(name, key);
  return key;
}

/** How we write a header name: canonical for known headers, as received otherwise. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(headerKey(name)) ?? name;
}

/**
 * Headers whose grammar is a comma-separated list, so several values on one
 * line equal several lines (RFC 3261 §7.3.1). Others (e.g. WWW-Authenticate,
 * Date, Call-ID) contain commas inside one value and are never split.
 */
export const LIST_HEADERS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'allow-events',
  'in-reply-to',
  'warning',
]);

export interface SipHeader {
  /** Name as written on the wire (canonical for known headers). */
  name: string;
  value: string;
}

/** Ordered header list with case-insensitive, compact-aware access. Unknown headers are kept in order. */
export class SipHeaders {
  readonly #list: Array<SipHeader & { key: string }> = [];

  constructor(headers: Iterable<SipHeader> = []) {
    for (const h of headers) this.append(h.name, h.value);
  }

  /** First value of a header, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.#list) if (h.key === key) return h.value;
    return undefined;
  }

  /** Every line of a header, unsplit. */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const h of this.#list) if (h.key === key) out.push(h.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  count(name: string): number {
    return this.getLines(name).length;
  }

  append(name: string, value: string): this {
    const key = headerKey(name);
    this.#list.push({ name: CANONICAL.get(key) ?? name, value, key });
    return this;
  }

  /** Internal entries with their lookup keys, without copying (for the parser's checks). */
  raw(): ReadonlyArray<Readonly<SipHeader & { key: string }>> {
    return this.#list;
  }

  /** Adds a header before every other one (e.g. a new top Via). */
  prepend(name: string, value: string): this {
    this.#list.unshift({ name: canonicalHeaderName(name), value, key: headerKey(name) });
    return this;
  }

  /** Replaces every line of `name` by one line at the place of the first. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const index = this.#list.findIndex((h) => h.key === key);
    if (index < 0) return this.append(name, value);
    this.#list[index] = { name: canonicalHeaderName(name), value, key };
    for (let i = this.#list.length - 1; i > index; i--)
      if (this.#list[i]?.key === key) this.#list.splice(i, 1);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.#list.length - 1; i >= 0; i--) if (this.#list[i]?.key === key) this.#list.splice(i, 1);
    return this;
  }

  /** Removes only the first line of `name` (e.g. the top Via of a response). */
  removeFirst(name: string): this {
    const key = headerKey(name);
    const index = this.#list.findIndex((h) => h.key === key);
    if (index >= 0) this.#list.splice(index, 1);
    return this;
  }

  entries(): SipHeader[] {
    return this.#list.map(({ name, value }) => ({ name, value }));
  }

  get size(): number {
    return this.#list.length;
  }

  clone(): SipHeaders {
    return new SipHeaders(this.#list);
  }
}
