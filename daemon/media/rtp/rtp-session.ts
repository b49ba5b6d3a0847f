/**
 * One RTP/RTCP session (RFC 3550) on a port pair: sends our stream with its
 * own SSRC/sequence/timestamp, receives the peer's, and runs RTCP.
 *
 * - Symmetric RTP with latching (for NAT): we send to the SDP address until
 *   the first valid packet arrives, then to wherever it came from; packets
 *   from any other source are counted and dropped (after the socket is
 *   connected to the latched peer, the kernel drops them uncounted).
 * - Accepted payload types are configured (PT switching between them is
 *   fine); telephone-event packets become `dtmf` events, never audio.
 * - Garbage (not RTP, wrong version, truncated, unknown PT) is counted per
 *   reason and dropped; nothing thrown out of a socket handler.
 * - RTCP: SR when we sent since the last report, else RR, plus SDES CNAME,
 *   every `rtcpIntervalMs` (randomised ×0.5–1.5, §6.3.1); peer SRs feed
 *   LSR/DLSR and report blocks about us give the RTT.
 */
import type { RemoteInfo } from 'node:dgram';
import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import { type Logger, silentLogger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import { type EModelResult, eModel } from '../quality/e-model.ts';
import type { RtpSocketPair } from './port-allocator.ts';
import {
  buildBye,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  ntpFromUnixMs,
  parseRtcp,
  ReceiverStatistics,
  type RtcpPacket,
  roundTripMs,
} from './rtcp.ts';
import { digitToEvent, planTelephoneEvent, type ReceivedEvent, TelephoneEventReceiver } from './rfc4733.ts';
import { parseRtp, type RtpPacket, serializeRtp } from './rtp-packet.ts';

export interface RtpEndpoint {
  address: string;
  port: number;
}

export interface RtpSessionOptions {
  clock: Clock;
  sockets: RtpSocketPair;
  logger?: Logger;
  /** Where to send until latched (from SDP). RTCP goes to port + 1 unless `rtcpPort`. */
  remote?: RtpEndpoint & { rtcpPort?: number };
  /** Latch onto the first valid source and ignore others (default true). */
  symmetric?: boolean;
  /** Payload types accepted as audio (default PCMU 0, PCMA 8, CN 13). */
  audioPayloadTypes?: number[];
  /** telephone-event payload type (default 101). */
  telephoneEventPayloadType?: number;
  clockRateHz?: number;
  ssrc?: number;
  cname?: string;
  rtcpIntervalMs?: number;
  /** Connect the RTP socket to the latched peer (default true; needs `symmetric`). */
  connectOnLatch?: boolean;
  /** Random source (tests pass a fixed one). */
  random?: () => number;
}

export type RtpDropCounter =
  | 'not-rtp'
  | 'too-short'
  | 'bad-version'
  | 'bad-csrc-count'
  | 'bad-extension'
  | 'bad-padding'
  | 'payload-type'
  | 'unlatched'
  | 'rtcp-invalid'
  | 'rtcp-unlatched';

export interface RtpSessionStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  dropped: Partial<Record<RtpDropCounter, number>>;
  /** From our receiver statistics of the peer's stream. */
  lost: number;
  expected: number;
  jitterMs: number;
  /** From the peer's reports about our stream. */
  remoteLostFraction: number | null;
  remoteJitterMs: number | null;
  rttMs: number | null;
  latched: RtpEndpoint | null;
  ssrcChanges: number;
}

export interface RtpSessionEvents extends Record<string, unknown[]> {
  /** A valid audio packet (PCMU/PCMA/CN …) from the latched source. */
  packet: [RtpPacket, number];
  /** A telephone event started or ended (RFC 4733), deduplicated. */
  dtmfStart: [ReceivedEvent];
  dtmfEnd: [ReceivedEvent];
  rtcp: [RtcpPacket[]];
  /** The peer's SSRC changed (new stream: re-INVITE, transfer). */
  ssrcChange: [number];
  /** The peer sent RTCP BYE. */
  bye: [];
}

