/**
 * RFC 3389 comfort noise: the payload's first byte is the noise level in
 * −dBov (0..127); spectral coefficients, if any, are ignored. We play CN as
 * low-level white noise (or silence when asked), and send it during DTX.
 */

export const CN_PAYLOAD_TYPE = 13;

/** Noise level in −dBov, or null for an empty payload. */
export function parseComfortNoise(payload: Uint8Array): number | null {
  if (payload.length < 1) return null;
  return payload[0]! & 0x7f;
}

export function encodeComfortNoise(levelMinusDbov: number): Uint8Array {
  return Uint8Array.of(Math.max(0, Math.min(127, Math.round(levelMinusDbov))));
}

/** Fills `out` with white noise at `levelMinusDbov` (RMS relative to a full-scale sine's overload point). */
export function fillComfortNoise(out: Int16Array, levelMinusDbov: number, seed = 1): number {
  const rms = 32767 * 10 ** (-levelMinusDbov / 20);
  // Uniform noise has RMS = amplitude / √3.
  const amplitude = rms * Math.sqrt(3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = Math.round(((state / 4294967296) * 2 - 1) * amplitude);
  }
  return state;
}
