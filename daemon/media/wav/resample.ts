/**
 * Sample-rate conversion for files that come in at 16 kHz, 44.1 kHz or 48 kHz
 * while the detectors work at 8 kHz. A windowed-sinc (Blackman) interpolator,
 * its kernel tabulated once per call: a 1633 Hz DTMF tone stays within 0.1 %
 * and images above the new Nyquist are attenuated far below detector
 * thresholds. Offline use (files, tests), not the per-frame path.
 */

const ZERO_CROSSINGS = 16;
const TABLE_STEPS = 4096;

/** Resamples mono 16-bit PCM from `fromHz` to `toHz`. */
export function resample(input: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (fromHz === toHz) return input.slice();
  const ratio = toHz / fromHz;
  const outLength = Math.floor(input.length * ratio);
  const out = new Int16Array(outLength);
  // Low-pass at 0.95 of the lower Nyquist keeps the 3.4 kHz speech band intact.
  const cutoff = Math.min(1, ratio) * 0.95; // relative to the input Nyquist
  const halfWidth = ZERO_CROSSINGS / cutoff; // in input samples
  // kernel(t) for t = |distance| / halfWidth in [0, 1], linearly interpolated.
  const table = new Float64Array(TABLE_STEPS + 2);
  for (let i = 0; i <= TABLE_STEPS + 1; i++) {
    const t = Math.min(1, i / TABLE_STEPS);
    const arg = t * halfWidth * cutoff;
    const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    const w = 0.42 + 0.5 * Math.cos(Math.PI * t) + 0.08 * Math.cos(2 * Math.PI * t);
    table[i] = cutoff * sinc * w;
  }
  const scale = TABLE_STEPS / halfWidth;
  for (let n = 0; n < outLength; n++) {
    const centre = n / ratio;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(centre + halfWidth));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const pos = Math.abs(k - centre) * scale;
      const i = pos | 0;
      const frac = pos - i;
      acc += input[k]! * (table[i]! + frac * (table[i + 1]! - table[i]!));
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}
