/**
 * Turns debounced switch-hook edges into what the subscriber did: went off
 * hook, hung up, flashed, or dialled a digit with the rotary dial. Every
 * on-hook interval (break) is classified by its length once it ends:
 *
 *   < pulseBreakMinMs            glitch, ignored
 *   pulseBreakMin..pulseBreakMax one dial pulse
 *   flashMin..flashMax           hook flash
 *   > flashMaxMs                 hang-up (decided by timer at flashMaxMs, not at the next off-hook)
 *
 * Pulses closer than `interdigitMs` form one digit. A finished train is
 * checked for speed (8–12 or 18–22 pulses/s) and break ratio, widened by the
 * edge jitter the timing allows, and reported as a digit or a dial error —
 * never left half-decoded.
 */
import type { Clock, Timer } from '../base/clock.ts';

export interface HookTiming {
  /** Off-hook must hold this long (after the chip's debounce) before it counts, when idle. */
  offHookConfirmMs: number;
  /** While ringing: off-hook must hold this long to trip the ring (ring current can chatter the detector). */
  ringTripConfirmMs: number;
  pulseBreakMinMs: number;
  pulseBreakMaxMs: number;
  flashMinMs: number;
  flashMaxMs: number;
  /** A make longer than this ends a pulse train. */
  interdigitMs: number;
  /** Edge timing error tolerated when checking pulse speed and ratio. */
  edgeJitterMs: number;
  /** How late an edge may be reported (chip debounce, polling): the hang-up timer waits this much longer. */
  edgeLatencyMs: number;
  /** Accepted dial speeds, pulses per second. */
  pulseRatesPps: ReadonlyArray<readonly [number, number]>;
  /** Accepted break share of a pulse period (e.g. 60/40 = 0.6, 66/33 = 0.67). */
  breakRatio: readonly [number, number];
}

export const DEFAULT_HOOK_TIMING: HookTiming = {
  offHookConfirmMs: 20,
  ringTripConfirmMs: 50,
  pulseBreakMinMs: 8,
  pulseBreakMaxMs: 99,
  flashMinMs: 100,
  flashMaxMs: 800,
  interdigitMs: 150,
  edgeJitterMs: 10,
  edgeLatencyMs: 30,
  pulseRatesPps: [
    [8, 12],
    [18, 22],
  ],
  breakRatio: [0.5, 0.75],
};

export interface HookSwitchEvents {
  offHook(): void;
  onHook(): void;
  flash(): void;
  digit(digit: string): void;
  dialError(reason: string): void;
}

interface Pulse {
  breakStartMs: number;
  breakMs: number;
}

export class HookSwitchDecoder {
  readonly timing: HookTiming;
  readonly #clock: Clock;
  readonly #events: HookSwitchEvents;
  #hook: 'on' | 'off' = 'on';
  /** Raw (debounced) level: 1 = loop closed. */
  #raw: 0 | 1 = 0;
  #breakStartMs = 0;
  #confirmTimer: Timer | undefined;
  #hangupTimer: Timer | undefined;
  #digitTimer: Timer | undefined;
  #train: Pulse[] = [];
  #ringing = false;

  constructor(clock: Clock, events: HookSwitchEvents, timing: Partial<HookTiming> = {}) {
    this.#clock = clock;
    this.#events = events;
    this.timing = { ...DEFAULT_HOOK_TIMING, ...timing };
  }

  get hook(): 'on' | 'off' {
    return this.#hook;
  }

  /** While ringing, going off hook needs `ringTripConfirmMs` instead of `offHookConfirmMs`. */
  setRinging(ringing: boolean): void {
    this.#ringing = ringing;
  }

  /** Sets the starting state without events (line already off hook when the port starts). */
  reset(level: 0 | 1): void {
    this.dispose();
    this.#raw = level;
    this.#hook = level === 1 ? 'off' : 'on';
  }

