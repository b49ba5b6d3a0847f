/**
 * The 15 pjmedia jitter-buffer scenarios (pjproject `pjmedia/build/Jbtest.dat`),
 * regenerated: the published parameters (title, mode, prefetch, event counts
 * and success bounds) are facts we restate; the event strings are produced
 * here by our own seeded generator instead of being copied (GPL data).
 *
 * Events: P put next seq, G get one frame (one 20 ms tick), L skip one seq
 * (lost), R sequence and timestamp restart, D re-put the previous packet,
 * O put a packet 10..49 seqs old.
 */
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import { JitterBuffer } from './jitter-buffer.ts';
import { seededRandom } from './trace-generator.ts';

export interface PjmediaBounds {
  discard?: number;
  lost?: number;
  empty?: number;
  /** Average delay in frames. */
  delay?: number;
  /** Minimum delay in frames. */
  delayMin?: number;
  burst?: number;
}

export interface PjmediaScenario {
  title: string;
  mode: 'adaptive' | 'fixed';
  /** Fixed-mode prefetch in frames. */
  prefetchFrames?: number;
  events: string;
  bounds: PjmediaBounds;
}

export interface PjmediaResult {
  discard: number;
  lost: number;
  empty: number;
  delay: number;
  delayMin: number;
  played: number;
}

/** Bursts of k puts then k gets, k in 1..maxBurst, with the puts running `drift` ahead (positive) or behind. */
function randomBursts(seed: number, puts: number, gets: number, maxBurst: number): string {
  const random = seededRandom(seed);
  let out = '';
  let p = 0;
  let g = 0;
  while (p < puts || g < gets) {
    const k = 1 + Math.floor(random() * maxBurst);
    // Spread the put/get surplus evenly across the session.
    const wantP = Math.min(puts - p, Math.round(((g + k) * puts) / gets) - p);
    for (let i = 0; i < Math.max(0, wantP); i++, p++) out += 'P';
    for (let i = 0; i < k && g < gets; i++, g++) out += 'G';
    if (g >= gets) {
      out += 'P'.repeat(puts - p);
      p = puts;
    }
  }
  return out;
}

function repeat(s: string, n: number): string {
  return s.repeat(n);
}

export function pjmediaScenarios(): PjmediaScenario[] {
  return [
    {
      title: 'Ideal condition',
      mode: 'adaptive',
      events: repeat('PG', 60),
      bounds: { discard: 0, lost: 0, empty: 0, delay: 1 },
    },
    {
      title: 'DTX',
      mode: 'adaptive',
      events: repeat('PG', 30) + repeat('G', 20) + repeat('PG', 30),
      bounds: { discard: 0, lost: 0, empty: 20, delay: 1 },
    },
    {
      title: 'Regular burst (three gets three puts)',
      mode: 'adaptive',
      events: repeat('PPPGGG', 24),
      bounds: { discard: 0, lost: 0, empty: 0, delay: 3 },
    },
    {
      title: 'Random burst (no drift)',
      mode: 'adaptive',
      events: randomBursts(4, 1560, 1560, 4),
      bounds: { discard: 1, lost: 0, empty: 4, delay: 4 },
    },
    {
      title: 'Random burst (with drift, PUT > GET)',
      mode: 'adaptive',
      events: randomBursts(5, 1088, 1020, 4),
      bounds: { discard: 68, lost: 68, empty: 4, delay: 8 },
    },
    {
      title: 'Random burst (with drift, PUT < GET)',
      mode: 'adaptive',
      events: randomBursts(6, 990, 1056, 4),
      bounds: { discard: 0, lost: 0, empty: 70, delay: 4 },
    },
    {
      title: 'Packet lost',
      mode: 'adaptive',
      // Isolated losses, then losses inside three-packet bursts.
      events:
        repeat('PG', 20) +
        'LGPGLGPG' +
        repeat('PG', 21) +
        'PLPGGGPPPGGGPLPGGG' +
        'PLPGGGPPPGGGPLPGGG' +
        repeat('PG', 22) +
        'PGPGPGPGLG',
      bounds: { discard: 0, lost: 7, empty: 3, delay: 3 },
    },
    {
      title: 'Sequence restart',
      mode: 'adaptive',
      events: repeat('PG', 120) + 'R' + repeat('PG', 60),
      bounds: { discard: 0, lost: 0, empty: 0, delay: 1 },
    },
    {
      title: 'Duplicated frames',
      mode: 'adaptive',
      events: repeat('PDG', 40),
      bounds: { discard: 40, lost: 0, empty: 0, delay: 1 },
    },
    {
      title: 'Late frames',
      mode: 'adaptive',
      events:
        // Four losses, then the old packets turn up much later.
        repeat('PG', 60) + 'LGPGLGLGPGLG' + repeat('PG', 30) + 'OO' + repeat('PG', 30) + 'OO',
      bounds: { discard: 8, lost: 4, empty: 4, delay: 4 },
    },
    {
      title: 'PUT burst at the beginning',
      mode: 'adaptive',
      events: repeat('P', 50) + repeat('PG', 775),
      bounds: { discard: 50, lost: 50, empty: 0, delayMin: 2 },
    },
    {
      title: 'Fixed mode prefetch 5, with two empty events',
      mode: 'fixed',
      prefetchFrames: 5,
      events: 'G' + repeat('PG', 25) + 'GGGGG' + repeat('PG', 25),
      bounds: { discard: 0, lost: 0, empty: 10, delay: 5 },
    },
    {
      title: 'Fixed mode prefetch 5, with random burst',
      mode: 'fixed',
      prefetchFrames: 5,
      events: randomBursts(13, 240, 240, 3),
      bounds: { discard: 0, lost: 0, empty: 5, delay: 6 },
    },
    {
      title: 'Fixed mode prefetch 10, PUT burst at the beginning',
      mode: 'fixed',
      prefetchFrames: 10,
      events: repeat('P', 50) + repeat('PG', 350),
      bounds: { discard: 1, lost: 1, empty: 0, delayMin: 50 },
    },
    {
      title: 'Large PUT burst at beginning, then normal with burst level 10 and periodic burst spikes',
      mode: 'adaptive',
      events: repeat('P', 200) + spikyBursts(15, 3650),
      bounds: { discard: 300, lost: 300, empty: 60, delay: 20 },
    },
  ];
}

