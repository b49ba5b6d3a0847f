/**
 * `linegate bench media`: the full bridged-call path on real loopback
 * sockets, both directions per call: RTP in → jitter buffer → G.711 decode
 * → encode (the other law) → RTP out, driven by one drift-free pacer.
 * The far-end phones run in a child process; the gateway's load is this
 * process's CPU time, and `callsPerCore` = seconds of call media processed
 * (both directions) per CPU-second — CPU time, unlike event-loop
 * utilisation, is not inflated when other work on a busy machine preempts us.
 */
import { spawn } from 'node:child_process';
import { SystemClock } from '../../../drivers/base/clock.ts';
import { RtpBridge } from '../bridge/call-bridge.ts';
import { MediaLeg } from '../bridge/media-leg.ts';
import { FramePacer } from '../pacing/frame-pacer.ts';
import { PEER_WORKER_SOURCE } from './media-bench-peer.ts';
import { RtpPortAllocator, type RtpSocketPair } from '../rtp/port-allocator.ts';
import { RtpSession } from '../rtp/rtp-session.ts';

export interface MediaBenchOptions {
  /** Calls for the capacity run (default 150). */
  loadCalls?: number;
  /** Calls for the send-interval run (default 16). */
  pacingCalls?: number;
  warmupMs?: number;
  measureMs?: number;
  minPort?: number;
  maxPort?: number;
  /** Pacer early wake-up (ms) polled with setImmediate; trades CPU for send precision. */
  earlyWakeMs?: number;
}

export interface MediaRunResult {
  calls: number;
  /** Gateway CPU time / wall time (1 = one core). */
  cpuCores: number;
  /** Calls' worth of media processed per CPU-second of the gateway (both directions, 20 ms frames). */
  callsPerCpuSecond: number;
  /** Pacer ticks in the measurement window vs. the wall-clock expectation (1 = kept up). */
  tickRatio: number;
  /** Event-loop utilisation of the gateway thread, 0..1 (inflated on a loaded machine). */
  elu: number;
  /** p50/p99 of |per-call send interval − 20 ms|. */
  sendErrorP50Ms: number;
  sendErrorP99Ms: number;
  rssPerCallKb: number;
  heapPerCallKb: number;
  /** Process RSS while the calls ran, KB. */
  rssKb: number;
  packetsRelayed: number;
  peerPacketsReceived: number;
  peerPacketsSent: number;
}

export interface MediaBenchResult {
  callsPerCore: number;
  /**
   * False when the capacity run could not keep up (pacer ticks or far-end
   * packets short by more than 5 %): then the machine did not give us the
   * CPU, packets were lost in socket buffers, and `callsPerCore` is not a
   * valid figure (concealing a dropped packet is cheaper than relaying it).
   */
  loadRunKeptUp: boolean;
  sendErrorP99Ms: number;
  rssPerCallKb: number;
  heapPerCallKb: number;
  runs: MediaRunResult[];
}

