/**
 * RTCP (RFC 3550 §6): sender/receiver reports, SDES CNAME and BYE, as a
 * compound packet; receiver statistics per Appendix A.3 (loss) and A.8
 * (interarrival jitter, §6.4.1); round-trip time from LSR/DLSR (§6.4.1).
 * Parsing never throws: a malformed compound yields a reason.
 */

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 0..255 (/256). */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed). */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received, 0 if none. */
  lastSr: number;
  /** Delay since that SR in units of 1/65536 s. */
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname?: string }[] }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'other'; packetType: number };

export type RtcpParseResult = { ok: true; packets: RtcpPacket[] } | { ok: false; reason: string };

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;
const NTP_UNIX_OFFSET_S = 2_208_988_800;

export function ntpFromUnixMs(unixMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32);
  return { seconds: (seconds + NTP_UNIX_OFFSET_S) >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp (LSR/DLSR units: 1/65536 s). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

function writeReportBlock(buf: Buffer, at: number, r: ReportBlock): void {
  buf.writeUInt32BE(r.ssrc >>> 0, at);
  buf.writeUInt8(r.fractionLost & 0xff, at + 4);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  buf.writeUIntBE(lost, at + 5, 3);
  buf.writeUInt32BE(r.extendedHighestSeq >>> 0, at + 8);
  buf.writeUInt32BE(Math.max(0, Math.floor(r.jitter)) >>> 0, at + 12);
  buf.writeUInt32BE(r.lastSr >>> 0, at + 16);
  buf.writeUInt32BE(r.delaySinceLastSr >>> 0, at + 20);
}

function readReportBlock(buf: Buffer, at: number): ReportBlock {
  let lost = buf.readUIntBE(at + 5, 3);
  if (lost & 0x800000) lost -= 0x1000000;
  return {
    ssrc: buf.readUInt32BE(at),
    fractionLost: buf.readUInt8(at + 4),
    cumulativeLost: lost,
    extendedHighestSeq: buf.readUInt32BE(at + 8),
    jitter: buf.readUInt32BE(at + 12),
    lastSr: buf.readUInt32BE(at + 16),
    delaySinceLastSr: buf.readUInt32BE(at + 20),
  };
}

function header(buf: Buffer, count: number, packetType: number, lengthWords: number): void {
  buf.writeUInt8(0x80 | (count & 0x1f), 0);
  buf.writeUInt8(packetType, 1);
  buf.writeUInt16BE(lengthWords, 2);
}

export function buildSenderReport(ssrc: number, sender: SenderInfo, reports: ReportBlock[] = []): Buffer {
  const buf = Buffer.alloc(28 + reports.length * 24);
  header(buf, reports.length, PT_SR, buf.length / 4 - 1);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(sender.ntpSeconds >>> 0, 8);
  buf.writeUInt32BE(sender.ntpFraction >>> 0, 12);
  buf.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(sender.packetCount >>> 0, 20);
  buf.writeUInt32BE(sender.octetCount >>> 0, 24);
  for (const [i, r] of reports.entries()) writeReportBlock(buf, 28 + i * 24, r);
  return buf;
}

export function buildReceiverReport(ssrc: number, reports: ReportBlock[]): Buffer {
  const buf = Buffer.alloc(8 + reports.length * 24);
  header(buf, reports.length, PT_RR, buf.length / 4 - 1);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  for (const [i, r] of reports.entries()) writeReportBlock(buf, 8 + i * 24, r);
  return buf;
}

export function buildSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunkBytes = 4 + 2 + text.length + 1; // item + END
  const padded = Math.ceil(chunkBytes / 4) * 4;
  const buf = Buffer.alloc(4 + padded);
  header(buf, 1, PT_SDES, buf.length / 4 - 1);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt8(1, 8); // CNAME
  buf.writeUInt8(text.length, 9);
  text.copy(buf, 10);
  return buf;
}

export function buildBye(ssrc: number): Buffer {
  const buf = Buffer.alloc(8);
  header(buf, 1, PT_BYE, 1);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  return buf;
}

