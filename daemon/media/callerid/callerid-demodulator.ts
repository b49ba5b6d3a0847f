/**
 * Streaming caller-ID receiver for an FXO line or a recording: Bell 202 and
 * V.23 FSK side by side, DTMF CLIP, and the 2130 + 2750 Hz alerting signal
 * (CAS / DT-AS). Feed 8 kHz frames; get events.
 *
 * A message is only taken from FSK that starts after a steady mark of at least
 * 40 bits (every standard sends ≥ 55) with a known message type, so music and
 * speech do not produce displays; a wrong checksum is reported, flagged.
 */
import type { CallerId } from '../../../drivers/line/types.ts';
import { DtmfDetector } from '../dtmf/dtmf-detector.ts';
import {
  type CallerIdFormat,
  callerIdMessageLength,
  type DecodedCallerIdMessage,
  decodeCallerIdMessage,
  isCallerIdMessageType,
} from './callerid-message.ts';
import { ALERTING_HIGH_HZ, ALERTING_LOW_HZ, type CallerIdStandard } from './callerid-signals.ts';
import { FskDemodulator, type FskStandard } from './fsk.ts';

export type CallerIdEvent =
  | {
      kind: 'callerId';
      standard: CallerIdStandard;
      callerId: CallerId;
      /** DTMF CLIP has no checksum: true when its A…C / B…C framing was complete. */
      checksumOk: boolean;
      format: CallerIdFormat | 'dtmf';
      startMs: number;
      message?: DecodedCallerIdMessage;
    }
  | {
      kind: 'messageWaiting';
      standard: CallerIdStandard;
      waiting: boolean;
      checksumOk: boolean;
      startMs: number;
    }
  | { kind: 'alerting'; startMs: number; durationMs: number };

export interface CallerIdDemodulatorOptions {
  /** Which receivers run. Default all three. */
  standards?: CallerIdStandard[];
  /** Weakest FSK accepted, dBm0. Default −48. */
  minLevelDbm0?: number;
}

const RATE_HZ = 8000;
const MIN_MARK_BITS = 40;

class MessageAssembler {
  bytes: number[] = [];
  startSample = 0;
  markHz = Number.NaN;

  /** Returns a complete message's bytes when one has been assembled. */
  /** Mark-like bits before the current byte, bridging noise hits that decoded as near-0xFF bytes. */
  idleBits = 0;

  push(b: {
    value: number;
    startSample: number;
    markBitsBefore: number;
    framingOk: boolean;
    markHz: number;
  }): number[] | null {
    if (this.bytes.length === 0) {
      const idle = this.idleBits + b.markBitsBefore;
      let ones = 0;
      for (let v = b.value; v; v >>= 1) ones += v & 1;
      // A byte of (almost) all ones with a good stop bit is a noise hit inside the mark preamble.
      this.idleBits = b.framingOk && ones >= 7 ? idle + 10 : 0;
      if (idle >= MIN_MARK_BITS && b.framingOk && isCallerIdMessageType(b.value)) {
        this.bytes = [b.value];
        this.startSample = b.startSample;
        this.markHz = b.markHz;
      }
      return null;
    }
    // A long pause or a broken frame inside a message abandons it.
    if (b.markBitsBefore > 20 || !b.framingOk) {
      this.bytes = [];
      return this.push(b);
    }
    this.bytes.push(b.value);
    const total = callerIdMessageLength(Uint8Array.from(this.bytes));
    if (total !== null && this.bytes.length >= total) {
      const done = this.bytes;
      this.bytes = [];
      return done;
    }
    return null;
  }
}

export class CallerIdDemodulator {
  readonly #fsk: { standard: FskStandard; demod: FskDemodulator; asm: MessageAssembler }[] = [];
  readonly #dtmf: DtmfDetector | null;
  #clip: { digits: string; startMs: number } | null = null;
  readonly #cas = { cos: [] as Float64Array[], sin: [] as Float64Array[] };
  readonly #casBlock = new Int16Array(80);
  #casFill = 0;
  #casRun = 0;
  #casStart = 0;
  #samples = 0;
  #pending: { event: CallerIdEvent; markHz: number; atSample: number }[] = [];

