/**
 * Signal levels in dBm0 for 16-bit linear PCM at the G.711 digital reference:
 * a full-scale sine (peak 32767) is +3.14 dBm0, so 0 dBm0 is a sine with peak ≈ 22 770.
 */
export const FULL_SCALE_SINE_DBM0 = 3.14;

/** Peak amplitude of a sine at `levelDbm0`. */
export function sineAmplitude(levelDbm0: number): number {
  return 32767 * 10 ** ((levelDbm0 - FULL_SCALE_SINE_DBM0) / 20);
}

/** Level in dBm0 of a sine with peak `amplitude`. */
export function sineLevelDbm0(amplitude: number): number {
  if (amplitude <= 0) return Number.NEGATIVE_INFINITY;
  return 20 * Math.log10(amplitude / 32767) + FULL_SCALE_SINE_DBM0;
}

/** Level in dBm0 of any signal from its mean power (sample units squared). */
export function powerLevelDbm0(meanPower: number): number {
  // A sine of peak A has mean power A²/2.
  return sineLevelDbm0(Math.sqrt(2 * Math.max(0, meanPower)));
}

export function clampInt16(value: number): number {
  const r = Math.round(value);
  return Math.min(32767, Math.max(-32768, r));
}
