/**
 * An FXS port: an analog phone on a SLIC (Ag1171 kind: SHK in, RM and F/R
 * out; or a self-ringing SLIC with one enable line) plus a sound card.
 * Decodes the switch hook (off/on hook, flash, rotary pulses) and in-band
 * DTMF; rings with a cadence and sends caller ID at the time its standard
 * wants; reverses polarity; sends VMWI on hook. When the GPIO chip or the
 * sound card vanishes the port goes to `failed` with the reason and retries,
 * without taking anything else down.
 */
import type { Clock, Timer } from '../base/clock.ts';
import { errorMessage, LinegateError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { Service, ServiceHealth } from '../base/service.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import { type PlaybackHandle, playPaced } from '../audio/paced-player.ts';
import type { AudioDevice, AudioStream } from '../audio/types.ts';
import type { FxsPortProfile, GpioLineRef } from '../board/board-profile.ts';
import type { GpioChip, GpioInput, GpioOutput } from '../gpio/types.ts';
import { type HookTiming, HookSwitchDecoder } from './hook-switch-decoder.ts';
import type { CallerIdStandard, DtmfDetectorSink, LineSignals } from './line-signals.ts';
import type { CallerId, FxsPort, FxsPortEvents, PortState, RingCadence, RingOptions } from './types.ts';

export interface FxsCallerIdTiming {
  /** Bell: FSK starts this long after the first ring ends (≥ 500 ms by GR-30). */
  bellDelayMs: number;
  /** ETSI/DTMF: polarity reversal → alerting (or FSK) delay. */
  etsiAfterReversalMs: number;
  /** ETSI: DT-AS length, and the pause between DT-AS and FSK. */
  dtasMs: number;
  dtasToFskMs: number;
  /** ETSI/DTMF: FSK end → first ring. */
  etsiToRingMs: number;
}

export const DEFAULT_CALLER_ID_TIMING: FxsCallerIdTiming = {
  bellDelayMs: 500,
  etsiAfterReversalMs: 100,
  dtasMs: 100,
  dtasToFskMs: 60,
  etsiToRingMs: 250,
};

export interface FxsPortOptions {
  profile: FxsPortProfile;
  /** GPIO chips by the names the profile uses. */
  chips: Record<string, GpioChip>;
  audio: AudioDevice;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  /** Default caller ID standard (per call: RingOptions). Default `bell`. */
  callerIdStandard?: CallerIdStandard;
  /** ETSI alerting before FSK: polarity reversal, DT-AS, or both (default both). */
  etsiAlerting?: 'polarity' | 'dtas' | 'polarity+dtas';
  hookTiming?: Partial<HookTiming>;
  callerIdTiming?: Partial<FxsCallerIdTiming>;
  /** First retry after a failure; doubles up to 60 s. Default 2000. */
  retryMs?: number;
}

interface Acquired {
  shk: GpioInput;
  rm?: GpioOutput;
  fr?: GpioOutput;
  enable?: GpioOutput;
  reverse?: GpioOutput;
  stream: AudioStream;
  release: Array<() => void>;
}

export class GpioFxsPort extends TypedEmitter<FxsPortEvents> implements FxsPort, Service {
  readonly id: string;
  readonly name: string;
  readonly audio: AudioDevice;
  readonly #o: FxsPortOptions;
  readonly #log: Logger;
  readonly #decoder: HookSwitchDecoder;
  readonly #cidTiming: FxsCallerIdTiming;
  #acq: Acquired | undefined;
  #state: PortState = 'idle';
  #failure: string | undefined;
  #started = false;
  #retryTimer: Timer | undefined;
  #retryMs: number;
  #failing = false;
  #dataReversed = false;
  #dtmf: DtmfDetectorSink | undefined;
  #reversed = false;
  // Ringing
  #ringTimers: Timer[] = [];
  #toggleTimer: Timer | undefined;
  #playback: PlaybackHandle | undefined;
  #ringOnSinceMs: number | undefined;
  #messageWaiting: boolean | undefined;
  #vmwiTimer: Timer | undefined;

  constructor(options: FxsPortOptions) {
    super();
    this.#o = options;
    this.id = options.profile.id;
    this.name = `fxs:${options.profile.id}`;
    this.audio = options.audio;
    this.#log = options.logger;
    this.#retryMs = options.retryMs ?? 2000;
    this.#cidTiming = { ...DEFAULT_CALLER_ID_TIMING, ...options.callerIdTiming };
    this.#decoder = new HookSwitchDecoder(
      options.clock,
      {
        offHook: () => this.#onOffHook(),
        onHook: () => this.#onOnHook(),
        flash: () => {
          this.#log.info({ port: this.id }, 'hook flash');
          this.emit('flash');
        },
        digit: (d) => {
          this.#log.info({ port: this.id, digit: d, via: 'pulse' }, 'digit');
          this.emit('digit', d);
        },
        dialError: (reason) => {
          this.#log.warn({ port: this.id, reason }, 'dial error');
          this.emit('dialError', reason);
        },
      },
      options.hookTiming,
    );
  }

  get hook(): 'on' | 'off' {
    return this.#decoder.hook;
  }

  get state(): PortState {
    return this.#state;
  }

  /** Why the port failed, while it is `failed`. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** True while the ring voltage is on (not during the silent part of the cadence). */
  get ringVoltageOn(): boolean {
    return this.#ringOnSinceMs !== undefined;
  }

  get polarityReversed(): boolean {
    return this.#reversed;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    await this.#acquire();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    this.#vmwiTimer?.cancel();
    this.#vmwiTimer = undefined;
    this.#stopRingingNow();
    this.#decoder.dispose();
    this.#releaseAll();
  }

  health(): ServiceHealth {
    return this.#state === 'failed'
      ? { status: 'failed', detail: this.#failure ?? 'failed' }
      : { status: 'ok', hook: this.hook, state: this.#state };
  }

  async ring(cadence: RingCadence, callerId?: CallerId, options: RingOptions = {}): Promise<void> {
    if (this.#state === 'failed')
      throw new LinegateError('DEVICE_FAILED', `${this.id} has failed: ${this.#failure}`);
    if (this.hook === 'off') throw new LinegateError('PORT_BUSY', `${this.id} is off hook`);
    if (!this.#acq) throw new LinegateError('UNAVAILABLE', `${this.id} is not started`);
    if (!cadence.patternMs.length || cadence.patternMs.some((ms) => !(ms > 0))) {
      throw new LinegateError('BAD_REQUEST', `ring cadence ${cadence.name} has no usable on/off pattern`);
    }
    this.#stopRingingNow();
    this.#state = 'ringing';
    this.#decoder.setRinging(true);
    const standard = options.callerIdStandard ?? this.#o.callerIdStandard ?? 'bell';
    this.#log.info({ port: this.id, cadence: cadence.name, callerId: callerId?.number, standard }, 'ringing');
    if (callerId && standard !== 'bell') {
      this.#preRingCallerId(callerId, standard, () => this.#runCadence(cadence, undefined));
    } else {
      this.#runCadence(cadence, callerId);
    }
  }

  async stopRinging(): Promise<void> {
    if (this.#state !== 'ringing') return;
    this.#stopRingingNow();
    this.#state = this.hook === 'off' ? 'offHook' : 'idle';
    this.#afterIdle();
  }

  async reversePolarity(): Promise<void> {
    this.#reversed = !this.#reversed;
    this.#applyPolarity();
  }

  async setMessageWaiting(waiting: boolean): Promise<void> {
    this.#messageWaiting = waiting;
    if (this.#state === 'idle') this.#sendVmwi();
  }

  // --- acquisition and failure ---

  async #acquire(): Promise<void> {
    const release: Array<() => void> = [];
    try {
      const p = this.#o.profile;
      const chipOf = (ref: GpioLineRef) => {
        const chip = this.#o.chips[ref.chip];
        if (!chip) throw new LinegateError('DEVICE_MISSING', `GPIO chip ${ref.chip} is not available`);
        return chip;
      };
      const chips = new Set<GpioChip>();
      const refs = [p.shk, ...(p.ring.mode === 'rmfr' ? [p.ring.rm, p.ring.fr] : [p.ring.enable])];
      if (p.ring.mode === 'enable' && p.ring.reverse) refs.push(p.ring.reverse);
      for (const ref of refs) chips.add(chipOf(ref));
      for (const chip of chips) {
        await chip.open();
        release.push(chip.on('lost', (reason) => this.#fail(reason)));
      }
      const output = (ref: GpioLineRef, what: string) => {
        const out = chipOf(ref).requestOutput({
          line: ref.line,
          activeLow: ref.activeLevel === 'low',
          initial: 0,
          consumer: `linegate-${this.id}-${what}`,
        });
        release.push(() => out.release());
        return out;
      };
      const shk = chipOf(p.shk).requestInput({
        line: p.shk.line,
        activeLow: p.shk.activeLevel === 'low',
        debounceMs: p.shk.debounceMs,
        consumer: `linegate-${this.id}-shk`,
      });
      release.push(() => shk.release());
      const acq: Acquired = { shk, stream: undefined as unknown as AudioStream, release };
      if (p.ring.mode === 'rmfr') {
        acq.rm = output(p.ring.rm, 'rm');
        acq.fr = output(p.ring.fr, 'fr');
      } else {
        acq.enable = output(p.ring.enable, 'ring');
        if (p.ring.reverse) acq.reverse = output(p.ring.reverse, 'reverse');
      }
      acq.stream = await this.audio.open();
      release.push(() => void acq.stream.close());
      if (this.audio.onHealth) {
        release.push(this.audio.onHealth((failure) => (failure === null ? undefined : this.#fail(failure))));
      }
      this.#dtmf = this.#o.signals.createDtmfDetector();
      release.push(acq.stream.onFrame((frame) => this.#onMouthpiece(frame)));
      release.push(shk.onEdge((e) => this.#decoder.edge(e.value, e.timeMs)));
      this.#acq = acq;
      this.#decoder.reset(shk.read());
      this.#applyPolarity();
      const wasFailed = this.#state === 'failed';
      this.#state = this.hook === 'off' ? 'offHook' : 'idle';
      this.#failure = undefined;
      this.#retryMs = this.#o.retryMs ?? 2000;
      if (wasFailed) {
        this.#log.info({ port: this.id }, 'port recovered');
        this.emit('recovered');
      }
    } catch (err) {
      for (const r of release.reverse()) safely(r);
      this.#fail(errorMessage(err));
    }
  }

  #fail(reason: string): void {
    // Releasing outputs of a vanished chip throws again: do not recurse.
    if (!this.#started || this.#failing) return;
    this.#failing = true;
    const first = this.#state !== 'failed';
    try {
      this.#stopRingingNow();
      this.#decoder.dispose();
      this.#releaseAll();
    } finally {
      this.#failing = false;
    }
    this.#state = 'failed';
    this.#failure = reason;
    if (first) {
      this.#log.error({ port: this.id, reason, retryMs: this.#retryMs }, 'port failed');
      this.emit('failed', reason);
    }
    this.#retryTimer?.cancel();
    this.#retryTimer = this.#o.clock.setTimer(this.#retryMs, () => {
      this.#retryTimer = undefined;
      void this.#acquire();
    });
    this.#retryMs = Math.min(this.#retryMs * 2, 60_000);
  }

  #releaseAll(): void {
    const acq = this.#acq;
    this.#acq = undefined;
    this.#dtmf = undefined;
    if (!acq) return;
    for (const r of acq.release.reverse()) safely(r);
  }

  // --- hook and dialling ---

  #onOffHook(): void {
    if (this.#state === 'ringing') {
      // Ring trip: the voltage must go within 200 ms of the handset lifting.
      this.#stopRingingNow();
      this.#log.info({ port: this.id }, 'ring trip');
    }
    this.#vmwiTimer?.cancel();
    this.#playback?.cancel();
    this.#dataReversal(false);
    this.#state = 'offHook';
    this.#log.info({ port: this.id }, 'off hook');
    this.emit('offHook');
  }

  #onOnHook(): void {
    this.#state = 'idle';
    this.#log.info({ port: this.id }, 'on hook');
    this.emit('onHook');
    this.#afterIdle();
  }

  #onMouthpiece(frame: Int16Array): void {
    const digits = this.#dtmf?.push(frame) ?? [];
    if (this.#state !== 'offHook') return;
    for (const d of digits) {
      this.#log.info({ port: this.id, digit: d, via: 'dtmf' }, 'digit');
      this.emit('digit', d);
    }
  }

  // --- ringing ---

  #preRingCallerId(callerId: CallerId, standard: CallerIdStandard, then: () => void): void {
    const t = this.#cidTiming;
    const alerting = this.#o.etsiAlerting ?? 'polarity+dtas';
    const usePolarity = standard === 'dtmf' || alerting !== 'dtas';
    const useDtas = standard === 'etsi' && alerting !== 'polarity';
    if (usePolarity) this.#dataReversal(true);
    let atMs = usePolarity ? t.etsiAfterReversalMs : 0;
    if (useDtas) {
      this.#ringAt(atMs, () => this.#play(this.#o.signals.toneAudio('dtas', 'etsi', t.dtasMs)));
      atMs += t.dtasMs + t.dtasToFskMs;
    }
    this.#ringAt(atMs, () => {
      const audio = this.#o.signals.callerIdAudio(callerId, standard);
      const handle = this.#play(audio);
      // Timed on the clock (not the playback promise) so fake-clock tests stay synchronous.
      const endsInMs = handle ? handle.endsAtMs - this.#o.clock.now() : 0;
      this.#ringAt(endsInMs + t.etsiToRingMs, () => {
        if (usePolarity) this.#dataReversal(false);
        then();
      });
    });
  }

  #runCadence(cadence: RingCadence, bellCallerId: CallerId | undefined): void {
    const pattern = [...cadence.patternMs];
    // A cadence with an odd number of entries still alternates on/off.
    if (pattern.length % 2 === 1) pattern.push(pattern.at(-1) ?? 4000);
    // Bell caller ID goes into the first long silence (the first one on single-ring cadences).
    const offIndexes = pattern.map((_, i) => i).filter((i) => i % 2 === 1);
    const longestOff = Math.max(...offIndexes.map((i) => pattern[i] ?? 0));
    const cidIndex = offIndexes.find((i) => (pattern[i] ?? 0) >= Math.min(2000, longestOff));
    let step = 0;
    let cidSent = bellCallerId === undefined;
    const next = () => {
      if (this.#state !== 'ringing') return;
      const i = step % pattern.length;
      const ms = pattern[i] ?? 0;
      step++;
      if (i % 2 === 0) {
        this.#ringVoltage(true);
      } else {
        this.#ringVoltage(false);
        if (!cidSent && i === cidIndex && bellCallerId) {
          cidSent = true;
          const cid = bellCallerId;
          this.#ringAt(this.#cidTiming.bellDelayMs, () => {
            const handle = this.#play(this.#o.signals.callerIdAudio(cid, 'bell'));
            if (handle && handle.endsAtMs > this.#o.clock.now() + ms - this.#cidTiming.bellDelayMs - 200) {
              this.#log.warn({ port: this.id }, 'caller ID longer than the ring pause');
            }
          });
        }
      }
      this.#ringAt(ms, next);
    };
    next();
  }

  #ringVoltage(on: boolean): void {
    const acq = this.#acq;
    if (!acq) return;
    const ring = this.#o.profile.ring;
    this.#toggleTimer?.cancel();
    this.#toggleTimer = undefined;
    try {
      if (on) {
        this.#ringOnSinceMs = this.#o.clock.now();
        if (ring.mode === 'rmfr' && acq.rm && acq.fr) {
          acq.rm.write(1);
          // The SLIC makes the ring voltage from F/R toggling at the ring frequency.
          const halfPeriodMs = 1000 / (2 * ring.frequencyHz);
          const fr = acq.fr;
          this.#toggleTimer = this.#o.clock.setInterval(halfPeriodMs, () => {
            try {
              fr.write(fr.value === 1 ? 0 : 1);
            } catch (err) {
              this.#fail(errorMessage(err));
            }
          });
        } else {
          acq.enable?.write(1);
        }
      } else {
        this.#ringOnSinceMs = undefined;
        if (ring.mode === 'rmfr') {
          acq.rm?.write(0);
          this.#applyPolarity();
        } else {
          acq.enable?.write(0);
        }
      }
    } catch (err) {
      this.#fail(errorMessage(err));
    }
  }

  #stopRingingNow(): void {
    for (const t of this.#ringTimers) t.cancel();
    this.#ringTimers = [];
    this.#playback?.cancel();
    this.#playback = undefined;
    if (this.#ringOnSinceMs !== undefined || this.#toggleTimer) this.#ringVoltage(false);
    this.#dataReversal(false);
    this.#decoder.setRinging(false);
    if (this.#state === 'ringing') this.#state = this.hook === 'off' ? 'offHook' : 'idle';
  }

  #ringAt(delayMs: number, fn: () => void): void {
    const timer = this.#o.clock.setTimer(delayMs, () => {
      this.#ringTimers = this.#ringTimers.filter((t) => t !== timer);
      fn();
    });
    this.#ringTimers.push(timer);
  }

  #play(samples: Int16Array): PlaybackHandle | undefined {
    const stream = this.#acq?.stream;
    if (!stream) return undefined;
    this.#playback?.cancel();
    this.#playback = playPaced(stream, samples, this.#o.clock);
    return this.#playback;
  }

  /**
   * The temporary line reversal that announces on-hook data (ETSI). Ended
   * however the data ends — sent, ring-tripped, or the port stopped — so the
   * line is never left reversed by accident.
   */
  #dataReversal(on: boolean): void {
    if (on === this.#dataReversed) return;
    this.#dataReversed = on;
    this.#reversed = !this.#reversed;
    this.#applyPolarity();
  }

  #applyPolarity(): void {
    const acq = this.#acq;
    if (!acq || this.#ringOnSinceMs !== undefined) return;
    try {
      if (acq.fr) acq.fr.write(this.#reversed ? 1 : 0);
      else if (acq.reverse) acq.reverse.write(this.#reversed ? 1 : 0);
    } catch (err) {
      this.#fail(errorMessage(err));
    }
  }

  // --- VMWI (on-hook transmission) ---

  #afterIdle(): void {
    if (this.#messageWaiting === undefined) return;
    // Give the phone a second on hook before the data burst.
    this.#vmwiTimer?.cancel();
    this.#vmwiTimer = this.#o.clock.setTimer(1000, () => {
      this.#vmwiTimer = undefined;
      if (this.#state === 'idle') this.#sendVmwi();
    });
  }

  #sendVmwi(): void {
    const waiting = this.#messageWaiting;
    if (waiting === undefined || !this.#acq) return;
    const standard = this.#o.callerIdStandard ?? 'bell';
    this.#messageWaiting = undefined;
    const audio = this.#o.signals.messageWaitingAudio(waiting, standard === 'dtmf' ? 'etsi' : standard);
    if (standard === 'bell') {
      this.#play(audio);
      return;
    }
    // ETSI on-hook data: line reversal first, then the message, then back.
    this.#dataReversal(true);
    this.#vmwiTimer = this.#o.clock.setTimer(this.#cidTiming.etsiAfterReversalMs, () => {
      const handle = this.#play(audio);
      const endsInMs = handle ? handle.endsAtMs - this.#o.clock.now() : 0;
      this.#vmwiTimer = this.#o.clock.setTimer(endsInMs + 100, () => {
        this.#vmwiTimer = undefined;
        this.#dataReversal(false);
      });
    });
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Releasing a resource of a vanished device: nothing more to do.
  }
}
