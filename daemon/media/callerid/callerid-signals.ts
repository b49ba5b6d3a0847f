/**
 * Caller-ID as audio: FSK (Bell 202 / V.23), DTMF CLIP, the CAS / DT-AS
 * dual-tone alerting signal (2130 + 2750 Hz), and the timing of each variant
 * relative to ringing, which the FXS driver follows.
 */
import type { CallerId } from '../../../drivers/line/types.ts';
import { generateDtmf } from '../dtmf/dtmf-generator.ts';
import { clampInt16, sineAmplitude } from '../tones/level.ts';
import { type CallerIdFormat, encodeMdmf, encodeMessageWaiting, encodeSdmf } from './callerid-message.ts';
import { type FskStandard, modulateFsk } from './fsk.ts';

/** bell = Bell 202 FSK (GR-30), etsi = V.23 FSK (EN 300 659), dtmf = DTMF CLIP. */
export type CallerIdStandard = 'bell' | 'etsi' | 'dtmf';

/**
 * When the data goes relative to ringing (EN 300 659-1 §6 variants; Bellcore
 * sends after the first ring):
 *  - afterFirstRing: ring, pause, data, ring…
 *  - dtas: polarity reversal, DT-AS, data, then ringing (UK-style, BT SIN227)
 *  - polarityReversal: polarity reversal, data, then ringing (no alerting tone)
 *  - ringPulse: a short ring pulse, data, then ringing
 */
export type CallerIdAlerting = 'afterFirstRing' | 'dtas' | 'polarityReversal' | 'ringPulse';

export interface CallerIdTiming {
  alerting: CallerIdAlerting;
  /** Reverse line polarity before the data. */
  polarityReversal: boolean;
  /** Play the dual-tone alerting signal before the data. */
  dtas: boolean;
  /** Wait after the first ring (afterFirstRing) or ring pulse (ringPulse) ends. */
  afterRingMs: number;
  /** Wait after the polarity reversal before the DT-AS or the data. */
  afterPolarityReversalMs: number;
  /** Silence between the DT-AS and the data. */
  afterDtasMs: number;
  /** Length of the ring pulse (ringPulse only). */
  ringPulseMs: number;
  /** Silence after the data before ringing starts (data-before-ring variants). */
  beforeRingMs: number;
}

/** Default timings (middle of the ranges in GR-30 / EN 300 659-1, as collected in the corpus notes). */
export function callerIdTiming(standard: CallerIdStandard, alerting?: CallerIdAlerting): CallerIdTiming {
  const a: CallerIdAlerting =
    alerting ?? (standard === 'bell' ? 'afterFirstRing' : standard === 'etsi' ? 'dtas' : 'polarityReversal');
  return {
    alerting: a,
    polarityReversal: a === 'dtas' || a === 'polarityReversal',
    dtas: a === 'dtas',
    afterRingMs: a === 'afterFirstRing' ? 600 : 600,
    afterPolarityReversalMs: 150,
    afterDtasMs: 100,
    ringPulseMs: a === 'ringPulse' ? 250 : 0,
    beforeRingMs: a === 'afterFirstRing' ? 0 : 300,
  };
}

export interface CallerIdSignalOptions {
  /** sdmf or mdmf (bell only; etsi always uses the MDMF-style call set-up message). Default mdmf. */
  format?: CallerIdFormat;
  /** Off-hook (type 2, CIDCW): no channel seizure, 80 mark bits. */
  offHook?: boolean;
  /** FSK / DTMF level per tone, dBm0. Default −13 (FSK), −10 (DTMF). */
  levelDbm0?: number;
  /** ETSI: precede the data by the DT-AS and its gap. */
  withDtas?: boolean;
  /** DTMF CLIP: code for a withheld number ('10' in most countries using it, some use '01'). */
  dtmfPrivateCode?: string;
  now?: Date;
  sampleRateHz?: number;
}

export function fskStandardOf(standard: 'bell' | 'etsi'): FskStandard {
  return standard === 'bell' ? 'bell202' : 'v23';
}

/** The message bytes a standard sends for a caller ID. */
export function callerIdMessageBytes(
  callerId: CallerId,
  standard: 'bell' | 'etsi',
  opts: CallerIdSignalOptions = {},
): Uint8Array {
  const now = opts.now ?? new Date();
  if (standard === 'bell' && opts.format === 'sdmf') return encodeSdmf(callerId, now);
  return encodeMdmf(callerId, { now });
}

