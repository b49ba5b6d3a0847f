/**
 * 1200-baud FSK for on-hook/off-hook caller ID: Bell 202 (mark 1200 Hz, space
 * 2200 Hz) and ITU-T V.23 as used by ETSI (mark 1300 Hz, space 2100 Hz).
 * Asynchronous framing: start bit 0, 8 data bits LSB first, stop bit 1.
 *
 * Modulator: phase-continuous, with fractional bit timing (8000/1200 is not an
 * integer), channel seizure (alternating bits) and mark preamble.
 *
 * Demodulator: non-coherent: per sample, one-bit moving sums of the signal
 * mixed down at mark and space give |M|² − |S|²; a falling zero crossing after
 * idle mark is a start bit, and bits are read at their centres. It also
 * reports how long the line sat in steady mark before each byte, which the
 * caller-ID layer uses to find message starts.
 */
import { LinegateError } from '../../../drivers/base/errors.ts';
import { clampInt16, sineAmplitude } from '../tones/level.ts';

export type FskStandard = 'bell202' | 'v23';

export const FSK_PARAMS: Record<FskStandard, { markHz: number; spaceHz: number; baud: number }> = {
  bell202: { markHz: 1200, spaceHz: 2200, baud: 1200 },
  v23: { markHz: 1300, spaceHz: 2100, baud: 1200 },
};

export interface FskModulateOptions {
  /** Alternating 0/1 bits before the mark (channel seizure). Default 300 (on-hook). */
  seizureBits?: number;
  /** Mark (1) bits before the first byte. Default 180 (on-hook). */
  markBits?: number;
  /** Mark bits after the last byte, so receivers see the stop bit settle. Default 8. */
  trailingMarkBits?: number;
  /** Default −13 dBm0 (GR-30 / EN 300 659 nominal range −13.5 ± ~1.5). */
  levelDbm0?: number;
  sampleRateHz?: number;
}

/** Bits on the wire for bytes: start, 8 data LSB first, stop. */
export function frameBytes(bytes: Uint8Array): number[] {
  const bits: number[] = [];
  for (const b of bytes) {
    bits.push(0);
    for (let i = 0; i < 8; i++) bits.push((b >> i) & 1);
    bits.push(1);
  }
  return bits;
}

export function modulateFsk(
  bytes: Uint8Array,
  standard: FskStandard,
  opts: FskModulateOptions = {},
): Int16Array {
  const p = FSK_PARAMS[standard];
  const rate = opts.sampleRateHz ?? 8000;
  const seizure = opts.seizureBits ?? 300;
  const bits: number[] = [];
  // Seizure: 0101… (30 bytes of 0x55 framed look exactly like this).
  for (let i = 0; i < seizure; i++) bits.push(i % 2);
  for (let i = 0; i < (opts.markBits ?? 180); i++) bits.push(1);
  bits.push(...frameBytes(bytes));
  for (let i = 0; i < (opts.trailingMarkBits ?? 8); i++) bits.push(1);
  const samplesPerBit = rate / p.baud;
  const total = Math.ceil(bits.length * samplesPerBit);
  const out = new Int16Array(total);
  const amp = sineAmplitude(opts.levelDbm0 ?? -13);
  let phase = 0;
  for (let n = 0; n < total; n++) {
    const bit = bits[Math.min(bits.length - 1, Math.floor(n / samplesPerBit))]!;
    out[n] = clampInt16(amp * Math.sin(phase));
    phase += (2 * Math.PI * (bit ? p.markHz : p.spaceHz)) / rate;
    if (phase > 2 * Math.PI) phase -= 2 * Math.PI;
  }
  return out;
}

export interface FskByte {
  value: number;
  /** Sample index (from the first sample fed) of the start bit. */
  startSample: number;
  /** Steady mark bits seen just before this byte's start bit. */
  markBitsBefore: number;
  /** False when the stop bit was a space (framing error). */
  framingOk: boolean;
  /** Mark frequency measured over the idle mark before this byte (NaN when too short). */
  markHz: number;
}

