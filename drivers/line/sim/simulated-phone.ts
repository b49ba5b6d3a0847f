/**
 * A simulated analog phone on a simulated FXS port. It is the subscriber's
 * side of the wire: it moves the switch hook (the GPIO level the real port
 * logic debounces and decodes — pulse dialling is real hook-switch timing),
 * listens to the ring voltage the port drives, speaks DTMF and WAVs into
 * the mouthpiece, and listens to the earpiece with the media engine's
 * caller-ID receiver, tone classifier and DTMF detector.
 */
import type { Clock, Timer } from '../../base/clock.ts';
import { LinegateError } from '../../base/errors.ts';
import type { Logger } from '../../base/logger.ts';
import type { Service } from '../../base/service.ts';
import { playPaced, type PlaybackHandle } from '../../audio/paced-player.ts';
import type { AudioDevice, AudioStream } from '../../audio/types.ts';
import type { FxsPortProfile } from '../../board/board-profile.ts';
import type { FakeGpioChip } from '../../gpio/fake-gpio-chip.ts';
import type { GpioValue } from '../../gpio/types.ts';
import type {
  CallerIdReceiverSink,
  CallTone,
  DtmfDetectorSink,
  LineSignals,
  ToneClassifierSink,
} from '../line-signals.ts';
import type { CallerId } from '../types.ts';
import { RecordingBuffer } from './audio-tap.ts';

export interface SimulatedPhoneOptions {
  profile: FxsPortProfile;
  /** The simulated chip the port's lines are on. */
  chip: FakeGpioChip;
  /** The phone's end of the audio link (the port holds the other end). */
  audio: AudioDevice;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  country?: string;
  /** Rotary dial: pulses per second and break share (default 10 pps, 60 % break). */
  pulseRatePps?: number;
  pulseBreakShare?: number;
  recordSeconds?: number;
}

export interface SimulatedPhoneStatus {
  hook: 'on' | 'off';
  ringing: boolean;
  callerId: CallerId | null;
  heard: { tone: CallTone | null; digits: string };
}

export type DialMode = 'dtmf' | 'pulse';

/** How long after the last ring burst the phone still counts as ringing (longer than any cadence's silence). */
const RING_MEMORY_MS = 6500;
const TONE_HOLD_MS = 2000;
/** Caller ID received this shortly before a first ring belongs to that call (ETSI / DTMF CLIP). */
const CALLER_ID_BEFORE_RING_MS = 3000;

export class SimulatedPhone implements Service {
  readonly id: string;
  readonly name: string;
  readonly #o: SimulatedPhoneOptions;
  #stream: AudioStream | undefined;
  #hook: 'on' | 'off' = 'on';
  #busyUntilMs = 0;
  #timers: Timer[] = [];
  #unsubscribe: Array<() => void> = [];
  #ringOn = false;
  #lastRingMs: number | undefined;
  #callerId: CallerId | null = null;
  #callerIdAtMs = Number.NEGATIVE_INFINITY;
  #cid: CallerIdReceiverSink | undefined;
  #tones: ToneClassifierSink | undefined;
  #dtmf: DtmfDetectorSink | undefined;
  #tone: { tone: CallTone; atMs: number } | undefined;
  #heardDigits = '';
  #recording: RecordingBuffer;
  #playback: PlaybackHandle | undefined;

  constructor(options: SimulatedPhoneOptions) {
    this.#o = options;
    this.id = options.profile.id;
    this.name = `sim-phone:${options.profile.id}`;
    this.#recording = new RecordingBuffer(options.recordSeconds ?? 60);
  }