interface CallRig {
  pairs: RtpSocketPair[];
  sessions: RtpSession[];
  bridge: RtpBridge;
  legs: MediaLeg[];
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function runMediaCalls(calls: number, options: MediaBenchOptions = {}): Promise<MediaRunResult> {
  const clock = new SystemClock();
  const alloc = new RtpPortAllocator({
    minPort: options.minPort ?? 40000,
    maxPort: options.maxPort ?? 49999,
    host: '127.0.0.1',
  });
  const warmupMs = options.warmupMs ?? 1000;
  const measureMs = options.measureMs ?? 3000;
  const pacer = new FramePacer(clock, { ptimeMs: 20, earlyWakeMs: options.earlyWakeMs ?? 1 });
  gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const rigs: CallRig[] = [];
  const lastSend: number[] = [];
  const errors: number[] = [];
  let measuring = false;
  let ticksMeasured = 0;
  pacer.add(() => {
    if (measuring) ticksMeasured++;
  });
  for (let c = 0; c < calls; c++) {
    const pa = await alloc.allocate();
    const pb = await alloc.allocate();
    const a = new RtpSession({ clock, sockets: pa, rtcpIntervalMs: 5000 });
    const b = new RtpSession({ clock, sockets: pb, rtcpIntervalMs: 5000 });
    await a.start();
    await b.start();
    const legA = new MediaLeg({ session: a, law: 'ulaw' });
    const legB = new MediaLeg({ session: b, law: 'alaw' });
    const bridge = new RtpBridge(legA, legB, pacer, { forceTranscode: true });
    bridge.start();
    const index = c;
    lastSend.push(Number.NaN);
    // Runs right after this call's bridge listener: the moment its packets left.
    pacer.add(() => {
      const now = performance.now();
      const prev = lastSend[index]!;
      if (measuring && !Number.isNaN(prev)) errors.push(Math.abs(now - prev - 20));
      lastSend[index] = now;
    });
    rigs.push({ pairs: [pa, pb], sessions: [a, b], bridge, legs: [legA, legB] });
  }
  const peers = spawn(process.execPath, ['-e', PEER_WORKER_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      LINEGATE_BENCH_PEERS: JSON.stringify({
        gatewayPorts: rigs.map((r) => [r.pairs[0]!.port, r.pairs[1]!.port]),
        durationMs: warmupMs + measureMs + 500,
      }),
    },
  });
  const done = new Promise<{ received: number; sent: number }>((resolve, reject) => {
    peers.on('error', reject);
    peers.on('exit', (code) => {
      if (code !== 0) reject(new Error(`bench peers exited with ${code}`));
    });
    peers.on('message', (m: { type: string; ports?: number[]; received?: number; sent?: number }) => {
      if (m.type === 'ready' && m.ports) {
        // The gateway sends to the phones from the start (symmetric latching then keeps it there).
        rigs.forEach((r, i) => {
          r.sessions[0]!.setRemote({ address: '127.0.0.1', port: m.ports![2 * i]! });
          r.sessions[1]!.setRemote({ address: '127.0.0.1', port: m.ports![2 * i + 1]! });
        });
        pacer.start();
      }
      if (m.type === 'done') resolve({ received: m.received ?? 0, sent: m.sent ?? 0 });
    });
  });
  await new Promise((r) => setTimeout(r, warmupMs));
  gc();
  measuring = true;
  const eluStart = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const cpuCores = cpuMs / wallMs;
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  measuring = false;
  gc();
  const memory = process.memoryUsage();
  const peer = await done;
  peers.kill();
  pacer.stop();
  let relayed = 0;
  for (const r of rigs) {
    r.bridge.stop();
    for (const l of r.legs) {
      relayed += l.jitter.stats().played;
      l.detach();
    }
    for (const s of r.sessions) await s.stop();
    for (const p of r.pairs) alloc.release(p);
  }
  errors.sort((x, y) => x - y);
  return {
    calls,
    cpuCores: Math.round(cpuCores * 1000) / 1000,
    callsPerCpuSecond: Math.floor((ticksMeasured * calls * 20) / Math.max(1, cpuMs)),
    tickRatio: Math.round((ticksMeasured / (wallMs / 20)) * 1000) / 1000,
    elu: Math.round(elu * 1000) / 1000,
    sendErrorP50Ms: Math.round(percentile(errors, 0.5) * 1000) / 1000,
    sendErrorP99Ms: Math.round(percentile(errors, 0.99) * 1000) / 1000,
    rssPerCallKb: Math.round((memory.rss - rssBefore) / 1024 / calls),
    heapPerCallKb: Math.round((memory.heapUsed - heapBefore) / 1024 / calls),
    rssKb: Math.round(memory.rss / 1024),
    packetsRelayed: relayed,
    peerPacketsReceived: peer.received,
    peerPacketsSent: peer.sent,
  };
}

/** Runs the 16-call pacing run and the capacity run; prints nothing (the CLI prints the JSON). */
export async function runMediaBench(options: MediaBenchOptions = {}): Promise<MediaBenchResult> {
  const pacing = await runMediaCalls(options.pacingCalls ?? 16, options);
  const load = await runMediaCalls(options.loadCalls ?? 150, options);
  return {
    // Media processed per CPU-second: robust when a busy machine gives us less than a core.
    callsPerCore: load.callsPerCpuSecond,
    loadRunKeptUp: load.tickRatio >= 0.95 && load.peerPacketsReceived >= 0.95 * load.peerPacketsSent,
    sendErrorP99Ms: pacing.sendErrorP99Ms,
    // Slope between the two runs: V8's young generation and libuv grow once, not per call.
    rssPerCallKb: Math.max(
      0,
      Math.round((load.rssKb - pacing.rssKb) / Math.max(1, load.calls - pacing.calls)),
    ),
    heapPerCallKb: load.heapPerCallKb,
    runs: [pacing, load],
  };
}