export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  readonly #o: RtpSessionOptions;
  readonly #log: Logger;
  readonly #audioPts: Set<number>;
  readonly #eventPt: number;
  readonly #clockRateHz: number;
  readonly #random: () => number;
  readonly ssrc: number;
  #seq: number;
  #ts: number;
  #remote: RtpEndpoint | null;
  #remoteRtcp: RtpEndpoint | null;
  #latched: RtpEndpoint | null = null;
  #latchedRtcp: RtpEndpoint | null = null;
  #peerSsrc: number | null = null;
  #receiverStats: ReceiverStatistics | null = null;
  readonly #events: TelephoneEventReceiver;
  #timers: Timer[] = [];
  #rtcpTimer: Timer | null = null;
  #eventTimer: Timer | null = null;
  #eventActiveUntilMs = Number.NEGATIVE_INFINITY;
  #sentSinceReport = false;
  #started = false;
  #stopped = false;
  #lastRtpTsSent = 0;
  #relayBase: { ssrc: number; theirs: number; ours: number } | null = null;
  #connecting = false;
  #connected = false;
  #stats: RtpSessionStats = {
    packetsSent: 0,
    octetsSent: 0,
    packetsReceived: 0,
    dropped: {},
    lost: 0,
    expected: 0,
    jitterMs: 0,
    remoteLostFraction: null,
    remoteJitterMs: null,
    rttMs: null,
    latched: null,
    ssrcChanges: 0,
  };
  readonly #onRtp = (msg: Buffer, rinfo: RemoteInfo) => this.#receiveRtp(msg, rinfo);
  readonly #onRtcp = (msg: Buffer, rinfo: RemoteInfo) => this.#receiveRtcp(msg, rinfo);
  readonly #onSocketError = (err: Error) => this.#log.warn({ err }, 'RTP socket error');

  constructor(options: RtpSessionOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger();
    this.#random = options.random ?? Math.random;
    this.#audioPts = new Set(options.audioPayloadTypes ?? [0, 8, 13]);
    this.#eventPt = options.telephoneEventPayloadType ?? 101;
    this.#clockRateHz = options.clockRateHz ?? 8000;
    this.ssrc = options.ssrc ?? Math.floor(this.#random() * 2 ** 32) >>> 0;
    this.#seq = Math.floor(this.#random() * 65536);
    this.#ts = Math.floor(this.#random() * 2 ** 32) >>> 0;
    this.#remote = options.remote ? { address: options.remote.address, port: options.remote.port } : null;
    this.#remoteRtcp = options.remote
      ? { address: options.remote.address, port: options.remote.rtcpPort ?? options.remote.port + 1 }
      : null;
    this.#events = new TelephoneEventReceiver(this.#clockRateHz);
  }

  get localPort(): number {
    return this.#o.sockets.port;
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { rtp, rtcp } = this.#o.sockets;
    rtp.on('message', this.#onRtp);
    rtcp.on('message', this.#onRtcp);
    rtp.on('error', this.#onSocketError);
    rtcp.on('error', this.#onSocketError);
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#scheduleRtcp();
    this.#eventTimer = this.#o.clock.setInterval(50, () => {
      const ended = this.#events.expire(this.#o.clock.now());
      if (ended) this.emit('dtmfEnd', ended);
    });
  }

  /** Sends BYE, stops timers and listeners. The caller releases the sockets. */
  async stop(): Promise<void> {
    if (this.#stopped || !this.#started) {
      this.#stopped = true;
      return;
    }
    this.#stopped = true;
    this.#sendRtcp(true);
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#rtcpTimer?.cancel();
    this.#eventTimer?.cancel();
    const { rtp, rtcp } = this.#o.sockets;
    rtp.off('message', this.#onRtp);
    rtcp.off('message', this.#onRtcp);
    rtp.off('error', this.#onSocketError);
    rtcp.off('error', this.#onSocketError);
  }

  /** Sets or changes the SDP destination (re-INVITE); clears the latch. */
  setRemote(remote: RtpEndpoint & { rtcpPort?: number }): void {
    this.#disconnect();
    this.#remote = { address: remote.address, port: remote.port };
    this.#remoteRtcp = { address: remote.address, port: remote.rtcpPort ?? remote.port + 1 };
    this.#latched = null;
    this.#latchedRtcp = null;
  }

  /**
   * Sends one frame of audio; the timestamp advances by `samples` (default:
   * payload length, right for G.711). Audio is suppressed while a
   * telephone event is being sent (RFC 4733 §2.5.1.1), keeping time.
   */
  sendAudio(
    payload: Uint8Array,
    options: { payloadType?: number; samples?: number; marker?: boolean } = {},
  ): boolean {
    const samples = options.samples ?? payload.length;
    const ts = this.#ts;
    this.#ts = (this.#ts + samples) >>> 0;
    if (this.#o.clock.now() < this.#eventActiveUntilMs) return false;
    return this.#send({
      marker: options.marker ?? false,
      payloadType: options.payloadType ?? 0,
      sequenceNumber: this.#seq,
      timestamp: ts,
      ssrc: this.ssrc,
      payload,
    });
  }

  /**
   * Forwards a packet from another session without transcoding: our SSRC and
   * sequence, the payload type and marker as received, and a timestamp that
   * advances exactly as the source's did (so DTX gaps survive the relay).
   */
  relay(packet: RtpPacket): boolean {
    if (this.#relayBase === null || packet.ssrc !== this.#relayBase.ssrc) {
      this.#relayBase = { ssrc: packet.ssrc, theirs: packet.timestamp, ours: this.#ts };
    }
    const ts = (this.#relayBase.ours + ((packet.timestamp - this.#relayBase.theirs) | 0)) >>> 0;
    this.#ts = (ts + packet.payload.length) >>> 0;
    return this.#send({
      marker: packet.marker,
      payloadType: packet.payloadType,
      sequenceNumber: this.#seq,
      timestamp: ts,
      ssrc: this.ssrc,
      payload: packet.payload,
    });
  }

  /** Sends a digit as RFC 4733 events over the next `durationMs` (+ three end packets). */
  sendDigit(digit: string, durationMs = 100, volume = 10): boolean {
    const event = digitToEvent(digit);
    if (event === null || this.#stopped) return false;
    const ts = this.#ts;
    const plan = planTelephoneEvent(event, durationMs, { volume, clockRateHz: this.#clockRateHz });
    const startMs = this.#o.clock.now();
    this.#eventActiveUntilMs = startMs + durationMs;
    for (const p of plan) {
      const fire = () => {
        this.#send({
          marker: p.marker,
          payloadType: this.#eventPt,
          sequenceNumber: this.#seq,
          timestamp: ts,
          ssrc: this.ssrc,
          payload: p.payload,
        });
      };
      if (p.atMs === 0) fire();
      else this.#timers.push(this.#o.clock.setTimer(p.atMs, fire));
    }
    this.#timers = this.#timers.slice(-64);
    return true;
  }

  stats(): RtpSessionStats {
    const rs = this.#receiverStats;
    return {
      ...this.#stats,
      dropped: { ...this.#stats.dropped },
      lost: rs ? Math.max(0, rs.cumulativeLost) : 0,
      expected: rs ? rs.expected : 0,
      jitterMs: rs ? rs.jitterMs : 0,
      latched: this.#latched,
    };
  }

  /**
   * E-model summary for this call: one-way delay = half the RTT (or 20 ms
   * when unknown) + jitter-buffer delay + `extraDelayMs` (packetisation,
   * pacing); loss = network loss + the jitter buffer's late loss.
   */
  quality(
    input: { jitterBufferDelayMs?: number; lateLossPct?: number; extraDelayMs?: number } = {},
  ): EModelResult {
    const s = this.stats();
    const networkLossPct = s.expected > 0 ? (s.lost / s.expected) * 100 : 0;
    const oneWayMs = (s.rttMs ?? 40) / 2 + (input.jitterBufferDelayMs ?? 0) + (input.extraDelayMs ?? 20);
    return eModel({ oneWayDelayMs: oneWayMs, packetLossPct: networkLossPct + (input.lateLossPct ?? 0) });
  }

  #count(reason: RtpDropCounter): void {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1;
  }

  #send(packet: RtpPacket): boolean {
    const target = this.#latched ?? this.#remote;
    if (!target || this.#stopped) return false;
    this.#seq = (this.#seq + 1) & 0xffff;
    const buf = serializeRtp(packet);
    // No per-packet callback (it costs an allocation per send); failures surface as socket 'error'.
    try {
      if (this.#connected) this.#o.sockets.rtp.send(buf);
      else this.#o.sockets.rtp.send(buf, target.port, target.address);
    } catch (err) {
      this.#log.debug({ err }, 'RTP send failed');
      return false;
    }
    this.#stats.packetsSent++;
    this.#stats.octetsSent += packet.payload.length;
    this.#sentSinceReport = true;
    this.#lastRtpTsSent = packet.timestamp;
    return true;
  }

  /**
   * Once latched, connect the RTP socket to the peer: sends skip the
   * per-packet address lookup (the main per-packet cost in Node's dgram),
   * and the kernel itself drops packets from any other source.
   */
  #connectToLatched(): void {
    const latched = this.#latched;
    if (!latched || this.#o.connectOnLatch === false || this.#connecting) return;
    this.#connecting = true;
    try {
      this.#o.sockets.rtp.connect(latched.port, latched.address, () => {
        this.#connected = !this.#stopped && this.#latched === latched;
      });
    } catch (err) {
      this.#connecting = false;
      this.#log.debug({ err }, 'RTP connect failed');
    }
  }

  #disconnect(): void {
    if (!this.#connecting) return;
    this.#connecting = false;
    this.#connected = false;
    try {
      this.#o.sockets.rtp.disconnect();
    } catch {
      // not connected (yet)
    }
  }

  #sameEndpoint(a: RtpEndpoint, rinfo: RemoteInfo): boolean {
    return a.address === rinfo.address && a.port === rinfo.port;
  }

  #receiveRtp(msg: Buffer, rinfo: RemoteInfo): void {
    try {
      const arrivalMs = this.#o.clock.now();
      const parsed = parseRtp(msg);
      if (!parsed.ok) {
        this.#count(parsed.reason);
        return;
      }
      const packet = parsed.packet;
      const isEvent = packet.payloadType === this.#eventPt;
      if (!isEvent && !this.#audioPts.has(packet.payloadType)) {
        // Not negotiated: dropped, but from our latched peer it still counts as received for RTCP.
        this.#count('payload-type');
        const fromPeer = this.#latched
          ? this.#sameEndpoint(this.#latched, rinfo)
          : this.#o.symmetric === false;
        if (fromPeer && packet.ssrc === this.#peerSsrc) {
          this.#receiverStats?.onPacket(packet.sequenceNumber, packet.timestamp, arrivalMs);
        }
        return;
      }
      if (this.#o.symmetric !== false) {
        if (!this.#latched) {
          this.#latched = { address: rinfo.address, port: rinfo.port };
          this.#log.debug({ remote: this.#latched }, '« RTP latched');
          this.#connectToLatched();
        } else if (!this.#sameEndpoint(this.#latched, rinfo)) {
          this.#count('unlatched');
          return;
        }
      }
      if (this.#peerSsrc !== packet.ssrc) {
        if (this.#peerSsrc !== null) {
          this.#stats.ssrcChanges++;
          this.emit('ssrcChange', packet.ssrc);
        }
        this.#peerSsrc = packet.ssrc;
        this.#receiverStats = new ReceiverStatistics(packet.ssrc, this.#clockRateHz);
      }
      this.#stats.packetsReceived++;
      this.#receiverStats!.onPacket(packet.sequenceNumber, packet.timestamp, arrivalMs);
      if (isEvent) {
        const r = this.#events.onPacket(packet.timestamp, packet.payload, arrivalMs);
        if (r.started) this.emit('dtmfStart', r.started);
        if (r.ended) this.emit('dtmfEnd', r.ended);
        return;
      }
      this.emit('packet', packet, arrivalMs);
    } catch (err) {
      this.#log.warn({ err }, 'RTP receive failed');
    }
  }

  #receiveRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    try {
      const parsed = parseRtcp(msg);
      if (!parsed.ok) {
        this.#count('rtcp-invalid');
        return;
      }
      if (this.#o.symmetric !== false) {
        if (!this.#latchedRtcp) this.#latchedRtcp = { address: rinfo.address, port: rinfo.port };
        else if (!this.#sameEndpoint(this.#latchedRtcp, rinfo)) {
          this.#count('rtcp-unlatched');
          return;
        }
      }
      const nowMs = this.#o.clock.now();
      for (const p of parsed.packets) {
        if (p.type === 'sr' && p.ssrc === this.#peerSsrc) {
          this.#receiverStats?.onSenderReport(p.sender.ntpSeconds, p.sender.ntpFraction, nowMs);
        }
        if (p.type === 'sr' || p.type === 'rr') {
          for (const block of p.reports) {
            if (block.ssrc !== this.ssrc) continue;
            const rtt = roundTripMs(block, this.#o.clock.wallClockMs());
            if (rtt !== null) this.#stats.rttMs = rtt;
            this.#stats.remoteLostFraction = block.fractionLost / 256;
            this.#stats.remoteJitterMs = (block.jitter * 1000) / this.#clockRateHz;
          }
        }
        if (p.type === 'bye') this.emit('bye');
      }
      this.emit('rtcp', parsed.packets);
    } catch (err) {
      this.#log.warn({ err }, 'RTCP receive failed');
    }
  }

  #scheduleRtcp(): void {
    const interval = this.#o.rtcpIntervalMs ?? 5000;
    const delay = interval * (0.5 + this.#random());
    this.#rtcpTimer = this.#o.clock.setTimer(delay, () => {
      if (this.#stopped) return;
      this.#sendRtcp(false);
      this.#scheduleRtcp();
    });
  }

  #sendRtcp(bye: boolean): void {
    const target = this.#latchedRtcp ?? this.#remoteRtcp;
    if (!target) return;
    const nowMs = this.#o.clock.now();
    const blocks = this.#receiverStats ? [this.#receiverStats.reportBlock(nowMs)] : [];
    const parts: Buffer[] = [];
    if (this.#sentSinceReport) {
      const ntp = ntpFromUnixMs(this.#o.clock.wallClockMs());
      parts.push(
        buildSenderReport(
          this.ssrc,
          {
            ntpSeconds: ntp.seconds,
            ntpFraction: ntp.fraction,
            rtpTimestamp: this.#lastRtpTsSent,
            packetCount: this.#stats.packetsSent,
            octetCount: this.#stats.octetsSent,
          },
          blocks,
        ),
      );
    } else {
      parts.push(buildReceiverReport(this.ssrc, blocks));
    }
    this.#sentSinceReport = false;
    parts.push(buildSdesCname(this.ssrc, this.#o.cname ?? `linegate-${this.ssrc.toString(16)}`));
    if (bye) parts.push(buildBye(this.ssrc));
    try {
      this.#o.sockets.rtcp.send(Buffer.concat(parts), target.port, target.address, (err) => {
        if (err) this.#log.debug({ err }, 'RTCP send failed');
      });
    } catch (err) {
      this.#log.debug({ err }, 'RTCP send failed');
    }
  }
}