/** DTMF CLIP digits: A + number + C, or B + reason + C (00 unavailable, 10 private). */
export function dtmfClipDigits(callerId: CallerId, privateCode = '10'): string {
  const number = callerId.number?.replace(/[^0-9*#]/g, '');
  if (number) return `A${number}C`;
  return `B${callerId.absence === 'private' ? privateCode : '00'}C`;
}

/** Renders caller ID as audio (8 kHz, 16-bit mono). */
export function modulateCallerId(
  callerId: CallerId,
  standard: CallerIdStandard,
  opts: CallerIdSignalOptions = {},
): Int16Array {
  const rate = opts.sampleRateHz ?? 8000;
  if (standard === 'dtmf') {
    return generateDtmf(dtmfClipDigits(callerId, opts.dtmfPrivateCode), {
      onMs: 70,
      offMs: 70,
      levelDbm0: opts.levelDbm0 ?? -10,
      sampleRateHz: rate,
    });
  }
  const fsk = modulateFsk(callerIdMessageBytes(callerId, standard, opts), fskStandardOf(standard), {
    seizureBits: opts.offHook ? 0 : 300,
    markBits: opts.offHook ? 80 : 180,
    levelDbm0: opts.levelDbm0 ?? -13,
    sampleRateHz: rate,
  });
  if (!(standard === 'etsi' && opts.withDtas)) return fsk;
  const dtas = generateAlertingSignal({ durationMs: 80, sampleRateHz: rate });
  const gap = Math.round((callerIdTiming('etsi', 'dtas').afterDtasMs * rate) / 1000);
  const out = new Int16Array(dtas.length + gap + fsk.length);
  out.set(dtas);
  out.set(fsk, dtas.length + gap);
  return out;
}

/** Message-waiting indication as FSK (on-hook VMWI). */
export function modulateMessageWaiting(
  waiting: boolean,
  standard: 'bell' | 'etsi',
  opts: CallerIdSignalOptions = {},
): Int16Array {
  return modulateFsk(encodeMessageWaiting(waiting, opts.format ?? 'mdmf'), fskStandardOf(standard), {
    levelDbm0: opts.levelDbm0 ?? -13,
    sampleRateHz: opts.sampleRateHz ?? 8000,
  });
}

export const ALERTING_LOW_HZ = 2130;
export const ALERTING_HIGH_HZ = 2750;

/**
 * The 2130 + 2750 Hz dual-tone alerting signal: Bellcore's CAS before off-hook
 * caller ID (CIDCW, default 80 ms) and ETSI's DT-AS before on-hook data.
 */
export function generateAlertingSignal(
  opts: { durationMs?: number; levelDbm0?: number; sampleRateHz?: number } = {},
): Int16Array {
  const rate = opts.sampleRateHz ?? 8000;
  const n = Math.round(((opts.durationMs ?? 80) * rate) / 1000);
  const amp = sineAmplitude(opts.levelDbm0 ?? -15);
  return Int16Array.from({ length: n }, (_, i) =>
    clampInt16(
      amp *
        (Math.sin((2 * Math.PI * ALERTING_LOW_HZ * i) / rate) +
          Math.sin((2 * Math.PI * ALERTING_HIGH_HZ * i) / rate)),
    ),
  );
}

/**
 * Everything the line carries for a call-waiting caller ID (type 2), for a
 * phone that acknowledges: CAS, the phone's DTMF 'D' ack (not ours to send on
 * FXS; included by the simulated phone), then FSK. This renders the gateway's
 * part: CAS, then after `ackWaitMs` the FSK burst.
 */
export function modulateCallWaitingCallerId(
  callerId: CallerId,
  opts: CallerIdSignalOptions & { ackWaitMs?: number } = {},
): Int16Array {
  const rate = opts.sampleRateHz ?? 8000;
  const cas = generateAlertingSignal({ durationMs: 80, sampleRateHz: rate });
  const fsk = modulateCallerId(callerId, 'bell', { ...opts, offHook: true });
  const gap = Math.round(((opts.ackWaitMs ?? 160) * rate) / 1000);
  const out = new Int16Array(cas.length + gap + fsk.length);
  out.set(cas);
  out.set(fsk, cas.length + gap);
  return out;
}
