/**
 * Hindsight oracles for a trace: the least mean buffering any playout
 * schedule could have achieved at a given late-loss count.
 *
 * - Fixed: one playout offset c for the whole trace (packet i is late iff
 *   its offset o_i = arrival − media time exceeds c).
 * - Adaptive (Moon, Kurose & Towsley 1998): one offset per window of media
 *   time, moving at most one frame per 500 ms between windows, chosen by a
 *   dynamic programme over a 1 ms offset grid for the Lagrangian
 *   buffering + λ·late, with λ found by bisection and the two bracketing
 *   schedules interpolated to the exact late count.
 */

export interface OraclePacket {
  /** Media time in ms (unwrapped RTP timestamp / clock rate). */
  mediaMs: number;
  arrivalMs: number;
}

export interface OracleResult {
  meanBufferMs: number;
  lateCount: number;
}

export function fixedOracle(packets: readonly OraclePacket[], lateCount: number): OracleResult {
  const offsets = packets.map((p) => p.arrivalMs - p.mediaMs).sort((a, b) => a - b);
  const n = offsets.length;
  if (n === 0) return { meanBufferMs: 0, lateCount: 0 };
  const onTime = Math.max(1, Math.min(n, n - Math.max(0, Math.floor(lateCount))));
  const c = offsets[onTime - 1]!;
  let sum = 0;
  for (let i = 0; i < onTime; i++) sum += c - offsets[i]!;
  return { meanBufferMs: sum / onTime, lateCount: n - onTime };
}

export interface AdaptiveOracleOptions {
  windowMs?: number;
  /** Slew limit: `slewFrameMs` per `slewPerMs`. */
  slewFrameMs?: number;
  slewPerMs?: number;
  resolutionMs?: number;
}

interface WindowCosts {
  late: Float64Array;
  buffer: Float64Array;
}

export function adaptiveOracle(
  packets: readonly OraclePacket[],
  lateCount: number,
  options: AdaptiveOracleOptions = {},
): OracleResult {
  const n = packets.length;
  if (n === 0) return { meanBufferMs: 0, lateCount: 0 };
  const windowMs = options.windowMs ?? 1000;
  const slewMs = ((options.slewFrameMs ?? 20) * windowMs) / (options.slewPerMs ?? 500);
  const offsets = packets.map((p) => p.arrivalMs - p.mediaMs);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const o of offsets) {
    lo = Math.min(lo, o);
    hi = Math.max(hi, o);
  }
  let resolutionMs = options.resolutionMs ?? 1;
  while ((hi - lo) / resolutionMs > 1500) resolutionMs *= 2;
  const levels = Math.floor((hi - lo) / resolutionMs) + 2;
  const levelMs = (k: number): number => lo + k * resolutionMs;
  const slewLevels = Math.max(0, Math.floor(slewMs / resolutionMs + 1e-9));

  // Group offsets by media-time window.
  const mediaStart = Math.min(...packets.map((p) => p.mediaMs));
  const groups = new Map<number, number[]>();
  packets.forEach((p, i) => {
    const w = Math.floor((p.mediaMs - mediaStart) / windowMs);
    let g = groups.get(w);
    if (!g) {
      g = [];
      groups.set(w, g);
    }
    g.push(offsets[i]!);
  });
  const windows: WindowCosts[] = [...groups.keys()]
    .sort((a, b) => a - b)
    .map((w) => {
      const sorted = groups.get(w)!.sort((a, b) => a - b);
      const late = new Float64Array(levels);
      const buffer = new Float64Array(levels);
      let idx = 0;
      let sum = 0;
      for (let k = 0; k < levels; k++) {
        const c = levelMs(k);
        while (idx < sorted.length && sorted[idx]! <= c + 1e-9) sum += sorted[idx++]!;
        late[k] = sorted.length - idx;
        buffer[k] = idx * c - sum;
      }
      return { late, buffer };
    });

  const solve = (lambda: number): { late: number; buffer: number } => {
    const W = windows.length;
    const choice = new Int32Array(W * levels);
    let prev = new Float64Array(levels);
    let cur = new Float64Array(levels);
    const first = windows[0]!;
    for (let k = 0; k < levels; k++) prev[k] = first.buffer[k]! + lambda * first.late[k]!;
    const deque = new Int32Array(levels);
    for (let w = 1; w < W; w++) {
      const win = windows[w]!;
      // Sliding minimum of prev over [k − slew, k + slew].
      let head = 0;
      let tail = 0;
      let next = 0;
      for (let k = 0; k < levels; k++) {
        const right = Math.min(levels - 1, k + slewLevels);
        while (next <= right) {
          while (tail > head && prev[deque[tail - 1]!]! >= prev[next]!) tail--;
          deque[tail++] = next++;
        }
        while (deque[head]! < k - slewLevels) head++;
        const best = deque[head]!;
        choice[w * levels + k] = best;
        cur[k] = prev[best]! + win.buffer[k]! + lambda * win.late[k]!;
      }
      [prev, cur] = [cur, prev];
    }
    let k = 0;
    for (let j = 1; j < levels; j++) if (prev[j]! < prev[k]!) k = j;
    let late = 0;
    let buffer = 0;
    for (let w = W - 1; w >= 0; w--) {
      late += windows[w]!.late[k]!;
      buffer += windows[w]!.buffer[k]!;
      if (w > 0) k = choice[w * levels + k]!;
    }
    return { late, buffer };
  };

  const target = Math.max(0, Math.floor(lateCount));
  let lambdaLo = 0;
  let lambdaHi = (hi - lo + 1) * 4;
  let atHi = solve(lambdaHi);
  while (atHi.late > target && lambdaHi < 1e9) {
    lambdaHi *= 4;
    atHi = solve(lambdaHi);
  }
  let atLo = solve(lambdaLo);
  if (atLo.late <= target)
    return { meanBufferMs: atLo.buffer / Math.max(1, n - atLo.late), lateCount: atLo.late };
  for (let i = 0; i < 40 && atLo.late > target && atHi.late < target; i++) {
    const mid = (lambdaLo + lambdaHi) / 2;
    const atMid = solve(mid);
    if (atMid.late > target) {
      lambdaLo = mid;
      atLo = atMid;
    } else {
      lambdaHi = mid;
      atHi = atMid;
    }
    if (lambdaHi - lambdaLo < 1e-6) break;
  }
  if (atHi.late === target || atLo.late === atHi.late) {
    return { meanBufferMs: atHi.buffer / Math.max(1, n - atHi.late), lateCount: atHi.late };
  }
  // Mix the two bracketing schedules to land exactly on the target late count.
  const theta = (atLo.late - target) / (atLo.late - atHi.late);
  const buffer = theta * atHi.buffer + (1 - theta) * atLo.buffer;
  return { meanBufferMs: buffer / Math.max(1, n - target), lateCount: target };
}
