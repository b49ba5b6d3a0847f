/**
 * ITU-T G.107 E-model, reduced to what a G.711 gateway can measure: the
 * default basic signal-to-noise Ro − Is = 93.2, delay impairment Id from the
 * one-way mouth-to-ear delay (G.107 §3.4 with default echo terms, using the
 * Idd formula), and the effective equipment impairment Ie-eff from packet
 * loss with G.113 Appendix I values for G.711 (Ie 0, Bpl 25.1 with PLC,
 * 4.3 without). MOS from R per G.107 Annex B.
 */

export interface EModelInput {
  /** One-way mouth-to-ear delay in ms (network + jitter buffer + codec/pacing). */
  oneWayDelayMs: number;
  /** Packet loss in percent (network loss plus late loss). */
  packetLossPct: number;
  /** Burst ratio (1 = random loss). */
  burstRatio?: number;
  /** Whether packet-loss concealment is used (our jitter buffer: yes). */
  plc?: boolean;
  /** Advantage factor A (0 wired; 5 mobile-ish; 10–20 GSM). */
  advantage?: number;
}

export interface EModelResult {
  rFactor: number;
  mos: number;
  id: number;
  ieEff: number;
}

/** Delay impairment Idd (G.107 eq. 7-28) for Ta > 100 ms; 0 below. */
function delayImpairment(taMs: number): number {
  if (taMs <= 100) return 0;
  const x = Math.log10(taMs / 100) / Math.log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export function eModel(input: EModelInput): EModelResult {
  const ie = 0;
  const bpl = input.plc === false ? 4.3 : 25.1;
  const ppl = Math.max(0, Math.min(100, input.packetLossPct));
  const burstR = Math.max(1, input.burstRatio ?? 1);
  const ieEff = ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
  const id = delayImpairment(Math.max(0, input.oneWayDelayMs));
  const r = Math.max(0, Math.min(100, 93.2 - id - ieEff + (input.advantage ?? 0)));
  return { rFactor: Math.round(r * 10) / 10, mos: Math.round(mosFromR(r) * 100) / 100, id, ieEff };
}
