/**
 * Shortening for the jitter buffer's "accelerate": two frames in, one frame
 * out, by cutting one stretch of signal whose length is a multiple of the
 * pitch period where the waveform best matches itself, and cross-fading
 * across the cut (SOLA). Used to shrink the buffer without discarding a
 * packet; during silence the cut is inaudible anyway.
 */

export function compressTwoFrames(first: Int16Array, second: Int16Array, out: Int16Array): void {
  const n = out.length;
  const total = first.length + second.length;
  const removed = total - n; // samples to drop (one frame)
  const fadeSamples = Math.min(40, n >> 2);
  const at = (i: number): number => (i < first.length ? first[i]! : second[i - first.length]!);
  // Search where the segment after the cut best matches the segment at the cut.
  let bestStart = (n - fadeSamples) >> 1;
  let bestScore = -Infinity;
  for (let start = 8; start + fadeSamples + removed <= total && start + fadeSamples <= n; start += 4) {
    let cross = 0;
    let energy = 1;
    for (let k = 0; k < fadeSamples; k += 2) {
      const a = at(start + k);
      const b = at(start + removed + k);
      cross += a * b;
      energy += a * a + b * b;
    }
    const s = cross / energy;
    if (s > bestScore) {
      bestScore = s;
      bestStart = start;
    }
  }
  for (let i = 0; i < bestStart; i++) out[i] = at(i);
  for (let k = 0; k < fadeSamples; k++) {
    const w = (k + 1) / (fadeSamples + 1);
    out[bestStart + k] = Math.round(at(bestStart + k) * (1 - w) + at(bestStart + removed + k) * w);
  }
  for (let i = bestStart + fadeSamples; i < n; i++) out[i] = at(i + removed);
}
