/**
 * An FXO port: a PSTN line on a DAA (opto ring detect in, line-seize relay
 * out, optional loop-current and polarity inputs) plus a sound card behind
 * the hybrid. Detects rings (cadence-aware, noise tolerant) and captures
 * caller ID sent between rings or before the first ring (FSK or DTMF CLIP);
 * seizes and releases the line, dials with DTMF, and watches for the far
 * end going away: loop-current drop, polarity reversal, busy or congestion
 * tone, or a silence timeout — each reported as `lineDrop` with the reason.
 */
import type { Clock, Timer } from '../base/clock.ts';
import { errorMessage, LinegateError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { Service, ServiceHealth } from '../base/service.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import { playPaced } from '../audio/paced-player.ts';
import type { AudioDevice, AudioStream } from '../audio/types.ts';
import type { FxoPortProfile, GpioLineRef } from '../board/board-profile.ts';
import type { GpioChip, GpioInput, GpioOutput } from '../gpio/types.ts';
import type { CallerIdReceiverSink, LineSignals, ToneClassifierSink } from './line-signals.ts';
import { RingDetector, type RingDetectorTiming } from './ring-detector.ts';
import type { FxoPort, FxoPortEvents, PortState } from './types.ts';

export interface FxoSupervision {
  /** After seizing, wait this long for loop current before supervising. */
  seizeSettleMs: number;
  /** Loop current absent this long = the far end released (shorter drops are ignored). */
  loopDropMs: number;
  /** What a polarity reversal while seized means on this line. */
  polarityReversal: 'disconnect' | 'ignore';
  /** Busy/congestion tone heard this long = the far end released. */
  busyToneMs: number;
  /** No audio above `silenceLevel` for this long = dead line (0 disables). */
  silenceTimeoutMs: number;
  /** Peak sample value below which a frame counts as silent (~ -45 dBm0 at 200). */
  silenceLevel: number;
}

export const DEFAULT_FXO_SUPERVISION: FxoSupervision = {
  seizeSettleMs: 400,
  loopDropMs: 250,
  polarityReversal: 'disconnect',
  busyToneMs: 1500,
  silenceTimeoutMs: 120_000,
  silenceLevel: 200,
};

export interface FxoPortOptions {
  profile: FxoPortProfile;
  chips: Record<string, GpioChip>;
  audio: AudioDevice;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  /** Country for busy/congestion tone classification (default `us`). */
  country?: string;
  supervision?: Partial<FxoSupervision>;
  ringTiming?: Partial<RingDetectorTiming>;
  retryMs?: number;
}

const DIALABLE = /^[0-9*#A-D]+$/;

export class GpioFxoPort extends TypedEmitter<FxoPortEvents> implements FxoPort, Service {
  readonly id: string;
  readonly name: string;
  readonly audio: AudioDevice;
  readonly supervision: FxoSupervision;
  readonly #o: FxoPortOptions;
  readonly #log: Logger;
  readonly #rings: RingDetector;
  #state: PortState = 'idle';
  #failure: string | undefined;
  #started = false;
  #failing = false;
  #retryTimer: Timer | undefined;
  #retryMs: number;
  #release: Array<() => void> = [];
  #seizeOut: GpioOutput | undefined;
  #loop: GpioInput | undefined;
  #polarity: GpioInput | undefined;
  #stream: AudioStream | undefined;
  #cid: CallerIdReceiverSink | undefined;
  #cidSent = false;
  #ringVoltage = false;
  #tones: ToneClassifierSink | undefined;
  #supervising = false;
  #dropped = false;
  #settleTimer: Timer | undefined;
  #loopTimer: Timer | undefined;
  #toneSince: { tone: string; sinceMs: number } | undefined;
  #lastSoundMs = 0;
  #dialing: { cancel(): void } | undefined;

  constructor(options: FxoPortOptions) {
    super();
    this.#o = options;
    this.id = options.profile.id;
    this.name = `fxo:${options.profile.id}`;
    this.audio = options.audio;
    this.#log = options.logger;
    this.#retryMs = options.retryMs ?? 2000;
    this.supervision = { ...DEFAULT_FXO_SUPERVISION, ...options.supervision };
    this.#rings = new RingDetector(
      options.clock,
      {
        ring: () => {
          if (this.#state === 'offHook' || this.#state === 'failed') return;
          this.#state = 'ringing';
          this.#log.info({ port: this.id }, 'ring');
          this.emit('ring');
        },
        burst: (active) => {
          this.#ringVoltage = active;
        },
        stopped: () => {
          if (this.#state !== 'ringing') return;
          this.#state = 'idle';
          this.#resetCallerId();
          this.#log.info({ port: this.id }, 'ringing stopped (caller gave up)');
          this.emit('ringStopped');
        },
      },
      options.ringTiming,
    );
  }

  get state(): PortState {
    return this.#state;
  }

  get failure(): string | undefined {
    return this.#failure;
  }

  get seized(): boolean {
    return this.#state === 'offHook';
  }

  /** On/off durations of the last ring cycle heard. */
  get learnedCadenceMs(): number[] {
    return this.#rings.learnedCadenceMs;
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
    this.#endSupervision();
    this.#rings.reset();
    this.#releaseAll();
  }

  health(): ServiceHealth {
    return this.#state === 'failed'
      ? { status: 'failed', detail: this.#failure ?? 'failed' }
      : { status: 'ok', state: this.#state };
  }

  async seize(): Promise<void> {
    if (this.#state === 'failed' || !this.#seizeOut) {
      throw new LinegateError('DEVICE_FAILED', `${this.id} has failed: ${this.#failure ?? 'not started'}`);
    }
    if (this.#state === 'offHook') return;
    this.#seizeOut.write(1);
    this.#state = 'offHook';
    this.#rings.reset();
    this.#dropped = false;
    this.#toneSince = undefined;
    this.#lastSoundMs = this.#o.clock.now();
    this.#tones = this.#o.signals.createToneClassifier(this.#o.country ?? 'us');
    this.#log.info({ port: this.id }, 'line seized');
    this.#settleTimer = this.#o.clock.setTimer(this.supervision.seizeSettleMs, () => {
      this.#settleTimer = undefined;
      this.#supervising = true;
      if (this.#loop && this.#loop.read() === 0) this.#drop('noLoopCurrent');
    });
  }

  async release(): Promise<void> {
    if (this.#state !== 'offHook') return;
    this.#endSupervision();
    try {
      this.#seizeOut?.write(0);
    } catch (err) {
      this.#fail(errorMessage(err));
      return;
    }
    this.#state = 'idle';
    this.#resetCallerId();
    this.#log.info({ port: this.id }, 'line released');
  }

  async dial(digits: string): Promise<void> {
    if (!DIALABLE.test(digits))
      throw new LinegateError('BAD_REQUEST', `cannot dial "${digits}" (digits 0-9 * # A-D)`);
    if (this.#state !== 'offHook' || !this.#stream)
      throw new LinegateError('CONFLICT', `${this.id} is not seized`);
    this.#log.info({ port: this.id, digits }, '» dial');
    this.#dialing?.cancel();
    const handle = playPaced(this.#stream, this.#o.signals.dtmfAudio(digits), this.#o.clock);
    this.#dialing = handle;
    // Our own DTMF is sound: it must not count towards the silence timeout.
    this.#lastSoundMs = handle.endsAtMs;
    const completed = await handle.done;
    if (!completed) throw new LinegateError('CONFLICT', `dialling on ${this.id} was interrupted`);
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
      const refs = [p.ringDetect, p.seize, p.loopCurrent, p.polarity].filter((r): r is GpioLineRef => !!r);
      for (const chip of new Set(refs.map(chipOf))) {
        await chip.open();
        release.push(chip.on('lost', (reason) => this.#fail(reason)));
      }
      const input = (ref: GpioLineRef, what: string) => {
        const inp = chipOf(ref).requestInput({
          line: ref.line,
          activeLow: ref.activeLevel === 'low',
          debounceMs: ref.debounceMs,
          consumer: `linegate-${this.id}-${what}`,
        });
        release.push(() => inp.release());
        return inp;
      };
      const ring = input(p.ringDetect, 'ring');
      const seize = chipOf(p.seize).requestOutput({
        line: p.seize.line,
        activeLow: p.seize.activeLevel === 'low',
        initial: 0,
        consumer: `linegate-${this.id}-seize`,
      });
      release.push(() => {
        try {
          seize.write(0);
        } finally {
          seize.release();
        }
      });
      const loop = p.loopCurrent ? input(p.loopCurrent, 'loop') : undefined;
      const polarity = p.polarity ? input(p.polarity, 'polarity') : undefined;
      const stream = await this.audio.open();
      release.push(() => void stream.close());
      if (this.audio.onHealth) {
        release.push(this.audio.onHealth((failure) => (failure === null ? undefined : this.#fail(failure))));
      }
      release.push(ring.onEdge((e) => this.#rings.edge(e.value, e.timeMs)));
      if (loop) release.push(loop.onEdge((e) => this.#onLoopCurrent(e.value)));
      if (polarity) release.push(polarity.onEdge(() => this.#onPolarityReversal()));
      release.push(stream.onFrame((f) => this.#onLineAudio(f)));
      this.#release = release;
      this.#seizeOut = seize;
      this.#loop = loop;
      this.#polarity = polarity;
      this.#stream = stream;
      this.#cid = this.#o.signals.createCallerIdReceiver();
      const wasFailed = this.#state === 'failed';
      this.#state = 'idle';
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
    if (!this.#started || this.#failing) return;
    this.#failing = true;
    const first = this.#state !== 'failed';
    const wasSeized = this.#state === 'offHook';
    try {
      this.#endSupervision();
      this.#rings.reset();
      this.#releaseAll();
    } finally {
      this.#failing = false;
    }
    this.#state = 'failed';
    this.#failure = reason;
    if (first) {
      this.#log.error({ port: this.id, reason, retryMs: this.#retryMs }, 'port failed');
      if (wasSeized) this.emit('lineDrop', 'portFailed');
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
    const release = this.#release;
    this.#release = [];
    this.#seizeOut = undefined;
    this.#loop = undefined;
    this.#polarity = undefined;
    this.#stream = undefined;
    this.#cid = undefined;
    for (const r of release.reverse()) safely(r);
  }

  // --- caller ID ---

  #resetCallerId(): void {
    this.#cid?.reset();
    this.#cidSent = false;
  }

  #onLineAudio(frame: Int16Array): void {
    if (this.#state === 'offHook') {
      this.#superviseAudio(frame);
      return;
    }
    // Ring voltage saturates the hybrid: only listen between rings (and before the first).
    if (this.#ringVoltage || !this.#cid || this.#cidSent) return;
    const callerId = this.#cid.push(frame);
    if (callerId) {
      this.#cidSent = true;
      this.#log.info({ port: this.id, number: callerId.number, name: callerId.name }, '« caller ID');
      this.emit('callerId', callerId);
    }
  }

  // --- disconnect supervision ---

  #onLoopCurrent(value: 0 | 1): void {
    if (this.#state !== 'offHook' || !this.#supervising) return;
    if (value === 1) {
      this.#loopTimer?.cancel();
      this.#loopTimer = undefined;
      return;
    }
    this.#loopTimer = this.#o.clock.setTimer(this.supervision.loopDropMs, () => {
      this.#loopTimer = undefined;
      this.#drop('loopCurrentDrop');
    });
  }

  #onPolarityReversal(): void {
    if (this.#state !== 'offHook' || !this.#supervising) return;
    if (this.supervision.polarityReversal === 'disconnect') this.#drop('polarityReversal');
    else this.#log.info({ port: this.id }, 'polarity reversal (ignored)');
  }

  #superviseAudio(frame: Int16Array): void {
    const now = this.#o.clock.now();
    let peak = 0;
    for (let i = 0; i < frame.length; i++) peak = Math.max(peak, Math.abs(frame[i] ?? 0));
    if (peak >= this.supervision.silenceLevel) this.#lastSoundMs = Math.max(this.#lastSoundMs, now);
    const tone = this.#tones?.push(frame) ?? null;
    if (!this.#supervising) return;
    if (tone === 'busy' || tone === 'congestion') {
      if (this.#toneSince?.tone !== tone) this.#toneSince = { tone, sinceMs: now };
      else if (now - this.#toneSince.sinceMs >= this.supervision.busyToneMs) this.#drop(`${tone}Tone`);
    } else if (tone !== null) {
      this.#toneSince = undefined;
    }
    const s = this.supervision;
    if (s.silenceTimeoutMs > 0 && now - this.#lastSoundMs >= s.silenceTimeoutMs) this.#drop('silence');
  }

  #drop(reason: string): void {
    if (this.#dropped || this.#state !== 'offHook') return;
    this.#dropped = true;
    this.#log.info({ port: this.id, reason }, 'far end released');
    this.emit('lineDrop', reason);
  }

  #endSupervision(): void {
    this.#settleTimer?.cancel();
    this.#settleTimer = undefined;
    this.#loopTimer?.cancel();
    this.#loopTimer = undefined;
    this.#dialing?.cancel();
    this.#dialing = undefined;
    this.#supervising = false;
    this.#tones = undefined;
    this.#toneSince = undefined;
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Releasing a resource of a vanished device: nothing more to do.
  }
}