  /** A debounced edge of the switch-hook input; `timeMs` is when it happened. */
  edge(level: 0 | 1, timeMs: number): void {
    if (level === this.#raw) return;
    this.#raw = level;
    const t = this.timing;
    if (this.#hook === 'on') {
      if (level === 1) {
        const confirmMs = this.#ringing ? t.ringTripConfirmMs : t.offHookConfirmMs;
        this.#confirmTimer = this.#at(timeMs + confirmMs, () => {
          this.#confirmTimer = undefined;
          this.#hook = 'off';
          this.#events.offHook();
        });
      } else {
        this.#confirmTimer?.cancel();
        this.#confirmTimer = undefined;
      }
      return;
    }
    if (level === 0) {
      this.#breakStartMs = timeMs;
      this.#digitTimer?.cancel();
      this.#digitTimer = undefined;
      this.#hangupTimer = this.#at(timeMs + t.flashMaxMs + t.edgeLatencyMs, () => this.#hangUp());
      return;
    }
    this.#hangupTimer?.cancel();
    this.#hangupTimer = undefined;
    const breakMs = timeMs - this.#breakStartMs;
    if (breakMs > t.flashMaxMs) {
      // Longer than a flash but reported before the hang-up timer: a hang-up and a new off-hook.
      this.#hangUp();
      this.#raw = 0;
      this.edge(1, timeMs);
      return;
    }
    if (breakMs < t.pulseBreakMinMs) {
      this.#resumeTrain(timeMs);
      return;
    }
    if (breakMs <= t.pulseBreakMaxMs) {
      this.#train.push({ breakStartMs: this.#breakStartMs, breakMs });
      this.#resumeTrain(timeMs);
      return;
    }
    this.#finishTrain();
    if (breakMs >= t.flashMinMs) {
      this.#events.flash();
    } else {
      this.#events.dialError(`hook break of ${Math.round(breakMs)} ms is neither a dial pulse nor a flash`);
    }
  }

  dispose(): void {
    for (const timer of [this.#confirmTimer, this.#hangupTimer, this.#digitTimer]) timer?.cancel();
    this.#confirmTimer = undefined;
    this.#hangupTimer = undefined;
    this.#digitTimer = undefined;
    this.#train = [];
  }

  #resumeTrain(makeStartMs: number): void {
    if (this.#train.length === 0) return;
    this.#digitTimer = this.#at(makeStartMs + this.timing.interdigitMs, () => {
      this.#digitTimer = undefined;
      this.#finishTrain();
    });
  }

  #hangUp(): void {
    this.#hangupTimer = undefined;
    this.#digitTimer?.cancel();
    this.#digitTimer = undefined;
    // Pulses just before a hang-up are the receiver going down, not a digit.
    this.#train = [];
    this.#hook = 'on';
    this.#events.onHook();
  }

  #finishTrain(): void {
    this.#digitTimer?.cancel();
    this.#digitTimer = undefined;
    const train = this.#train;
    this.#train = [];
    if (train.length === 0) return;
    const verdict = checkPulseTrain(train, this.timing);
    if (verdict.ok) this.#events.digit(verdict.digit);
    else this.#events.dialError(verdict.reason);
  }

  #at(dueMs: number, fn: () => void): Timer {
    return this.#clock.setTimer(Math.max(0, dueMs - this.#clock.now()), fn);
  }
}

export type PulseVerdict = { ok: true; digit: string; pps?: number } | { ok: false; reason: string };

/** Checks one pulse train: count → digit (10 pulses = 0), then speed and break ratio within jitter tolerance. */
export function checkPulseTrain(train: ReadonlyArray<Pulse>, timing: HookTiming): PulseVerdict {
  const n = train.length;
  if (n > 10) return { ok: false, reason: `${n} pulses in one digit (at most 10)` };
  const digit = n === 10 ? '0' : String(n);
  if (n < 2) return { ok: true, digit };
  const first = train[0]!;
  const last = train[n - 1]!;
  const periodMs = (last.breakStartMs - first.breakStartMs) / (n - 1);
  // Two edges of the span can each be off by the jitter, spread over n-1 periods.
  const slackMs = (2 * timing.edgeJitterMs) / (n - 1);
  const pps = 1000 / periodMs;
  const rateOk = timing.pulseRatesPps.some(
    ([lo, hi]) => periodMs >= 1000 / hi - slackMs && periodMs <= 1000 / lo + slackMs,
  );
  if (!rateOk) {
    const rates = timing.pulseRatesPps.map(([lo, hi]) => `${lo}-${hi}`).join(' or ');
    return { ok: false, reason: `dial speed ${pps.toFixed(1)} pulses/s is outside ${rates}` };
  }
  const meanBreakMs = train.reduce((s, p) => s + p.breakMs, 0) / n;
  const ratio = meanBreakMs / periodMs;
  const ratioSlack = (2 * timing.edgeJitterMs) / (Math.sqrt(n) * periodMs);
  const [lo, hi] = timing.breakRatio;
  if (ratio < lo - ratioSlack || ratio > hi + ratioSlack) {
    return {
      ok: false,
      reason: `break/make ratio ${Math.round(ratio * 100)}/${Math.round((1 - ratio) * 100)} is outside ${lo * 100}-${hi * 100}% break`,
    };
  }
  return { ok: true, digit, pps };
}
