/**
 * Adaptive jitter buffer for one RTP stream (one frame per packet).
 *
 * Model: the buffer plays the frame whose media time is `nowMs - P`, where
 * the playout offset P is adjusted in whole frames. A packet with arrival
 * offset o = arrivalMs - mediaMs is on time iff o <= P. The target for P is
 * a high quantile of recent offsets.
 *
 * - Grows fast: when the buffer runs dry it holds (conceals without moving
 *   the media clock), so a delay spike costs concealment, not the packets
 *   behind it; it also holds one frame whenever the target rises above P.
 * - Shrinks smoothly: first for free by skipping slots whose packets never
 *   arrived (loss, DTX), otherwise by "accelerating": two frames are
 *   time-compressed into one (no packet is thrown away), at most one per
 *   `shrinkIntervalMs` (faster while far above target).
 * - Media time is the extended RTP timestamp (seq only counts loss), so DTX
 *   gaps, sequence wrap and ptime-sized steps need no special cases; SSRC
 *   changes and timestamp jumps/restarts (confirmed by a second packet) are
 *   re-anchored onto the running timeline instead of flushing it.
 *
 * Time is passed in (`arrivalMs`, `nowMs`) from the caller's Clock; the
 * buffer itself never reads a clock.
 */
import { ALAW_DECODE_TABLE, ULAW_DECODE_TABLE } from '../g711/g711.ts';
import { type RtpPacket, seqDelta, tsDelta } from '../rtp/rtp-packet.ts';
import { OffsetWindow } from './offset-window.ts';
import { G711Concealer } from './plc.ts';
import { compressTwoFrames } from './time-stretch.ts';

export type FrameKind = 'audio' | 'concealed' | 'silence' | 'empty';

export interface Frame {
  /** audio: decoded packet; concealed: PLC; silence: comfort noise / unknown payload; empty: nothing started yet. */
  kind: FrameKind;
  /** One frame of 16-bit PCM. Owned by the buffer: valid until the next `get()`. */
  samples: Int16Array;
  /** RTP timestamp (sender's) of the played packet, when kind is audio/silence. */
  timestamp?: number;
  payloadType?: number;
}

export interface JitterStats {
  /** Packets accepted into the buffer (not duplicates). */
  received: number;
  /** Packets played (decoded into output). */
  played: number;
  /** Packets that arrived after their playout time. */
  late: number;
  /** Sequence numbers never received by the time playout passed them. */
  lost: number;
  /** Packets thrown away: late + duplicates + overflow + absurd timestamps. */
  discarded: number;
  duplicates: number;
  /** Milliseconds of concealed audio played. */
  concealedMs: number;
  /** Ticks with nothing to play (before start or buffer dry). */
  empty: number;
  /** Frames inserted to grow the delay, and frames removed by time compression. */
  expanded: number;
  accelerated: number;
  /** Timeline re-anchors (SSRC change, timestamp jump or restart). */
  resyncs: number;
  /** Playout offset minus the latest packet's arrival offset, i.e. how long a packet arriving now waits. */
  currentDelayMs: number;
  targetDelayMs: number;
}

export interface JitterBufferOptions {
  /** RTP clock rate; 8000 for G.711. */
  clockRateHz?: number;
  /** Packet time (frame length) in ms, 10–40. */
  ptimeMs?: number;
  /**
   * `fixed` never adapts (pjmedia's fixed mode): it starts once `prefetchFrames`
   * are buffered, and after running dry waits for that many again.
   */
  mode?: 'adaptive' | 'fixed';
  prefetchFrames?: number;
  minDelayMs?: number;
  /** Most frames held at once; the oldest is dropped beyond that. */
  capacityFrames?: number;
  /** Quantile of recent offsets the target covers (late loss ≈ 1 − q). */
  targetQuantile?: number;
  /** Number of recent packets the quantile is taken over. */
  windowPackets?: number;
  shrinkIntervalMs?: number;
  /** Decodes a payload into `out`; returns false for payloads that are not audio (CN, unknown). Default: G.711 by PT 0/8, CN 13 as silence. */
  decode?: (payload: Uint8Array, payloadType: number, out: Int16Array) => boolean;
  /** Skip decoding and concealment (for scoring delay on traces). */
  timingOnly?: boolean;
  /** Called for every packet played, with its arrival and playout times. */
  onPlayout?: (packet: RtpPacket, arrivalMs: number, playMs: number) => void;
}

interface Entry {
  mediaTs: number;
  extSeq: number;
  packet: RtpPacket;
  arrivalMs: number;
}