  constructor(opts: CallerIdDemodulatorOptions = {}) {
    const standards = opts.standards ?? ['bell', 'etsi', 'dtmf'];
    for (const s of standards) {
      if (s === 'dtmf') continue;
      const standard: FskStandard = s === 'bell' ? 'bell202' : 'v23';
      const demodOpts = opts.minLevelDbm0 === undefined ? {} : { minLevelDbm0: opts.minLevelDbm0 };
      this.#fsk.push({
        standard,
        demod: new FskDemodulator(standard, demodOpts),
        asm: new MessageAssembler(),
      });
    }
    this.#dtmf = standards.includes('dtmf') ? new DtmfDetector() : null;
    for (const f of [ALERTING_LOW_HZ, ALERTING_HIGH_HZ]) {
      this.#cas.cos.push(
        Float64Array.from({ length: 80 }, (_, n) => Math.cos((2 * Math.PI * f * n) / RATE_HZ)),
      );
      this.#cas.sin.push(
        Float64Array.from({ length: 80 }, (_, n) => Math.sin((2 * Math.PI * f * n) / RATE_HZ)),
      );
    }
  }

  process(samples: Int16Array): CallerIdEvent[] {
    const events: CallerIdEvent[] = [];
    for (const f of this.#fsk) {
      for (const b of f.demod.process(samples)) {
        const bytes = f.asm.push(b);
        if (bytes) this.#onMessage(f.standard, bytes, f.asm.startSample, f.asm.markHz);
      }
    }
    if (this.#dtmf) {
      for (const e of this.#dtmf.process(samples))
        if (e.type === 'begin') this.#onDigit(e.digit, e.startMs, events);
    }
    this.#detectAlerting(samples, events);
    this.#samples += samples.length;
    this.#flushPending(events, false);
    return events;
  }

  /** Emits what is still held back (end of a recording). */
  flush(): CallerIdEvent[] {
    const events: CallerIdEvent[] = [];
    if (this.#dtmf)
      for (const e of this.#dtmf.flush()) if (e.type === 'begin') this.#onDigit(e.digit, e.startMs, events);
    this.#flushPending(events, true);
    return events;
  }

  #onMessage(standard: FskStandard, bytes: number[], startSample: number, markHz: number): void {
    let message: DecodedCallerIdMessage;
    try {
      message = decodeCallerIdMessage(Uint8Array.from(bytes));
    } catch {
      return; // unparseable: counted as noise, never thrown
    }
    const std: CallerIdStandard = standard === 'bell202' ? 'bell' : 'etsi';
    const startMs = (startSample * 1000) / RATE_HZ;
    const event: CallerIdEvent =
      message.kind === 'messageWaiting'
        ? {
            kind: 'messageWaiting',
            standard: std,
            waiting: message.messageWaiting ?? false,
            checksumOk: message.checksumOk,
            startMs,
          }
        : {
            kind: 'callerId',
            standard: std,
            callerId: message.callerId,
            checksumOk: message.checksumOk,
            format: message.format,
            startMs,
            message,
          };
    this.#pending.push({ event, markHz, atSample: this.#samples });
  }

  /**
   * Bell 202 and V.23 receivers both decode either signal (their marks are
   * 100 Hz apart), so a message is held for 100 ms and, when both heard it,
   * the one whose measured mark frequency is nearer its own wins.
   */
  #flushPending(events: CallerIdEvent[], all: boolean): void {
    const holdSamples = 800;
    const ready = this.#pending.filter((p) => all || this.#samples - p.atSample >= holdSamples);
    if (ready.length === 0) return;
    this.#pending = this.#pending.filter((p) => !ready.includes(p));
    const used = new Set<number>();
    for (let i = 0; i < ready.length; i++) {
      if (used.has(i)) continue;
      let best = ready[i]!;
      for (let j = i + 1; j < ready.length; j++) {
        const other = ready[j]!;
        if (Math.abs(other.event.startMs - best.event.startMs) > 200) continue;
        used.add(j);
        const okBest = 'checksumOk' in best.event && best.event.checksumOk;
        const okOther = 'checksumOk' in other.event && other.event.checksumOk;
        if (okOther && !okBest) best = other;
        else if (okOther === okBest && this.#markError(other) < this.#markError(best)) best = other;
      }
      events.push(best.event);
    }
  }

  #markError(p: { event: CallerIdEvent; markHz: number }): number {
    if (Number.isNaN(p.markHz) || p.event.kind === 'alerting') return 1e9;
    return Math.abs(p.markHz - (p.event.standard === 'bell' ? 1200 : 1300));
  }

  #onDigit(digit: string, startMs: number, events: CallerIdEvent[]): void {
    if (digit === 'A' || digit === 'B' || digit === 'D') {
      this.#clip = { digits: digit, startMs };
      return;
    }
    if (!this.#clip) return;
    if (digit === 'C') {
      const body = this.#clip.digits.slice(1);
      const head = this.#clip.digits[0];
      const callerId: CallerId = {};
      if (head === 'B') callerId.absence = body === '00' ? 'unavailable' : 'private';
      else callerId.number = body;
      if (body.length > 0) {
        events.push({
          kind: 'callerId',
          standard: 'dtmf',
          callerId,
          checksumOk: true,
          format: 'dtmf',
          startMs: this.#clip.startMs,
        });
      }
      this.#clip = null;
      return;
    }
    this.#clip.digits += digit;
    if (this.#clip.digits.length > 24) this.#clip = null;
  }

  /** 2130 + 2750 Hz in 10 ms blocks; a 60–130 ms burst is an alerting signal. */
  #detectAlerting(samples: Int16Array, events: CallerIdEvent[]): void {
    for (let i = 0; i < samples.length; i++) {
      this.#casBlock[this.#casFill++] = samples[i]!;
      if (this.#casFill < 80) continue;
      this.#casFill = 0;
      const blockStart = this.#samples + i + 1 - 80;
      let energy = 0;
      for (const v of this.#casBlock) energy += v * v;
      let tones = 0;
      let weakest = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 2; k++) {
        let re = 0;
        let im = 0;
        const c = this.#cas.cos[k]!;
        const s = this.#cas.sin[k]!;
        for (let n = 0; n < 80; n++) {
          re += this.#casBlock[n]! * c[n]!;
          im += this.#casBlock[n]! * s[n]!;
        }
        const p = (2 * (re * re + im * im)) / 80;
        tones += p;
        weakest = Math.min(weakest, p);
      }
      // Both tones present, within 6 dB of each other's share, and most of the energy.
      const on = energy > 80 * 20 && tones >= 0.7 * energy && weakest >= 0.2 * tones;
      if (on) {
        if (this.#casRun === 0) this.#casStart = blockStart;
        this.#casRun++;
      } else if (this.#casRun > 0) {
        const durationMs = this.#casRun * 10;
        if (durationMs >= 60 && durationMs <= 130) {
          events.push({ kind: 'alerting', startMs: (this.#casStart * 1000) / RATE_HZ, durationMs });
        }
        this.#casRun = 0;
      }
    }
  }
}

/** Decodes every caller-ID event in a recording. */
export function demodulateCallerId(
  samples: Int16Array,
  opts: CallerIdDemodulatorOptions = {},
): CallerIdEvent[] {
  const d = new CallerIdDemodulator(opts);
  return [...d.process(samples), ...d.flush()];
}

/**
 * Watches the phone's side after a CAS for its acknowledgement (DTMF 'D', or
 * 'A' from ADSI sets) — call-waiting caller ID is sent only after one. Counts
 * samples, so it needs no clock: `process` answers 'ack', 'timeout' or null.
 */
export class CallWaitingAckWatcher {
  readonly #detector = new DtmfDetector();
  readonly #deadlineSamples: number;
  #seen = 0;
  #done: 'ack' | 'timeout' | null = null;

  /** `windowMs`: how long after the CAS ends an ack counts (GR-30 allows 100 ms; tone takes ~60). Default 200. */
  constructor(windowMs = 200) {
    this.#deadlineSamples = Math.round((windowMs * RATE_HZ) / 1000) + 480; // plus the ack's own length
  }

  process(samples: Int16Array): 'ack' | 'timeout' | null {
    if (this.#done) return this.#done;
    for (const e of this.#detector.process(samples)) {
      if (e.type === 'begin' && (e.digit === 'D' || e.digit === 'A')) {
        this.#done = 'ack';
        return 'ack';
      }
    }
    this.#seen += samples.length;
    if (this.#seen > this.#deadlineSamples) this.#done = 'timeout';
    return this.#done;
  }
}
