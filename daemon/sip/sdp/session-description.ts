/**
 * SDP (RFC 8866) as SIP carries it: parse, query, serialize. Lines we do
 * not interpret (b=, k=, i=, unknown attributes) are kept in order so an
 * answer or re-offer never loses them.
 */

export interface SdpConnection {
  addrType: 'IP4' | 'IP6';
  address: string;
}

export interface SdpAttribute {
  name: string;
  value: string | null;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  addrType: 'IP4' | 'IP6';
  address: string;
}

export interface SdpMedia {
  /** audio, video, image, application... */
  type: string;
  port: number;
  portCount?: number;
  /** RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF... */
  protocol: string;
  formats: string[];
  connection?: SdpConnection;
  /** Other media-level lines (i=, b=, k=) in order, without the attributes. */
  otherLines: string[];
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  origin: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  /** t= line value, usually '0 0'. */
  timing: string;
  otherLines: string[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; reason: string };

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function parseConnection(value: string): SdpConnection | undefined {
  const m = /^IN (IP4|IP6) ([^\s/]+)(?:\/\d+)*$/.exec(value.trim());
  if (!m) return undefined;
  return { addrType: m[1] as 'IP4' | 'IP6', address: m[2] as string };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0
    ? { name: value, value: null }
    : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

export function parseSdp(text: string | Buffer): SdpParseResult {
  const lines = (typeof text === 'string' ? text : text.toString('utf8'))
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  let origin: SdpOrigin | undefined;
  let sessionName = '-';
  let timing = '0 0';
  let connection: SdpConnection | undefined;
  const otherLines: string[] = [];
  const attributes: SdpAttribute[] = [];
  const media: SdpMedia[] = [];
  let current: SdpMedia | undefined;
  if (lines[0] !== 'v=0') return { ok: false, reason: 'SDP must start with v=0' };
  for (const line of lines.slice(1)) {
    if (line.length < 2 || line[1] !== '=')
      return { ok: false, reason: `malformed SDP line '${line.slice(0, 30)}'` };
    const type = line[0];
    const value = line.slice(2);
    if (type === 'm') {
      const m = /^(\S+) (\d+)(?:\/(\d+))? (\S+)((?: \S+)*)$/.exec(value);
      if (!m) return { ok: false, reason: 'malformed m= line' };
      const port = Number(m[2]);
      if (port > 65535) return { ok: false, reason: 'm= port out of range' };
      current = {
        type: m[1] as string,
        port,
        protocol: m[4] as string,
        formats: (m[5] as string).trim().split(' ').filter(Boolean),
        otherLines: [],
        attributes: [],
      };
      if (m[3] !== undefined) current.portCount = Number(m[3]);
      media.push(current);
      continue;
    }
    if (type === 'c') {
      const c = parseConnection(value);
      if (!c) return { ok: false, reason: 'malformed c= line' };
      if (current) current.connection = c;
      else connection = c;
      continue;
    }
    if (type === 'a') {
      (current ? current.attributes : attributes).push(parseAttribute(value));
      continue;
    }
    if (current) {
      current.otherLines.push(line);
      continue;
    }
    if (type === 'o') {
      const o = /^(\S+) (\S+) (\S+) IN (IP4|IP6) (\S+)$/.exec(value);
      if (!o) return { ok: false, reason: 'malformed o= line' };
      origin = {
        username: o[1] as string,
        sessionId: o[2] as string,
        sessionVersion: o[3] as string,
        addrType: o[4] as 'IP4' | 'IP6',
        address: o[5] as string,
      };
    } else if (type === 's') sessionName = value;
    else if (type === 't') timing = value;
    else otherLines.push(line);
  }
  if (!origin) return { ok: false, reason: 'missing o= line' };
  for (const m of media) {
    if (!m.connection && !connection && m.port !== 0) return { ok: false, reason: 'media without c= line' };
  }
  const sdp: SessionDescription = { origin, sessionName, timing, otherLines, attributes, media };
  if (connection) sdp.connection = connection;
  return { ok: true, sdp };
}

export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out = ['v=0', `o=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addrType} ${o.address}`];
  out.push(`s=${sdp.sessionName || '-'}`);
  for (const l of sdp.otherLines) if (!l.startsWith('t=')) out.push(l);
  if (sdp.connection) out.push(`c=IN ${sdp.connection.addrType} ${sdp.connection.address}`);
  out.push(`t=${sdp.timing}`);
  for (const a of sdp.attributes) out.push(a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);
  for (const m of sdp.media) {
    const count = m.portCount === undefined ? '' : `/${m.portCount}`;
    out.push(`m=${m.type} ${m.port}${count} ${m.protocol} ${m.formats.join(' ')}`);
    for (const l of m.otherLines) if (!l.startsWith('b=')) out.push(l);
    if (m.connection) out.push(`c=IN ${m.connection.addrType} ${m.connection.address}`);
    for (const l of m.otherLines) if (l.startsWith('b=')) out.push(l);
    for (const a of m.attributes) out.push(a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);
  }
  return `${out.join('\r\n')}\r\n`;
}

export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels: number;
}

/** Static payload types (RFC 3551) that may appear without a=rtpmap. */
const STATIC_PAYLOADS: Record<number, Omit<RtpMap, 'payloadType'>> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  3: { encoding: 'GSM', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encoding: 'G722', clockRate: 8000, channels: 1 },
  18: { encoding: 'G729', clockRate: 8000, channels: 1 },
};

/** The rtpmap of each format of an m= line (static ones filled in). */
export function rtpMaps(m: SdpMedia): RtpMap[] {
  const out: RtpMap[] = [];
  for (const fmt of m.formats) {
    const pt = Number(fmt);
    if (!Number.isInteger(pt)) continue;
    const attr = m.attributes.find((a) => a.name === 'rtpmap' && a.value?.split(' ')[0] === fmt);
    const mm = attr?.value ? /^\d+ ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(attr.value) : null;
    if (mm) {
      out.push({
        payloadType: pt,
        encoding: mm[1] as string,
        clockRate: Number(mm[2]),
        channels: Number(mm[3] ?? 1),
      });
    } else if (STATIC_PAYLOADS[pt]) {
      out.push({ payloadType: pt, ...STATIC_PAYLOADS[pt] });
    }
  }
  return out;
}

export function attributeValue(attrs: SdpAttribute[], name: string): string | null | undefined {
  const a = attrs.find((x) => x.name === name);
  return a === undefined ? undefined : a.value;
}

/** Direction of an m= line (media level wins over session level; default sendrecv). */
export function mediaDirection(sdp: SessionDescription, m: SdpMedia): MediaDirection {
  const own = m.attributes.find((a) => DIRECTIONS.has(a.name));
  if (own) return own.name as MediaDirection;
  const session = sdp.attributes.find((a) => DIRECTIONS.has(a.name));
  return (session?.name as MediaDirection | undefined) ?? 'sendrecv';
}

export function mediaConnection(sdp: SessionDescription, m: SdpMedia): SdpConnection | undefined {
  return m.connection ?? sdp.connection;
}

/** The RTCP port: a=rtcp (RFC 3605) or RTP port + 1. */
export function rtcpPort(m: SdpMedia): number {
  const v = attributeValue(m.attributes, 'rtcp');
  const port = v ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isInteger(port) ? port : m.port + 1;
}
