import {
  attributeValue,
  type MediaDirection,
  mediaConnection,
  mediaDirection,
  rtcpPort,
  rtpMaps,
  type SdpAttribute,
  type SdpMedia,
  type SessionDescription,
} from './session-description.ts';

/** A codec we can run. New codecs (G.722, Opus) are added here with their clock rate. */
export interface CodecSpec {
  encoding: string;
  clockRate: number;
  /** Static payload type, or the dynamic type we offer. */
  payloadType: number;
  fmtp?: string;
}

export const PCMU: CodecSpec = { encoding: 'PCMU', clockRate: 8000, payloadType: 0 };
export const PCMA: CodecSpec = { encoding: 'PCMA', clockRate: 8000, payloadType: 8 };

export interface LocalMediaOptions {
  /** Our RTP address (IPv4 or IPv6 literal). */
  address: string;
  rtpPort: number;
  /** In preference order. Default PCMU, PCMA. */
  codecs?: CodecSpec[];
  /** Payload type for RFC 4733 telephone-event; null disables. Default 101. */
  telephoneEventPayloadType?: number | null;
  ptimeMs?: number;
  /** What we want: sendrecv normally, sendonly to put the peer on hold. */
  direction?: MediaDirection;
  /** Origin ids; the version must grow on each re-offer (RFC 3264 §8). */
  sessionId: string;
  sessionVersion: number;
  username?: string;
}

/** What both sides agreed for the one audio stream. */
export interface NegotiatedMedia {
  codec: CodecSpec;
  telephoneEventPayloadType: number | null;
  remoteAddress: string;
  remoteRtpPort: number;
  remoteRtcpPort: number;
  ptimeMs: number;
  /** Our direction: may we send / must we expect to receive. */
  direction: MediaDirection;
  /** True when the peer put us on hold (sendonly/inactive/0.0.0.0). */
  remoteHold: boolean;
}

export type AnswerResult =
  | { ok: true; answer: SessionDescription; media: NegotiatedMedia }
  | { ok: false; status: 488; reason: string };

const DEFAULT_CODECS = [PCMU, PCMA];