export function parseRtcp(data: Uint8Array): RtcpParseResult {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const packets: RtcpPacket[] = [];
  let at = 0;
  if (buf.length < 8) return { ok: false, reason: 'too-short' };
  while (at < buf.length) {
    if (at + 4 > buf.length) return { ok: false, reason: 'truncated-header' };
    const b0 = buf[at]!;
    if (b0 >> 6 !== 2) return { ok: false, reason: 'bad-version' };
    const count = b0 & 0x1f;
    const packetType = buf[at + 1]!;
    const length = (buf.readUInt16BE(at + 2) + 1) * 4;
    if (at + length > buf.length) return { ok: false, reason: 'truncated-packet' };
    const body = buf.subarray(at, at + length);
    if (packets.length === 0 && packetType !== PT_SR && packetType !== PT_RR) {
      return { ok: false, reason: 'compound-must-start-with-report' };
    }
    switch (packetType) {
      case PT_SR: {
        if (length < 28 + count * 24) return { ok: false, reason: 'short-sr' };
        const reports: ReportBlock[] = [];
        for (let i = 0; i < count; i++) reports.push(readReportBlock(body, 28 + i * 24));
        packets.push({
          type: 'sr',
          ssrc: body.readUInt32BE(4),
          sender: {
            ntpSeconds: body.readUInt32BE(8),
            ntpFraction: body.readUInt32BE(12),
            rtpTimestamp: body.readUInt32BE(16),
            packetCount: body.readUInt32BE(20),
            octetCount: body.readUInt32BE(24),
          },
          reports,
        });
        break;
      }
      case PT_RR: {
        if (length < 8 + count * 24) return { ok: false, reason: 'short-rr' };
        const reports: ReportBlock[] = [];
        for (let i = 0; i < count; i++) reports.push(readReportBlock(body, 8 + i * 24));
        packets.push({ type: 'rr', ssrc: body.readUInt32BE(4), reports });
        break;
      }
      case PT_SDES: {
        const chunks: { ssrc: number; cname?: string }[] = [];
        let p = 4;
        for (let c = 0; c < count; c++) {
          if (p + 4 > length) return { ok: false, reason: 'short-sdes' };
          const chunk: { ssrc: number; cname?: string } = { ssrc: body.readUInt32BE(p) };
          p += 4;
          while (p < length && body[p] !== 0) {
            if (p + 2 > length) return { ok: false, reason: 'short-sdes' };
            const itemType = body[p]!;
            const itemLength = body[p + 1]!;
            if (p + 2 + itemLength > length) return { ok: false, reason: 'short-sdes' };
            if (itemType === 1) chunk.cname = body.subarray(p + 2, p + 2 + itemLength).toString('utf8');
            p += 2 + itemLength;
          }
          p = (Math.floor(p / 4) + 1) * 4; // END plus padding to the next word
          chunks.push(chunk);
        }
        packets.push({ type: 'sdes', chunks });
        break;
      }
      case PT_BYE: {
        if (length < 4 + count * 4) return { ok: false, reason: 'short-bye' };
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(4 + i * 4));
        packets.push({ type: 'bye', ssrcs });
        break;
      }
      default:
        packets.push({ type: 'other', packetType });
    }
    at += length;
  }
  return { ok: true, packets };
}

/**
 * What we know about one incoming stream, for our report blocks (RFC 3550
 * A.1, A.3, A.8). Feed every valid RTP packet with its arrival time.
 */
export class ReceiverStatistics {
  readonly ssrc: number;
  readonly #clockRateHz: number;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transitTs: number | null = null;
  /** Interarrival jitter, timestamp units (§6.4.1). */
  jitterTs = 0;
  #lastSrMiddle = 0;
  #lastSrArrivalMs = 0;
  #started = false;

  constructor(ssrc: number, clockRateHz = 8000) {
    this.ssrc = ssrc;
    this.#clockRateHz = clockRateHz;
  }

  onPacket(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): void {
    const seq = sequenceNumber & 0xffff;
    if (!this.#started) {
      this.#started = true;
      this.#baseSeq = seq;
      this.#maxSeq = seq;
    } else {
      const delta = (seq - this.#maxSeq) & 0xffff;
      if (delta < 0x8000) {
        if (seq < this.#maxSeq) this.#cycles += 0x10000;
        this.#maxSeq = seq;
      }
    }
    this.#received++;
    const arrivalTs = (arrivalMs * this.#clockRateHz) / 1000;
    const transit = arrivalTs - rtpTimestamp;
    if (this.#transitTs !== null) {
      let d = transit - this.#transitTs;
      // Timestamps wrap at 2^32: fold the difference back.
      d = ((((d % 2 ** 32) + 2 ** 32 + 2 ** 31) % 2 ** 32) - 2 ** 31) as number;
      this.jitterTs += (Math.abs(d) - this.jitterTs) / 16;
    }
    this.#transitTs = transit;
  }

  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.#lastSrMiddle = ntpMiddle32(ntpSeconds, ntpFraction);
    this.#lastSrArrivalMs = arrivalMs;
  }

  get extendedHighestSeq(): number {
    return this.#cycles + this.#maxSeq;
  }

  get expected(): number {
    return this.#started ? this.extendedHighestSeq - this.#baseSeq + 1 : 0;
  }

  get cumulativeLost(): number {
    return this.expected - this.#received;
  }

  get jitterMs(): number {
    return (this.jitterTs * 1000) / this.#clockRateHz;
  }

  /** The block for our next SR/RR; advances the "since last report" interval. */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.cumulativeLost,
      extendedHighestSeq: this.extendedHighestSeq,
      jitter: Math.floor(this.jitterTs),
      lastSr: this.#lastSrMiddle,
      delaySinceLastSr:
        this.#lastSrMiddle === 0 ? 0 : Math.floor(((nowMs - this.#lastSrArrivalMs) / 1000) * 65536),
    };
  }
}

/**
 * Round-trip time from a report block about our stream (§6.4.1):
 * RTT = A − LSR − DLSR, all in 1/65536 s, where A is when the report arrived.
 * Returns null when the peer has not yet seen one of our SRs.
 */
export function roundTripMs(block: ReportBlock, arrivalUnixMs: number): number | null {
  if (block.lastSr === 0) return null;
  const ntp = ntpFromUnixMs(arrivalUnixMs);
  const a = ntpMiddle32(ntp.seconds, ntp.fraction);
  const rtt = (a - block.lastSr - block.delaySinceLastSr) >>> 0;
  if (rtt > 0x7fffffff) return 0;
  return (rtt / 65536) * 1000;
}
