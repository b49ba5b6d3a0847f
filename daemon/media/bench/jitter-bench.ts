/**
 * `linegate bench jitter`: plays a trace through the jitter buffer with the
 * corpus playout model (a 20 ms tick from the first arrival; every packet
 * that has arrived is put before the tick; one frame taken per tick) and
 * compares with the hindsight oracles at the same late loss.
 */
import { readFile } from 'node:fs/promises';
import { type JitterBufferOptions, JitterBuffer, type JitterStats } from '../jitter/jitter-buffer.ts';
import { adaptiveOracle, fixedOracle, type OraclePacket } from '../jitter/hindsight-oracle.ts';
import { parseTraceCsv, type TracePacket } from '../jitter/trace.ts';
import { generateTrace, STANDARD_TRACES } from '../jitter/trace-generator.ts';
import type { RtpPacket } from '../rtp/rtp-packet.ts';

export interface JitterScore {
  /** Received packets never played / packets received × 100. */
  lateLossPct: number;
  meanBufferMs: number;
  p95BufferMs: number;
  /** Adaptive hindsight oracle (1 s windows, slew one frame per 500 ms) at the same late loss. */
  oracleMeanBufferMs: number;
  /** Fixed-offset hindsight oracle at the same late loss. */
  fixedOracleMeanBufferMs: number;
  packets: number;
  /**
   * Frames concealed or inserted (network loss, holds while waiting for late
   * packets, growth) per packet received × 100: the audible price of a low
   * late loss, which the late-loss figure alone does not show.
   */
  concealedPct: number;
  stats: JitterStats;
}

const EMPTY_PAYLOAD = new Uint8Array(0);

/** Unwraps timestamps (arrival order, nearest modular step) into media ms. */
export function traceMediaMs(trace: readonly TracePacket[], clockRateHz = 8000): number[] {
  const out: number[] = [];
  let lastRaw = 0;
  let ext = 0;
  trace.forEach((p, i) => {
    ext = i === 0 ? 0 : ext + ((p.rtpTs - lastRaw) | 0);
    lastRaw = p.rtpTs;
    out.push(ext / (clockRateHz / 1000));
  });
  return out;
}

export function scoreTrace(trace: readonly TracePacket[], options: JitterBufferOptions = {}): JitterScore {
  const ptimeMs = options.ptimeMs ?? 20;
  // Unique packets by unwrapped timestamp: a duplicate row is not a second packet.
  const mediaMs = traceMediaMs(trace);
  const unique = new Map<number, OraclePacket>();
  trace.forEach((p, i) => {
    const key = mediaMs[i]!;
    if (!unique.has(key)) unique.set(key, { mediaMs: key, arrivalMs: p.arrivalMs });
  });
  const buffered: number[] = [];
  const jb = new JitterBuffer({
    ...options,
    timingOnly: true,
    onPlayout: (_packet, arrivalMs, playMs) => buffered.push(playMs - arrivalMs),
  });
  const first = trace[0];
  if (!first) throw new Error('empty trace');
  const lastArrival = trace[trace.length - 1]!.arrivalMs;
  let next = 0;
  for (let tick = first.arrivalMs; ; tick += ptimeMs) {
    while (next < trace.length && trace[next]!.arrivalMs <= tick) {
      const row = trace[next++]!;
      const packet: RtpPacket = {
        marker: false,
        payloadType: 0,
        sequenceNumber: row.seq,
        timestamp: row.rtpTs,
        ssrc: 1,
        payload: EMPTY_PAYLOAD,
      };
      jb.put(packet, row.arrivalMs);
    }
    jb.get(tick);
    if (next >= trace.length && (jb.bufferedFrames === 0 || tick > lastArrival + 5000)) break;
  }
  const received = unique.size;
  const lateCount = Math.max(0, received - buffered.length);
  const sorted = [...buffered].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
  const packets = [...unique.values()];
  return {
    lateLossPct: round((lateCount / Math.max(1, received)) * 100, 3),
    meanBufferMs: round(mean, 2),
    p95BufferMs: round(p95, 2),
    oracleMeanBufferMs: round(adaptiveOracle(packets, lateCount).meanBufferMs, 2),
    fixedOracleMeanBufferMs: round(fixedOracle(packets, lateCount).meanBufferMs, 2),
    packets: received,
    concealedPct: round((jb.stats().concealedMs / ptimeMs / Math.max(1, received)) * 100, 2),
    stats: jb.stats(),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The JSON `linegate bench jitter --trace FILE` prints. */
export async function runJitterBenchFile(path: string): Promise<Record<string, number>> {
  const score = scoreTrace(parseTraceCsv(await readFile(path, 'utf8')));
  return {
    lateLossPct: score.lateLossPct,
    meanBufferMs: score.meanBufferMs,
    p95BufferMs: score.p95BufferMs,
    oracleMeanBufferMs: score.oracleMeanBufferMs,
    fixedOracleMeanBufferMs: score.fixedOracleMeanBufferMs,
  };
}

/** `linegate bench jitter` without a trace: the built-in traces, several seeds each. */
export function runJitterBenchSuite(
  seeds: readonly number[] = [1, 2, 3],
): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const [name, traceOptions] of Object.entries(STANDARD_TRACES)) {
    const scores = seeds.map((seed) => scoreTrace(generateTrace({ ...traceOptions, seed })));
    const avg = (f: (s: JitterScore) => number): number =>
      round(scores.reduce((a, s) => a + f(s), 0) / scores.length, 2);
    result[name] = {
      lateLossPct: avg((s) => s.lateLossPct),
      meanBufferMs: avg((s) => s.meanBufferMs),
      p95BufferMs: avg((s) => s.p95BufferMs),
      oracleMeanBufferMs: avg((s) => s.oracleMeanBufferMs),
      fixedOracleMeanBufferMs: avg((s) => s.fixedOracleMeanBufferMs),
      concealedPct: avg((s) => s.concealedPct),
      gapToOracleMs: avg((s) => s.meanBufferMs - s.oracleMeanBufferMs),
      gapToFixedOracleMs: avg((s) => s.meanBufferMs - s.fixedOracleMeanBufferMs),
    };
  }
  return result;
}