export interface FskDemodulatorOptions {
  /** Weakest carrier accepted, dBm0. Default −48. */
  minLevelDbm0?: number;
  sampleRateHz?: number;
}

export class FskDemodulator {
  readonly #rate: number;
  readonly #samplesPerBit: number;
  readonly #len: number;
  readonly #wm: number;
  readonly #ws: number;
  readonly #minPower: number;
  // moving sums over one bit of x·e^{-jωn}
  readonly #hist: Float64Array;
  #mRe = 0;
  #mIm = 0;
  #sRe = 0;
  #sIm = 0;
  #pow = 0;
  readonly #histPow: Float64Array;
  #pos = 0;
  #n = 0;
  // UART
  #prevD = 0;
  #markRun = 0;
  #inByte = false;
  #byteStart = 0;
  #nextSampleAt = 0;
  #bitIndex = 0;
  #value = 0;
  #markBefore = 0;
  #carrier = false;
  #markHzNominal: number;
  #prevMRe = 0;
  #prevMIm = 0;
  #rotRe = 0;
  #rotIm = 0;
  #markHz = Number.NaN;

  constructor(standard: FskStandard, opts: FskDemodulatorOptions = {}) {
    const p = FSK_PARAMS[standard];
    this.#rate = opts.sampleRateHz ?? 8000;
    if (this.#rate !== 8000) throw new LinegateError('MEDIA_INVALID', 'FSK demodulator runs at 8000 Hz');
    this.#samplesPerBit = this.#rate / p.baud;
    this.#markHzNominal = p.markHz;
    this.#len = Math.round(this.#samplesPerBit);
    this.#wm = (2 * Math.PI * p.markHz) / this.#rate;
    this.#ws = (2 * Math.PI * p.spaceHz) / this.#rate;
    this.#hist = new Float64Array(this.#len * 4);
    this.#histPow = new Float64Array(this.#len);
    const amp = sineAmplitude(opts.minLevelDbm0 ?? -48);
    this.#minPower = (amp * amp) / 2;
  }

  /** True while an FSK carrier is present. */
  get carrier(): boolean {
    return this.#carrier;
  }

  process(samples: Int16Array): FskByte[] {
    const out: FskByte[] = [];
    const len = this.#len;
    const hist = this.#hist;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      const n = this.#n++;
      const slot = this.#pos;
      this.#pos = (slot + 1) % len;
      const mRe = x * Math.cos(this.#wm * n);
      const mIm = -x * Math.sin(this.#wm * n);
      const sRe = x * Math.cos(this.#ws * n);
      const sIm = -x * Math.sin(this.#ws * n);
      this.#mRe += mRe - hist[slot * 4]!;
      this.#mIm += mIm - hist[slot * 4 + 1]!;
      this.#sRe += sRe - hist[slot * 4 + 2]!;
      this.#sIm += sIm - hist[slot * 4 + 3]!;
      hist[slot * 4] = mRe;
      hist[slot * 4 + 1] = mIm;
      hist[slot * 4 + 2] = sRe;
      hist[slot * 4 + 3] = sIm;
      const p = x * x;
      this.#pow += p - this.#histPow[slot]!;
      this.#histPow[slot] = p;
      if (n % 4096 === 0) this.#renormalise();

      const mark = this.#mRe * this.#mRe + this.#mIm * this.#mIm;
      const space = this.#sRe * this.#sRe + this.#sIm * this.#sIm;
      const d = mark - space;
      // Carrier: the two tones hold most of the power (for a clean tone, |X|² = L²A²/4 and Σx² = L·A²/2).
      const tonal = ((mark + space) * 2) / len;
      this.#carrier = this.#pow / len >= this.#minPower && tonal >= 0.5 * this.#pow;

      if (!this.#inByte) {
        if (!this.#carrier) {
          this.#markRun = 0;
        } else if (d > 0) {
          this.#markRun++;
          // The mark correlator's sum turns at the difference between the true and nominal mark.
          const re = this.#mRe * this.#prevMRe + this.#mIm * this.#prevMIm;
          const im = this.#mIm * this.#prevMRe - this.#mRe * this.#prevMIm;
          if (this.#markRun === 1) {
            this.#rotRe = 0;
            this.#rotIm = 0;
          }
          this.#rotRe += re;
          this.#rotIm += im;
        } else if (this.#prevD > 0 && this.#markRun > 0) {
          // Falling edge, interpolated between samples. The moving sum ending at n
          // is centred (len−1)/2 earlier, so the crossing marks the edge that far back,
          // and a bit's centre is read half a bit after the crossing.
          const crossing = n - 1 + this.#prevD / (this.#prevD - d);
          this.#inByte = true;
          this.#byteStart = crossing - (len - 1) / 2;
          this.#nextSampleAt = crossing + 0.5 * this.#samplesPerBit;
          this.#bitIndex = 0;
          this.#value = 0;
          this.#markBefore = Math.floor(this.#markRun / this.#samplesPerBit);
          // The mixer runs at −ω_mark·n, so the sum rotates by (ω − ω_mark) per sample.
          this.#markHz =
            this.#markRun >= 2 * this.#len
              ? this.#markHzNominal + (Math.atan2(this.#rotIm, this.#rotRe) * this.#rate) / (2 * Math.PI)
              : Number.NaN;
        }
      } else {
        // Bit clock tracking: a transition should fall half a bit before the next reading.
        if (d > 0 !== this.#prevD > 0 && this.#bitIndex > 0) {
          const crossing = n - 1 + this.#prevD / (this.#prevD - d);
          const error = crossing - (this.#nextSampleAt - 0.5 * this.#samplesPerBit);
          if (Math.abs(error) < 0.4 * this.#samplesPerBit) this.#nextSampleAt += 0.2 * error;
        }
      }
      if (this.#inByte && n >= this.#nextSampleAt - 0.5) {
        const bit = d > 0 ? 1 : 0;
        if (this.#bitIndex === 0) {
          if (bit !== 0 || !this.#carrier) {
            // A noise dip, not a start bit: the line is still in mark.
            this.#inByte = false;
            this.#markRun = bit === 1 && this.#carrier ? this.#markRun + Math.round(n - this.#byteStart) : 0;
          }
        } else if (this.#bitIndex <= 8) {
          this.#value |= bit << (this.#bitIndex - 1);
        } else {
          out.push({
            value: this.#value,
            startSample: Math.round(this.#byteStart),
            markBitsBefore: this.#markBefore,
            framingOk: bit === 1,
            markHz: this.#markHz,
          });
          this.#inByte = false;
          // Resynchronise on the next falling edge; after a bad stop bit, wait for mark.
          this.#markRun = bit === 1 ? 1 : 0;
        }
        this.#bitIndex++;
        this.#nextSampleAt += this.#samplesPerBit;
      }
      this.#prevD = d;
      this.#prevMRe = this.#mRe;
      this.#prevMIm = this.#mIm;
    }
    return out;
  }

  /** Recomputes the running sums from history so rounding errors cannot accumulate. */
  #renormalise(): void {
    let mRe = 0;
    let mIm = 0;
    let sRe = 0;
    let sIm = 0;
    let pow = 0;
    for (let k = 0; k < this.#len; k++) {
      mRe += this.#hist[k * 4]!;
      mIm += this.#hist[k * 4 + 1]!;
      sRe += this.#hist[k * 4 + 2]!;
      sIm += this.#hist[k * 4 + 3]!;
      pow += this.#histPow[k]!;
    }
    this.#mRe = mRe;
    this.#mIm = mIm;
    this.#sRe = sRe;
    this.#sIm = sIm;
    this.#pow = pow;
  }
}
