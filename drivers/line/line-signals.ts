/**
 * What the line drivers need from the signal processing (DTMF, tones,
 * caller ID FSK) without importing the media engine in daemon/: the
 * composition root hands in an implementation (daemon/simulator/signal-kit.ts
 * adapts daemon/media), unit tests hand in fakes. All audio is 8 kHz mono
 * int16.
 */
import type { CallerId, RingCadence } from './types.ts';

/**
 * How caller ID is sent: `bell` = Bell 202 FSK between the first and second
 * ring (North America); `etsi` = V.23 FSK before the first ring, after a
 * polarity reversal and/or DT-AS (ETSI EN 300 659-1, most of Europe);
 * `dtmf` = DTMF CLIP before the first ring (Denmark, Netherlands, India...).
 */
export type CallerIdStandard = 'bell' | 'etsi' | 'dtmf';

/** Call-progress tones a line or phone can hear; `dtas` is the ETSI dual-tone alerting signal. */
export type CallTone = 'dial' | 'busy' | 'ringback' | 'congestion' | 'callWaiting' | 'stutter' | 'dtas';

export interface DtmfDetectorSink {
  /** Feeds one frame; returns the digits whose key-down ended in it. */
  push(frame: Int16Array): string[];
}

export interface ToneClassifierSink {
  /** Feeds one frame; returns the tone currently recognised, or null while none is. */
  push(frame: Int16Array): CallTone | null;
}

export interface CallerIdReceiverSink {
  /** Feeds one frame; returns caller ID once a complete message (FSK or DTMF CLIP) has been decoded. */
  push(frame: Int16Array): CallerId | null;
  /** Forgets any partial message (between calls). */
  reset(): void;
}

export interface LineSignals {
  /** The caller ID message as line audio (channel seizure and marks included for FSK). */
  callerIdAudio(callerId: CallerId, standard: CallerIdStandard): Int16Array;
  /** A visual message-waiting indication (VMWI) message as line audio. */
  messageWaitingAudio(waiting: boolean, standard: CallerIdStandard): Int16Array;
  /** DTMF digits with standard tone and pause lengths. */
  dtmfAudio(digits: string): Int16Array;
  /** A call-progress tone of the country's plan, `durationMs` long (cadence included). */
  toneAudio(tone: CallTone, country: string, durationMs: number): Int16Array;
  /** The country's ring cadence. */
  ringCadence(country: string): RingCadence;
  createDtmfDetector(): DtmfDetectorSink;
  createToneClassifier(country: string): ToneClassifierSink;
  createCallerIdReceiver(): CallerIdReceiverSink;
}
