/**
 * The last N arrival offsets (arrival time minus media time), kept both in
 * arrival order (to evict the oldest) and sorted (to read any quantile in
 * O(1)). Insert/evict are a binary search plus a memmove of at most N
 * doubles, cheap enough for hundreds of calls at 50 packets/s.
 */
export class OffsetWindow {
  readonly #capacity: number;
  readonly #ring: Float64Array;
  readonly #sorted: Float64Array;
  readonly #times: Float64Array;
  readonly #scratch: Float64Array;
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#ring = new Float64Array(this.#capacity);
    this.#sorted = new Float64Array(this.#capacity);
    this.#times = new Float64Array(this.#capacity);
    this.#scratch = new Float64Array(this.#capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds one offset; `atMs` (media time) is only used by `detrendedQuantile`. */
  push(valueMs: number, atMs = 0): void {
    if (this.#size === this.#capacity) {
      const oldest = this.#ring[this.#head]!;
      const at = this.#find(oldest);
      this.#sorted.copyWithin(at, at + 1, this.#size);
      this.#size--;
    }
    const insertAt = this.#lowerBound(valueMs);
    this.#sorted.copyWithin(insertAt + 1, insertAt, this.#size);
    this.#sorted[insertAt] = valueMs;
    this.#size++;
    this.#ring[this.#head] = valueMs;
    this.#times[this.#head] = atMs;
    this.#head = (this.#head + 1) % this.#capacity;
  }

  /** The value below which a fraction `q` of the window lies (nearest rank); NaN when empty. */
  quantile(q: number): number {
    if (this.#size === 0) return Number.NaN;
    const rank = Math.min(this.#size - 1, Math.max(0, Math.ceil(q * this.#size) - 1));
    return this.#sorted[rank]!;
  }

  /**
   * The quantile after removing a linear trend (sender clock drift), with
   * every offset projected to `nowMs`. Falls back to the plain quantile when
   * the fitted slope is below `minSlope` (ms per ms), where it is mostly noise.
   */
  detrendedQuantile(q: number, nowMs: number, minSlope: number): number {
    const n = this.#size;
    if (n < 40) return this.quantile(q);
    // Chronological order starts at the head once the ring is full.
    const first = n === this.#capacity ? this.#head : 0;
    const half = n >> 1;
    const slopeA = this.#slope(first, half);
    const slopeB = this.#slope(first + half, n - half);
    // A drift is a steady trend: both halves agree. A burst or a step bends only one.
    const agree =
      Math.sign(slopeA) === Math.sign(slopeB) &&
      Math.abs(slopeA - slopeB) <= (0.5 * Math.abs(slopeA + slopeB)) / 2;
    const slope = (slopeA + slopeB) / 2;
    if (!agree || Math.abs(slope) < minSlope) return this.quantile(q);
    const tmp = this.#scratch.subarray(0, n);
    for (let i = 0; i < n; i++) tmp[i] = this.#ring[i]! + slope * (nowMs - this.#times[i]!);
    tmp.sort();
    return tmp[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  }

  /** Least-squares slope of offset over media time for `count` entries from chronological index `start`. */
  #slope(start: number, count: number): number {
    let sumT = 0;
    let sumO = 0;
    for (let k = 0; k < count; k++) {
      const i = (start + k) % this.#capacity;
      sumT += this.#times[i]!;
      sumO += this.#ring[i]!;
    }
    const meanT = sumT / count;
    const meanO = sumO / count;
    let sxx = 0;
    let sxy = 0;
    for (let k = 0; k < count; k++) {
      const i = (start + k) % this.#capacity;
      const dt = this.#times[i]! - meanT;
      sxx += dt * dt;
      sxy += dt * (this.#ring[i]! - meanO);
    }
    return sxx > 0 ? sxy / sxx : 0;
  }

  clear(): void {
    this.#size = 0;
    this.#head = 0;
  }

  #lowerBound(value: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#sorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #find(value: number): number {
    const at = this.#lowerBound(value);
    return at < this.#size ? at : this.#size - 1;
  }
}