/** Gets and puts in runs of 10, with five 50-frame put-then-get bursts at random points. */
function spikyBursts(seed: number, frames: number): string {
  const random = seededRandom(seed);
  const spikeAt = new Set<number>();
  const cycles = Math.floor((frames - 5 * 50) / 10);
  while (spikeAt.size < 5) spikeAt.add(Math.floor(random() * cycles));
  let out = '';
  for (let c = 0; c < cycles; c++) {
    if (spikeAt.has(c)) out += 'P'.repeat(50) + 'G'.repeat(50);
    out += 'G'.repeat(10) + 'P'.repeat(10);
  }
  return out;
}

const PTIME_MS = 20;

/** Plays one scenario through a fresh buffer; times are derived from the events (a G advances 20 ms). */
export function runPjmediaScenario(scenario: PjmediaScenario, seed = 1): PjmediaResult {
  const random = seededRandom(seed);
  const delays: number[] = [];
  const jb = new JitterBuffer({
    mode: scenario.mode,
    prefetchFrames: scenario.prefetchFrames ?? 0,
    timingOnly: true,
    onPlayout: (_p, arrivalMs, playMs) => delays.push((playMs - arrivalMs) / PTIME_MS),
  });
  let nowMs = 0;
  let seq = 100;
  let ts = 16000;
  let ssrcSeqBase = 0;
  const sent = new Map<number, RtpPacket>();
  let last: RtpPacket | null = null;
  const payload = new Uint8Array(0);
  for (const ev of scenario.events) {
    switch (ev) {
      case 'P': {
        const packet: RtpPacket = {
          marker: false,
          payloadType: 0,
          sequenceNumber: seq & 0xffff,
          timestamp: ts >>> 0,
          ssrc: 7,
          payload,
        };
        sent.set(seq - ssrcSeqBase, packet);
        jb.put(packet, nowMs);
        last = packet;
        seq++;
        ts += 160;
        break;
      }
      case 'L':
        seq++;
        ts += 160;
        break;
      case 'R':
        // The sequence restarts; the media clock (timestamp) runs on.
        seq = 1;
        ssrcSeqBase = -1e6;
        sent.clear();
        break;
      case 'D':
        if (last) jb.put(last, nowMs);
        break;
      case 'O': {
        const back = 10 + Math.floor(random() * 40);
        const old = sent.get(seq - ssrcSeqBase - back);
        if (old) jb.put(old, nowMs);
        break;
      }
      case 'G': {
        jb.get(nowMs);
        nowMs += PTIME_MS;
        break;
      }
    }
  }
  const stats = jb.stats();
  const mean = delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length);
  return {
    discard: stats.discarded,
    lost: stats.lost,
    empty: stats.empty,
    delay: Math.round(mean * 100) / 100,
    delayMin: delays.length ? Math.min(...delays) : 0,
    played: stats.played,
  };
}
