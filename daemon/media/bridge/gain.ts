/** Per-port gain in dB, applied in place with saturation (no wrap-around clicks). */
export function dbToLinear(gainDb: number): number {
  return 10 ** (gainDb / 20);
}

export function applyGain(frame: Int16Array, gainDb: number): void {
  if (gainDb === 0) return;
  const g = dbToLinear(gainDb);
  for (let i = 0; i < frame.length; i++) {
    const v = Math.round(frame[i]! * g);
    frame[i] = Math.min(32767, Math.max(-32768, v));
  }
}
