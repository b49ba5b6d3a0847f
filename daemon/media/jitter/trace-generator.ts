/**
 * Synthetic network traces for scoring the jitter buffer: a 20 ms G.711
 * sender, a one-way delay made of base + jitter (Pareto, lognormal or a
 * Wi-Fi-like bimodal mix) + delay spikes (the queue fills, then drains, so
 * the delayed packets arrive together) + steps, sender clock drift,
 * Gilbert-Elliott burst loss, and FIFO delivery unless reordering is allowed.
 * Deterministic for a given seed.
 */
import type { TracePacket } from './trace.ts';

export type JitterModel =
  | { kind: 'pareto'; scaleMs: number; shape: number; capMs?: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number; capMs?: number }
  | { kind: 'wifi'; fastMs: number; slowMs: number; slowProbability: number }
  | { kind: 'none' };

export interface TraceOptions {
  seed?: number;
  durationMs?: number;
  ptimeMs?: number;
  baseDelayMs?: number;
  jitter?: JitterModel;
  /** Gilbert-Elliott: P(good→bad), P(bad→good) per packet, loss probability in each state. */
  loss?: { pGoodToBad: number; pBadToGood: number; lossInBad: number; lossInGood?: number };
  /** A delay spike of `heightMs` every `periodMs` (first at `firstAtMs`), draining at wire speed. */
  spikes?: { periodMs: number; heightMs: number; firstAtMs?: number };
  /** Permanent delay changes at given send times. */
  steps?: { atMs: number; deltaMs: number }[];
  /** Sender clock error in parts per million (positive: sender fast). */
  driftPpm?: number;
  /** Probability that a packet may overtake its predecessor (otherwise FIFO). */
  reorderProbability?: number;
  /** Random initial seq/timestamp (exercises wrap) unless given. */
  initialSeq?: number;
  initialTs?: number;
}

/** mulberry32: small, fast, good enough for test traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function jitterSample(model: JitterModel, random: () => number): number {
  switch (model.kind) {
    case 'none':
      return 0;
    case 'pareto': {
      // Pareto minus its scale, so the minimum extra delay is 0.
      const v = model.scaleMs / Math.max(random(), 1e-9) ** (1 / model.shape) - model.scaleMs;
      return Math.min(v, model.capMs ?? 1000);
    }
    case 'lognormal':
      return Math.min(model.medianMs * Math.exp(model.sigma * gaussian(random)), model.capMs ?? 1000);
    case 'wifi': {
      const slow = random() < model.slowProbability;
      return slow ? model.slowMs * (0.5 + random()) : model.fastMs * random();
    }
  }
}

export function generateTrace(options: TraceOptions = {}): TracePacket[] {
  const random = seededRandom(options.seed ?? 1);
  const ptimeMs = options.ptimeMs ?? 20;
  const durationMs = options.durationMs ?? 60_000;
  const baseDelayMs = options.baseDelayMs ?? 40;
  const jitter = options.jitter ?? { kind: 'none' };
  const drift = 1 - (options.driftPpm ?? 0) / 1e6;
  const seq0 = options.initialSeq ?? Math.floor(random() * 65536);
  const ts0 = options.initialTs ?? Math.floor(random() * 2 ** 32);
  const tsPerFrame = ptimeMs * 8;
  const steps = [...(options.steps ?? [])].sort((a, b) => a.atMs - b.atMs);
  let bad = false;
  let lastArrival = Number.NEGATIVE_INFINITY;
  const out: TracePacket[] = [];
  const frames = Math.floor(durationMs / ptimeMs);
  for (let n = 0; n < frames; n++) {
    const sendMs = n * ptimeMs * drift;
    const loss = options.loss;
    if (loss) {
      bad = bad ? random() >= loss.pBadToGood : random() < loss.pGoodToBad;
      if (random() < (bad ? loss.lossInBad : (loss.lossInGood ?? 0))) continue;
    }
    let delay = baseDelayMs + jitterSample(jitter, random);
    for (const step of steps) if (sendMs >= step.atMs) delay += step.deltaMs;
    const spikes = options.spikes;
    if (spikes) {
      const first = spikes.firstAtMs ?? spikes.periodMs / 2;
      if (sendMs >= first) {
        const into = (sendMs - first) % spikes.periodMs;
        if (into < spikes.heightMs) delay += spikes.heightMs - into;
      }
    }
    let arrival = sendMs + delay;
    if (!(options.reorderProbability && random() < options.reorderProbability)) {
      arrival = Math.max(arrival, lastArrival);
    }
    lastArrival = Math.max(lastArrival, arrival);
    out.push({
      seq: (seq0 + n) & 0xffff,
      rtpTs: (ts0 + n * tsPerFrame) >>> 0,
      arrivalMs: Math.round(arrival * 1000) / 1000,
    });
  }
  out.sort((a, b) => a.arrivalMs - b.arrivalMs);
  return out;
}

/** The four trace kinds the corpus README scores buffers on, plus steps and drift. */
export const STANDARD_TRACES: Record<string, TraceOptions> = {
  pareto: {
    jitter: { kind: 'pareto', scaleMs: 8, shape: 2.5, capMs: 400 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
  },
  lognormal: {
    jitter: { kind: 'lognormal', medianMs: 10, sigma: 0.8, capMs: 400 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
  },
  wifi: {
    jitter: { kind: 'wifi', fastMs: 10, slowMs: 60, slowProbability: 0.05 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
  },
  spike: {
    jitter: { kind: 'lognormal', medianMs: 4, sigma: 0.6, capMs: 200 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
    spikes: { periodMs: 10_000, heightMs: 250 },
  },
  step: {
    jitter: { kind: 'lognormal', medianMs: 6, sigma: 0.6, capMs: 200 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
    steps: [
      { atMs: 20_000, deltaMs: 80 },
      { atMs: 40_000, deltaMs: -80 },
    ],
  },
  drift: {
    jitter: { kind: 'pareto', scaleMs: 8, shape: 2.5, capMs: 400 },
    loss: { pGoodToBad: 0.01, pBadToGood: 0.5, lossInBad: 1 },
    driftPpm: 100,
    durationMs: 120_000,
  },
};
