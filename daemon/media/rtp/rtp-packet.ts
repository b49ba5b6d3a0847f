/**
 * RTP fixed header (RFC 3550 §5.1): parse and serialise. Parsing never
 * throws; a packet that is not valid RTP yields a reason, so socket handlers
 * can count and drop it.
 */

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit, wraps. */
  sequenceNumber: number;
  /** 32-bit, wraps; in payload clock units (8 kHz for G.711). */
  timestamp: number;
  ssrc: number;
  csrcs?: number[];
  payload: Uint8Array;
}

export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; reason: RtpDropReason };

export type RtpDropReason = 'too-short' | 'bad-version' | 'bad-csrc-count' | 'bad-extension' | 'bad-padding';

export const RTP_HEADER_BYTES = 12;

export function parseRtp(buf: Uint8Array): RtpParseResult {
  if (buf.length < RTP_HEADER_BYTES) return { ok: false, reason: 'too-short' };
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== 2) return { ok: false, reason: 'bad-version' };
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > buf.length) return { ok: false, reason: 'bad-csrc-count' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(view.getUint32(RTP_HEADER_BYTES + i * 4));
  if (hasExtension) {
    if (offset + 4 > buf.length) return { ok: false, reason: 'bad-extension' };
    const words = view.getUint16(offset + 2);
    offset += 4 + words * 4;
    if (offset > buf.length) return { ok: false, reason: 'bad-extension' };
  }
  let end = buf.length;
  if (hasPadding) {
    const padBytes = buf[buf.length - 1]!;
    if (padBytes === 0 || end - padBytes < offset) return { ok: false, reason: 'bad-padding' };
    end -= padBytes;
  }
  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: buf.subarray(offset, end),
  };
  if (csrcCount > 0) packet.csrcs = csrcs;
  return { ok: true, packet };
}

/** Serialises without padding or extension. */
export function serializeRtp(packet: RtpPacket, out?: Buffer): Buffer {
  const csrcs = packet.csrcs ?? [];
  const headerBytes = RTP_HEADER_BYTES + csrcs.length * 4;
  const buf = out ?? Buffer.allocUnsafe(headerBytes + packet.payload.length);
  buf[0] = 0x80 | (csrcs.length & 0x0f);
  buf[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  buf.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(packet.timestamp >>> 0, 4);
  buf.writeUInt32BE(packet.ssrc >>> 0, 8);
  for (const [i, c] of csrcs.entries()) buf.writeUInt32BE(c >>> 0, RTP_HEADER_BYTES + i * 4);
  buf.set(packet.payload, headerBytes);
  return buf.subarray(0, headerBytes + packet.payload.length);
}

/** Signed distance a→b on a 16-bit sequence circle. */
export function seqDelta(a: number, b: number): number {
  return ((((b - a) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** Signed distance a→b on a 32-bit timestamp circle. */
export function tsDelta(a: number, b: number): number {
  return ((b - a) | 0) as number;
}