  async start(): Promise<void> {
    if (this.#stream) return;
    const { chip, profile } = this.#o;
    this.#setShk(0);
    this.#stream = await this.#o.audio.open();
    this.#cid = this.#o.signals.createCallerIdReceiver();
    this.#dtmf = this.#o.signals.createDtmfDetector();
    this.#unsubscribe.push(this.#stream.onFrame((f) => this.#onEarpiece(f)));
    const ringLine = profile.ring.mode === 'rmfr' ? profile.ring.rm : profile.ring.enable;
    this.#unsubscribe.push(
      chip.onOutput((line, level) => {
        if (line !== ringLine.line) return;
        const active = (ringLine.activeLevel === 'low' ? 1 - level : level) === 1;
        const now = this.#o.clock.now();
        if (active && !this.ringing && now - this.#callerIdAtMs > CALLER_ID_BEFORE_RING_MS) {
          // A new call: forget the previous caller ID (but keep one sent just before this first ring, ETSI-style).
          this.#callerId = null;
        }
        if (active || this.#ringOn) this.#lastRingMs = now;
        this.#ringOn = active;
      }),
    );
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#playback?.cancel();
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.#stream?.close();
    this.#stream = undefined;
  }

  get hook(): 'on' | 'off' {
    return this.#hook;
  }

  get ringing(): boolean {
    if (this.#hook === 'off') return false;
    if (this.#ringOn) return true;
    return this.#lastRingMs !== undefined && this.#o.clock.now() - this.#lastRingMs < RING_MEMORY_MS;
  }

  status(): SimulatedPhoneStatus {
    const tone = this.#tone && this.#o.clock.now() - this.#tone.atMs <= TONE_HOLD_MS ? this.#tone.tone : null;
    return {
      hook: this.#hook,
      ringing: this.ringing,
      callerId: this.#callerId,
      heard: { tone: this.#hook === 'off' ? tone : null, digits: this.#heardDigits },
    };
  }

  /** Lifts or replaces the handset. */
  setHook(state: 'on' | 'off'): void {
    this.#assertIdleHands();
    if (state === this.#hook) return;
    this.#hook = state;
    this.#setShk(state === 'off' ? 1 : 0);
    if (state === 'off') {
      this.#lastRingMs = undefined;
      this.#ringOn = false;
      this.#heardDigits = '';
      this.#tone = undefined;
      this.#tones = this.#o.signals.createToneClassifier(this.#o.country ?? 'us');
    } else {
      this.#playback?.cancel();
      this.#tones = undefined;
    }
    this.#o.logger.info({ phone: this.id, hook: state }, 'sim phone hook');
  }

  /** A hook flash: on hook for `breakMs` (default 300 ms). Resolves when the handset is back. */
  flash(breakMs = 300): Promise<void> {
    this.#requireOffHook();
    this.#assertIdleHands();
    return this.#sequence([
      [0, 0],
      [breakMs, 1],
    ]);
  }

  /** Dials by DTMF into the mouthpiece or by pulsing the hook switch. Resolves when done. */
  dial(digits: string, mode: DialMode): Promise<void> {
    this.#requireOffHook();
    this.#assertIdleHands();
    if (mode === 'pulse') {
      if (!/^[0-9]+$/.test(digits))
        throw new LinegateError('BAD_REQUEST', 'a rotary dial has only digits 0-9');
      const periodMs = 1000 / (this.#o.pulseRatePps ?? 10);
      const breakMs = periodMs * (this.#o.pulseBreakShare ?? 0.6);
      const steps: Array<[number, GpioValue]> = [];
      let t = 0;
      for (const d of digits) {
        const pulses = d === '0' ? 10 : Number(d);
        for (let i = 0; i < pulses; i++) {
          steps.push([t, 0], [t + breakMs, 1]);
          t += periodMs;
        }
        t += 600; // the dial returning to rest between digits
      }
      return this.#sequence(steps, t);
    }
    if (!/^[0-9*#A-D]+$/.test(digits)) throw new LinegateError('BAD_REQUEST', 'DTMF digits are 0-9 * # A-D');
    return this.play(this.#o.signals.dtmfAudio(digits));
  }

  /** Speaks audio (8 kHz mono) into the mouthpiece; resolves when played. */
  async play(samples: Int16Array): Promise<void> {
    if (!this.#stream) throw new LinegateError('UNAVAILABLE', `${this.id} is not started`);
    this.#playback?.cancel();
    this.#playback = playPaced(this.#stream, samples, this.#o.clock);
    await this.#playback.done;
  }

  /** The last `seconds` of what the earpiece heard. */
  recording(seconds?: number): Int16Array {
    return this.#recording.last(seconds);
  }

  #onEarpiece(frame: Int16Array): void {
    this.#recording.push(frame);
    if (this.#hook === 'on') {
      // Caller ID arrives on hook, between rings or before the first.
      if (this.#ringOn) return;
      const cid = this.#cid?.push(frame);
      if (cid) {
        this.#callerId = cid;
        this.#callerIdAtMs = this.#o.clock.now();
        this.#o.logger.info({ phone: this.id, number: cid.number, name: cid.name }, '« sim phone caller ID');
      }
      return;
    }
    const tone = this.#tones?.push(frame) ?? null;
    if (tone) this.#tone = { tone, atMs: this.#o.clock.now() };
    for (const d of this.#dtmf?.push(frame) ?? []) this.#heardDigits = (this.#heardDigits + d).slice(-64);
  }

  #setShk(logical: GpioValue): void {
    const shk = this.#o.profile.shk;
    this.#o.chip.setLevel(shk.line, (shk.activeLevel === 'low' ? 1 - logical : logical) as GpioValue);
  }

  /** Runs hook-switch steps [atMs, level] on the clock; resolves at `endMs`. */
  #sequence(steps: Array<[number, GpioValue]>, endMs = steps.at(-1)?.[0] ?? 0): Promise<void> {
    this.#busyUntilMs = this.#o.clock.now() + endMs;
    return new Promise((resolve) => {
      for (const [atMs, level] of steps) {
        this.#timers.push(this.#o.clock.setTimer(atMs, () => this.#setShk(level)));
      }
      this.#timers.push(
        this.#o.clock.setTimer(endMs, () => {
          this.#timers = [];
          resolve();
        }),
      );
    });
  }

  #requireOffHook(): void {
    if (this.#hook !== 'off') throw new LinegateError('CONFLICT', `${this.id} is on hook`);
  }

  #assertIdleHands(): void {
    if (this.#o.clock.now() < this.#busyUntilMs) {
      throw new LinegateError('CONFLICT', `${this.id} is still dialling or flashing`);
    }
  }
}