/** An offset this far from the recent median is a timestamp jump, not jitter... */
const RESYNC_OFFSET_MS = 1000;
/** ...and so is a smaller one when the sequence number jumps too. */
const RESYNC_OFFSET_WITH_SEQ_JUMP_MS = 100;
/** Offsets this far above target come from a spike the hold already covers; they count as only this much. */
const SPIKE_CLAMP_MS = 40;
/** Below 0.2 % the fitted drift is mostly jitter noise; ±100 ppm needs no correction. */
const DRIFT_SLOPE_MIN = 0.002;
const RECENT_PLAYED = 64;

export function defaultG711Decode(payload: Uint8Array, payloadType: number, out: Int16Array): boolean {
  const table = payloadType === 0 ? ULAW_DECODE_TABLE : payloadType === 8 ? ALAW_DECODE_TABLE : null;
  if (!table) return false;
  const n = Math.min(payload.length, out.length);
  for (let i = 0; i < n; i++) out[i] = table[payload[i]!]!;
  out.fill(0, n);
  return true;
}

export class JitterBuffer {
  readonly #o: Required<Omit<JitterBufferOptions, 'onPlayout' | 'decode'>>;
  readonly #decode: (payload: Uint8Array, payloadType: number, out: Int16Array) => boolean;
  readonly #onPlayout: JitterBufferOptions['onPlayout'];
  readonly #frameTs: number;
  readonly #tsPerMs: number;
  readonly #entries: Entry[] = [];
  readonly #window: OffsetWindow;
  readonly #plc = new G711Concealer();
  readonly #out: Int16Array;
  readonly #scratchA: Int16Array;
  readonly #scratchB: Int16Array;
  readonly #recentPlayed = new Float64Array(RECENT_PLAYED).fill(Number.NaN);
  #recentIndex = 0;

  // Stream tracking (raw RTP → extended media timeline).
  #ssrc: number | null = null;
  #lastRawTs = 0;
  #lastExtRawTs = 0;
  #tsShift = 0;
  #lastRawSeq = 0;
  #lastExtRawSeq = 0;
  #seqShift = 0;
  #highestMediaTs = Number.NEGATIVE_INFINITY;
  #pendingJump: { packet: RtpPacket; arrivalMs: number } | null = null;