function addrType(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function codecAttributes(
  codecs: CodecSpec[],
  te: number | null,
  ptimeMs: number,
  dir: MediaDirection,
): SdpAttribute[] {
  const attrs: SdpAttribute[] = [];
  for (const c of codecs) {
    attrs.push({ name: 'rtpmap', value: `${c.payloadType} ${c.encoding}/${c.clockRate}` });
    if (c.fmtp) attrs.push({ name: 'fmtp', value: `${c.payloadType} ${c.fmtp}` });
  }
  if (te !== null) {
    attrs.push({ name: 'rtpmap', value: `${te} telephone-event/8000` });
    attrs.push({ name: 'fmtp', value: `${te} 0-16` });
  }
  attrs.push({ name: 'ptime', value: String(ptimeMs) });
  attrs.push({ name: dir, value: null });
  return attrs;
}

function baseSession(local: LocalMediaOptions): SessionDescription {
  const type = addrType(local.address);
  return {
    origin: {
      username: local.username ?? 'linegate',
      sessionId: local.sessionId,
      sessionVersion: String(local.sessionVersion),
      addrType: type,
      address: local.address,
    },
    sessionName: 'linegate',
    connection: { addrType: type, address: local.address },
    timing: '0 0',
    otherLines: [],
    attributes: [],
    media: [],
  };
}

/** An audio offer (initial INVITE or re-INVITE for hold/resume). */
export function createOffer(local: LocalMediaOptions): SessionDescription {
  const codecs = local.codecs ?? DEFAULT_CODECS;
  const te = local.telephoneEventPayloadType === undefined ? 101 : local.telephoneEventPayloadType;
  const sdp = baseSession(local);
  const formats = codecs.map((c) => String(c.payloadType));
  if (te !== null) formats.push(String(te));
  sdp.media.push({
    type: 'audio',
    port: local.rtpPort,
    protocol: 'RTP/AVP',
    formats,
    otherLines: [],
    attributes: [
      { name: 'rtcp', value: String(local.rtpPort + 1) },
      ...codecAttributes(codecs, te, local.ptimeMs ?? 20, local.direction ?? 'sendrecv'),
    ],
  });
  return sdp;
}

function reverse(dir: MediaDirection): MediaDirection {
  if (dir === 'sendonly') return 'recvonly';
  if (dir === 'recvonly') return 'sendonly';
  return dir;
}

/** Intersects two directions: what we may do given what we want and what the peer allows. */
function combine(wanted: MediaDirection, allowed: MediaDirection): MediaDirection {
  const send =
    (wanted === 'sendrecv' || wanted === 'sendonly') && (allowed === 'sendrecv' || allowed === 'sendonly');
  const recv =
    (wanted === 'sendrecv' || wanted === 'recvonly') && (allowed === 'sendrecv' || allowed === 'recvonly');
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

function isHoldAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}

function telephoneEventType(m: SdpMedia): number | null {
  const te = rtpMaps(m).find((r) => r.encoding.toLowerCase() === 'telephone-event' && r.clockRate === 8000);
  return te ? te.payloadType : null;
}

function ptimeOf(m: SdpMedia, fallbackMs: number): number {
  const v = attributeValue(m.attributes, 'ptime');
  const n = v ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 10 && n <= 200 ? n : fallbackMs;
}

/**
 * RFC 3264 §6: answer an offer. Takes the first audio stream whose codecs
 * meet ours (the offerer's order wins, RFC 3264 §6.1), rejects every other
 * stream with port 0, and gives 488 when no audio codec matches.
 */
export function answerOffer(offer: SessionDescription, local: LocalMediaOptions): AnswerResult {
  const codecs = local.codecs ?? DEFAULT_CODECS;
  const wantTe = local.telephoneEventPayloadType !== null;
  const sdp = baseSession(local);
  let chosen: NegotiatedMedia | undefined;
  for (const m of offer.media) {
    const rejected: SdpMedia = {
      type: m.type,
      port: 0,
      protocol: m.protocol,
      formats: m.formats,
      otherLines: [],
      attributes: [],
    };
    if (chosen || m.type !== 'audio' || m.port === 0 || !/^RTP\/AVP$/i.test(m.protocol)) {
      sdp.media.push(rejected);
      continue;
    }
    const maps = rtpMaps(m);
    const match = maps.find((r) =>
      codecs.some(
        (c) => c.encoding.toLowerCase() === r.encoding.toLowerCase() && c.clockRate === r.clockRate,
      ),
    );
    if (!match) {
      sdp.media.push(rejected);
      continue;
    }
    const codec: CodecSpec = {
      encoding: match.encoding.toUpperCase(),
      clockRate: match.clockRate,
      payloadType: match.payloadType,
    };
    const te = wantTe ? telephoneEventType(m) : null;
    const conn = mediaConnection(offer, m);
    const offered = mediaDirection(offer, m);
    const remoteHold = offered === 'sendonly' || offered === 'inactive' || isHoldAddress(conn?.address);
    const direction = combine(
      local.direction ?? 'sendrecv',
      reverse(isHoldAddress(conn?.address) ? 'inactive' : offered),
    );
    const ptimeMs = ptimeOf(m, local.ptimeMs ?? 20);
    const formats = [String(codec.payloadType)];
    if (te !== null) formats.push(String(te));
    sdp.media.push({
      type: 'audio',
      port: local.rtpPort,
      protocol: m.protocol,
      formats,
      otherLines: [],
      attributes: [
        { name: 'rtcp', value: String(local.rtpPort + 1) },
        ...codecAttributes([codec], te, ptimeMs, direction),
      ],
    });
    chosen = {
      codec,
      telephoneEventPayloadType: te,
      remoteAddress: conn?.address ?? '0.0.0.0',
      remoteRtpPort: m.port,
      remoteRtcpPort: rtcpPort(m),
      ptimeMs,
      direction,
      remoteHold,
    };
  }
  if (!chosen) return { ok: false, status: 488, reason: 'no common audio codec' };
  return { ok: true, answer: sdp, media: chosen };
}

export type ProcessAnswerResult = { ok: true; media: NegotiatedMedia } | { ok: false; reason: string };

/** Reads the peer's answer to our offer. */
export function processAnswer(
  offer: SessionDescription,
  answer: SessionDescription,
  local: LocalMediaOptions,
): ProcessAnswerResult {
  if (answer.media.length !== offer.media.length)
    return { ok: false, reason: 'answer has a different number of m= lines' };
  const index = answer.media.findIndex(
    (m, i) => m.type === 'audio' && m.port !== 0 && offer.media[i]?.type === 'audio',
  );
  const m = answer.media[index];
  if (!m) return { ok: false, reason: 'audio stream rejected' };
  const codecs = local.codecs ?? DEFAULT_CODECS;
  const maps = rtpMaps(m);
  const match = maps.find((r) =>
    codecs.some((c) => c.encoding.toLowerCase() === r.encoding.toLowerCase() && c.clockRate === r.clockRate),
  );
  if (!match) return { ok: false, reason: 'answer holds no codec we offered' };
  const conn = mediaConnection(answer, m);
  const answered = mediaDirection(answer, m);
  return {
    ok: true,
    media: {
      codec: {
        encoding: match.encoding.toUpperCase(),
        clockRate: match.clockRate,
        payloadType: match.payloadType,
      },
      telephoneEventPayloadType: local.telephoneEventPayloadType === null ? null : telephoneEventType(m),
      remoteAddress: conn?.address ?? '0.0.0.0',
      remoteRtpPort: m.port,
      remoteRtcpPort: rtcpPort(m),
      ptimeMs: ptimeOf(m, local.ptimeMs ?? 20),
      direction: combine(
        local.direction ?? 'sendrecv',
        reverse(isHoldAddress(conn?.address) ? 'inactive' : answered),
      ),
      remoteHold: answered === 'sendonly' || answered === 'inactive' || isHoldAddress(conn?.address),
    },
  };
}