  // Playout state.
  #playTs: number | null = null;
  #prefetching = false;
  /** Dry ticks since the last played packet (reclassified as loss if a sequence gap explains them). */
  #dryTicks = 0;
  #lastPlayedSeq: number | null = null;
  #lastShrinkMs = Number.NEGATIVE_INFINITY;
  #lastOffsetMs = Number.NaN;
  #lastTargetMs = Number.NaN;
  #startAtMs = Number.NaN;
  #stats: JitterStats = {
    received: 0,
    played: 0,
    late: 0,
    lost: 0,
    discarded: 0,
    duplicates: 0,
    concealedMs: 0,
    empty: 0,
    expanded: 0,
    accelerated: 0,
    resyncs: 0,
    currentDelayMs: 0,
    targetDelayMs: 0,
  };

  constructor(options: JitterBufferOptions = {}) {
    this.#o = {
      clockRateHz: options.clockRateHz ?? 8000,
      ptimeMs: options.ptimeMs ?? 20,
      mode: options.mode ?? 'adaptive',
      prefetchFrames: options.prefetchFrames ?? 3,
      minDelayMs: options.minDelayMs ?? 0,
      capacityFrames: options.capacityFrames ?? 50,
      targetQuantile: options.targetQuantile ?? 0.985,
      windowPackets: options.windowPackets ?? 100,
      shrinkIntervalMs: options.shrinkIntervalMs ?? 200,
      timingOnly: options.timingOnly ?? false,
    };
    this.#decode = options.decode ?? defaultG711Decode;
    this.#onPlayout = options.onPlayout;
    this.#tsPerMs = this.#o.clockRateHz / 1000;
    this.#frameTs = Math.round(this.#o.ptimeMs * this.#tsPerMs);
    this.#window = new OffsetWindow(this.#o.windowPackets);
    this.#out = new Int16Array(this.#frameTs);
    this.#scratchA = new Int16Array(this.#frameTs);
    this.#scratchB = new Int16Array(this.#frameTs);
  }

  /** Offers one received packet. Never throws; bad packets are counted and dropped. */
  put(packet: RtpPacket, arrivalMs: number): void {
    if (!Number.isFinite(arrivalMs)) return;
    if (this.#ssrc === null || packet.ssrc !== this.#ssrc) {
      this.#anchor(packet, arrivalMs, this.#ssrc !== null);
      this.#insert(packet, arrivalMs);
      return;
    }
    const extRaw = this.#extendTs(packet.timestamp, false);
    const offsetMs = arrivalMs - (extRaw + this.#tsShift) / this.#tsPerMs;
    const reference = Number.isNaN(this.#lastOffsetMs) ? offsetMs : this.#window.quantile(0.5);
    const ds = seqDelta(this.#lastRawSeq, packet.sequenceNumber);
    const seqJump = ds < -100 || ds > 3000;
    const deviationMs = Math.abs(offsetMs - reference);
    if (deviationMs > RESYNC_OFFSET_MS || (seqJump && deviationMs > RESYNC_OFFSET_WITH_SEQ_JUMP_MS)) {
      // A timestamp jump or restart, or one absurd packet: wait for a second packet to agree.
      const pending = this.#pendingJump;
      if (pending && this.#agrees(pending.packet, packet)) {
        this.#pendingJump = null;
        this.#anchor(pending.packet, pending.arrivalMs, true);
        this.#insert(pending.packet, pending.arrivalMs);
        this.#insert(packet, arrivalMs);
      } else {
        if (pending) this.#drop();
        this.#pendingJump = { packet, arrivalMs };
      }
      return;
    }
    if (this.#pendingJump) {
      this.#pendingJump = null;
      this.#drop();
    }
    this.#insert(packet, arrivalMs);
  }

  /** Takes the frame to play at `nowMs` (call once per ptime). */
  get(nowMs: number): Frame {
    const frameMs = this.#o.ptimeMs;
    if (this.#playTs === null || this.#prefetching) {
      const head = this.#entries[0];
      const ready =
        this.#o.mode === 'fixed'
          ? this.#entries.length >= this.#o.prefetchFrames
          : head !== undefined && nowMs - this.#startAtMs >= this.#o.minDelayMs;
      if (!head || !ready) {
        if (this.#playTs === null) return this.#emptyFrame();
        this.#stats.empty++;
        return this.#concealedFrame();
      }
      this.#prefetching = false;
      if (this.#playTs === null) this.#playTs = head.mediaTs;
    }
    const playTs = this.#playTs;
    const offsetMs = nowMs - playTs / this.#tsPerMs;
    const targetMs = this.#targetOffsetMs(offsetMs);
    this.#lastTargetMs = targetMs;
    const excessMs = offsetMs - targetMs;
    const fastestMs = this.#window.size > 0 ? this.#window.quantile(0) : offsetMs;
    this.#stats.targetDelayMs = Math.max(0, targetMs - fastestMs);
    this.#stats.currentDelayMs = Math.max(0, offsetMs - fastestMs);
    const adaptive = this.#o.mode === 'adaptive';
    const half = this.#frameTs / 2;

    let head = this.#entries[0];
    // Skip empty slots while we are above target: free shrinking (loss, DTX).
    if (head && head.mediaTs > playTs + half && adaptive && excessMs >= frameMs) {
      const gapFrames = Math.floor((head.mediaTs - playTs + half) / this.#frameTs);
      const skip = Math.min(gapFrames, Math.floor(excessMs / frameMs));
      this.#playTs = playTs + skip * this.#frameTs;
    }
    head = this.#entries[0];
    const slot = this.#playTs;
    if (head && head.mediaTs <= slot + half) {
      if (adaptive && targetMs - (nowMs - slot / this.#tsPerMs) > frameMs * 0.5 && !this.#o.timingOnly) {
        // Target rose: insert one concealment-like frame (pitch repeat) before this packet.
        this.#stats.expanded++;
        return this.#concealedFrame();
      }
      const next = this.#entries[1];
      const overMs = nowMs - slot / this.#tsPerMs - targetMs;
      const interval = overMs >= 4 * frameMs ? this.#o.shrinkIntervalMs / 4 : this.#o.shrinkIntervalMs;
      if (
        adaptive &&
        next &&
        overMs >= frameMs &&
        next.mediaTs - head.mediaTs <= this.#frameTs + half &&
        nowMs - this.#lastShrinkMs >= interval
      ) {
        this.#lastShrinkMs = nowMs;
        this.#stats.accelerated++;
        return this.#playTwo(nowMs);
      }
      return this.#playOne(nowMs);
    }
    if (head) {
      // The slot's packet is missing but newer ones are here: conceal and move on.
      this.#playTs = slot + this.#frameTs;
      return this.#concealedFrame();
    }
    // Dry: hold the media clock (the packet may be late, not lost); fixed mode also prefetches again.
    this.#stats.empty++;
    this.#dryTicks++;
    if (!adaptive) this.#prefetching = this.#o.prefetchFrames > 0;
    return this.#concealedFrame();
  }

  stats(): JitterStats {
    return { ...this.#stats };
  }

  /** Packets waiting to be played. */
  get bufferedFrames(): number {
    return this.#entries.length;
  }

  /** Forgets everything (e.g. on re-INVITE to another stream). */
  reset(): void {
    this.#entries.length = 0;
    this.#window.clear();
    this.#plc.reset();
    this.#ssrc = null;
    this.#playTs = null;
    this.#prefetching = false;
    this.#dryTicks = 0;
    this.#pendingJump = null;
    this.#lastPlayedSeq = null;
    this.#lastOffsetMs = Number.NaN;
    this.#lastTargetMs = Number.NaN;
    this.#startAtMs = Number.NaN;
    this.#highestMediaTs = Number.NEGATIVE_INFINITY;
    this.#recentPlayed.fill(Number.NaN);
  }

  #targetOffsetMs(currentOffsetMs: number): number {
    if (this.#o.mode === 'fixed' || this.#window.size === 0) return currentOffsetMs;
    // Project older offsets along any strong drift trend (sender clock far off).
    const q = this.#window.detrendedQuantile(
      this.#o.targetQuantile,
      this.#highestMediaTs / this.#tsPerMs,
      DRIFT_SLOPE_MIN,
    );
    // No ceiling from the fastest offset: an early burst would drag it down; capacity bounds the delay.
    return Math.max(this.#window.quantile(0) + this.#o.minDelayMs, q);
  }

  /** Unwraps a 32-bit timestamp against the last one seen. */
  #extendTs(raw: number, commit: boolean): number {
    const ext = this.#lastExtRawTs + tsDelta(this.#lastRawTs, raw);
    if (commit) {
      this.#lastRawTs = raw >>> 0;
      this.#lastExtRawTs = ext;
    }
    return ext;
  }

  #extendSeq(raw: number, commit: boolean): number {
    const ext = this.#lastExtRawSeq + seqDelta(this.#lastRawSeq, raw);
    if (commit) {
      this.#lastRawSeq = raw & 0xffff;
      this.#lastExtRawSeq = ext;
    }
    return ext;
  }

  /** Whether `b` continues `a` as the same new stream (seq close, ts consistent with it). */
  #agrees(a: RtpPacket, b: RtpPacket): boolean {
    const ds = seqDelta(a.sequenceNumber, b.sequenceNumber);
    const dt = tsDelta(a.timestamp, b.timestamp);
    return ds >= 1 && ds <= 10 && dt > 0 && dt <= ds * this.#frameTs * 4;
  }

  /** Puts `packet` onto the running timeline right where its arrival time says it belongs. */
  #anchor(packet: RtpPacket, arrivalMs: number, isResync: boolean): void {
    this.#ssrc = packet.ssrc;
    this.#lastRawTs = packet.timestamp >>> 0;
    this.#lastExtRawTs = 0;
    this.#lastRawSeq = packet.sequenceNumber & 0xffff;
    this.#lastExtRawSeq = 0;
    if (!isResync) {
      this.#tsShift = 0;
      this.#seqShift = 0;
      this.#startAtMs = arrivalMs;
      return;
    }
    this.#stats.resyncs++;
    // Media time such that the packet's offset equals the median recent offset, on the frame grid.
    const median = this.#window.quantile(0.5);
    let mediaTs = Number.isNaN(median)
      ? this.#highestMediaTs + this.#frameTs
      : (arrivalMs - median) * this.#tsPerMs;
    const grid = this.#playTs ?? this.#highestMediaTs;
    if (Number.isFinite(grid)) mediaTs = grid + Math.round((mediaTs - grid) / this.#frameTs) * this.#frameTs;
    if (Number.isFinite(this.#highestMediaTs))
      mediaTs = Math.max(mediaTs, this.#highestMediaTs + this.#frameTs);
    if (this.#playTs !== null) mediaTs = Math.max(mediaTs, this.#playTs);
    this.#tsShift = mediaTs;
    this.#seqShift = (this.#lastPlayedSeqOrHighest() ?? 0) + 1;
    this.#lastPlayedSeq = null;
  }

  #lastPlayedSeqOrHighest(): number | null {
    let highest = this.#lastPlayedSeq;
    for (const e of this.#entries) if (highest === null || e.extSeq > highest) highest = e.extSeq;
    return highest;
  }

  #insert(packet: RtpPacket, arrivalMs: number): void {
    const extRaw = this.#extendTs(packet.timestamp, false);
    const mediaTs = extRaw + this.#tsShift;
    const extSeq = this.#extendSeq(packet.sequenceNumber, false) + this.#seqShift;
    // Duplicates: already buffered, or recently played.
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]!.mediaTs === mediaTs) {
        this.#stats.duplicates++;
        this.#drop();
        return;
      }
    }
    if (this.#recentPlayed.includes(mediaTs)) {
      this.#stats.duplicates++;
      this.#drop();
      return;
    }
    if (tsDelta(this.#lastRawTs, packet.timestamp) > 0) this.#extendTs(packet.timestamp, true);
    if (seqDelta(this.#lastRawSeq, packet.sequenceNumber) > 0) this.#extendSeq(packet.sequenceNumber, true);
    const offsetMs = arrivalMs - mediaTs / this.#tsPerMs;
    // A spike is handled by holding; letting its offsets into the window would keep the delay high for seconds.
    const ceiling = this.#lastTargetMs + SPIKE_CLAMP_MS;
    this.#window.push(
      Number.isNaN(ceiling) ? offsetMs : Math.min(offsetMs, ceiling),
      mediaTs / this.#tsPerMs,
    );
    this.#lastOffsetMs = offsetMs;
    if (mediaTs > this.#highestMediaTs) this.#highestMediaTs = mediaTs;
    if (this.#playTs !== null && mediaTs < this.#playTs - this.#frameTs / 2) {
      this.#stats.late++;
      this.#drop();
      return;
    }
    this.#stats.received++;
    let at = this.#entries.length;
    while (at > 0 && this.#entries[at - 1]!.mediaTs > mediaTs) at--;
    this.#entries.splice(at, 0, { mediaTs, extSeq, packet, arrivalMs });
    if (this.#entries.length > this.#o.capacityFrames) {
      this.#entries.shift();
      this.#drop();
    }
  }

  #drop(): void {
    this.#stats.discarded++;
  }

  #emptyFrame(): Frame {
    this.#stats.empty++;
    this.#out.fill(0);
    return { kind: 'empty', samples: this.#out };
  }

  #take(nowMs: number): Entry {
    const entry = this.#entries.shift()!;
    this.#stats.played++;
    if (this.#lastPlayedSeq !== null) {
      const gap = entry.extSeq - this.#lastPlayedSeq - 1;
      if (gap > 0 && gap < 1000) {
        this.#stats.lost += gap;
        this.#stats.empty -= Math.min(gap, this.#dryTicks);
      }
    }
    this.#dryTicks = 0;
    this.#lastPlayedSeq = entry.extSeq;
    this.#recentPlayed[this.#recentIndex] = entry.mediaTs;
    this.#recentIndex = (this.#recentIndex + 1) % RECENT_PLAYED;
    this.#playTs = entry.mediaTs + this.#frameTs;
    this.#onPlayout?.(entry.packet, entry.arrivalMs, nowMs);
    return entry;
  }

  #decodeInto(entry: Entry, out: Int16Array): boolean {
    return this.#decode(entry.packet.payload, entry.packet.payloadType, out);
  }

  #playOne(nowMs: number): Frame {
    const entry = this.#take(nowMs);
    if (this.#o.timingOnly) return this.#audioFrame(entry, 'audio');
    if (!this.#decodeInto(entry, this.#out)) {
      this.#out.fill(0);
      this.#plc.goodFrame(this.#out);
      return this.#audioFrame(entry, 'silence');
    }
    this.#plc.goodFrame(this.#out);
    return this.#audioFrame(entry, 'audio');
  }

  #playTwo(nowMs: number): Frame {
    const first = this.#take(nowMs);
    const second = this.#take(nowMs);
    if (this.#o.timingOnly) return this.#audioFrame(second, 'audio');
    const okA = this.#decodeInto(first, this.#scratchA);
    const okB = this.#decodeInto(second, this.#scratchB);
    if (!okA) this.#scratchA.fill(0);
    if (!okB) this.#scratchB.fill(0);
    compressTwoFrames(this.#scratchA, this.#scratchB, this.#out);
    this.#plc.goodFrame(this.#out);
    return this.#audioFrame(second, okA || okB ? 'audio' : 'silence');
  }

  #audioFrame(entry: Entry, kind: FrameKind): Frame {
    return {
      kind,
      samples: this.#out,
      timestamp: entry.packet.timestamp,
      payloadType: entry.packet.payloadType,
    };
  }

  #concealedFrame(): Frame {
    this.#stats.concealedMs += this.#o.ptimeMs;
    if (this.#o.timingOnly) return { kind: 'concealed', samples: this.#out };
    this.#plc.conceal(this.#out);
    return { kind: 'concealed', samples: this.#out };
  }
}
