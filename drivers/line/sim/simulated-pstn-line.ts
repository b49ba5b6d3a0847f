/**
 * A simulated PSTN line on a simulated FXO port: the exchange's side of the
 * wire. It rings the port (opto pulses at twice the ring frequency, in the
 * country's cadence) with caller ID (Bell FSK between the first two rings,
 * or ETSI FSK / DTMF CLIP after a polarity reversal before the first),
 * gives loop current when the port seizes, plays dial tone and decodes
 * what the gateway dials, and when the far end hangs up drops the loop
 * current (CPC) and then plays busy tone.
 */
import type { Clock, Timer } from '../../base/clock.ts';
import { LinegateError } from '../../base/errors.ts';
import type { Logger } from '../../base/logger.ts';
import type { Service } from '../../base/service.ts';
import { playPaced, type PlaybackHandle } from '../../audio/paced-player.ts';
import type { AudioDevice, AudioStream } from '../../audio/types.ts';
import type { FxoPortProfile, GpioLineRef } from '../../board/board-profile.ts';
import type { FakeGpioChip } from '../../gpio/fake-gpio-chip.ts';
import type { GpioValue } from '../../gpio/types.ts';
import type { CallerIdStandard, DtmfDetectorSink, LineSignals } from '../line-signals.ts';
import type { CallerId } from '../types.ts';
import { loopAudio, RecordingBuffer } from './audio-tap.ts';

export interface SimulatedPstnLineOptions {
  profile: FxoPortProfile;
  chip: FakeGpioChip;
  /** The exchange's end of the audio link. */
  audio: AudioDevice;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  country?: string;
  callerIdStandard?: CallerIdStandard;
  ringFrequencyHz?: number;
  /** Rings before the caller gives up (default 10). */
  maxRings?: number;
  /** Loop-current interruption when the far end hangs up (default 800 ms; 0 = none, busy tone only). */
  cpcMs?: number;
  recordSeconds?: number;
}

export type PstnLineState = 'idle' | 'ringing' | 'dialTone' | 'connected' | 'farEndGone';

export interface PstnLineStatus {
  offHook: boolean;
  dialed: string;
  state: PstnLineState;
}

export class SimulatedPstnLine implements Service {
  readonly id: string;
  readonly name: string;
  readonly #o: SimulatedPstnLineOptions;
  #stream: AudioStream | undefined;
  #state: PstnLineState = 'idle';
  #seized = false;
  #dialed = '';
  #dtmf: DtmfDetectorSink | undefined;
  #ringTimers: Timer[] = [];
  #cpcTimer: Timer | undefined;
  #stopTone: (() => void) | undefined;
  #playback: PlaybackHandle | undefined;
  #unsubscribe: Array<() => void> = [];
  #recording: RecordingBuffer;
  #reversed = false;

  constructor(options: SimulatedPstnLineOptions) {
    this.#o = options;
    this.id = options.profile.id;
    this.name = `sim-pstn:${options.profile.id}`;
    this.#recording = new RecordingBuffer(options.recordSeconds ?? 60);
  }

  async start(): Promise<void> {
    if (this.#stream) return;
    const p = this.#o.profile;
    this.#set(p.ringDetect, 0);
    if (p.loopCurrent) this.#set(p.loopCurrent, 0);
    if (p.polarity) this.#set(p.polarity, 0);
    this.#stream = await this.#o.audio.open();
    this.#dtmf = this.#o.signals.createDtmfDetector();
    this.#unsubscribe.push(this.#stream.onFrame((f) => this.#onFromGateway(f)));
    this.#unsubscribe.push(
      this.#o.chip.onOutput((line, level) => {
        if (line !== p.seize.line) return;
        const seized = (p.seize.activeLevel === 'low' ? 1 - level : level) === 1;
        if (seized !== this.#seized) this.#onSeize(seized);
      }),
    );
  }

  async stop(): Promise<void> {
    this.#stopRinging();
    this.#cpcTimer?.cancel();
    this.#stopTone?.();
    this.#playback?.cancel();
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.#stream?.close();
    this.#stream = undefined;
  }

  status(): PstnLineStatus {
    return { offHook: this.#seized, dialed: this.#dialed, state: this.#state };
  }

  /** A call from `from` arrives: ring the port with caller ID. */
  call(from: string, options: { name?: string; standard?: CallerIdStandard } = {}): void {
    if (!this.#stream) throw new LinegateError('UNAVAILABLE', `${this.id} is not started`);
    if (this.#state !== 'idle' || this.#seized)
      throw new LinegateError('PORT_BUSY', `${this.id} is busy (${this.#state})`);
    const callerId: CallerId = { number: from };
    if (options.name) callerId.name = options.name;
    const standard = options.standard ?? this.#o.callerIdStandard ?? 'bell';
    const cadence = this.#o.signals.ringCadence(this.#o.country ?? 'us').patternMs;
    this.#state = 'ringing';
    this.#o.logger.info({ line: this.id, from, standard }, 'sim PSTN incoming call');
    let t = 0;
    if (standard !== 'bell') {
      // Line reversal, then the data, then ringing with the polarity back to normal.
      this.#ringAt(0, () => this.#setPolarity(true));
      const audio = this.#o.signals.callerIdAudio(callerId, standard);
      this.#ringAt(150, () => this.#play(audio));
      t = 150 + audio.length / 8 + 300;
      this.#ringAt(t - 50, () => this.#setPolarity(false));
    }
    const maxRings = this.#o.maxRings ?? 10;
    const cycleMs = cadence.reduce((a, b) => a + b, 0);
    for (let ring = 0; ring < maxRings; ring++) {
      let phaseStart = t + ring * cycleMs;
      cadence.forEach((ms, i) => {
        if (i % 2 === 0) this.#ringBurst(phaseStart, ms);
        phaseStart += ms;
      });
    }
    if (standard === 'bell') {
      // GR-30: data starts at least 500 ms after the first ring ends.
      const firstOff = cadence[0] ?? 2000;
      const audio = this.#o.signals.callerIdAudio(callerId, 'bell');
      this.#ringAt(firstOff + 500, () => this.#play(audio));
    }
    this.#ringAt(t + maxRings * cycleMs, () => {
      this.#o.logger.info({ line: this.id }, 'sim PSTN caller gave up');
      this.#stopRinging();
      this.#state = 'idle';
    });
  }

  /** The far end hangs up (or a ringing caller gives up). */
  hangup(): void {
    if (this.#state === 'ringing') {
      this.#stopRinging();
      this.#state = 'idle';
      return;
    }
    if (!this.#seized) return;
    this.#o.logger.info({ line: this.id }, 'sim PSTN far end hung up');
    this.#stopTone?.();
    this.#playback?.cancel();
    this.#state = 'farEndGone';
    const cpcMs = this.#o.cpcMs ?? 800;
    const busy = () => {
      if (!this.#stream || !this.#seized) return;
      this.#stopTone = loopAudio(
        this.#stream,
        this.#o.signals.toneAudio('busy', this.#o.country ?? 'us', 6000),
        this.#o.clock,
      );
    };
    if (cpcMs > 0 && this.#o.profile.loopCurrent) {
      this.#setLoop(false);
      this.#cpcTimer = this.#o.clock.setTimer(cpcMs, () => {
        this.#cpcTimer = undefined;
        if (!this.#seized) return;
        this.#setLoop(true);
        busy();
      });
    } else {
      busy();
    }
  }

  /** Plays audio (8 kHz mono) into the line towards the gateway; resolves when played. */
  async play(samples: Int16Array): Promise<void> {
    if (!this.#stream) throw new LinegateError('UNAVAILABLE', `${this.id} is not started`);
    this.#stopTone?.();
    this.#stopTone = undefined;
    await this.#play(samples)?.done;
  }

  recording(seconds?: number): Int16Array {
    return this.#recording.last(seconds);
  }

  #onSeize(seized: boolean): void {
    this.#seized = seized;
    if (seized) {
      this.#setLoop(true);
      if (this.#state === 'ringing') {
        this.#stopRinging();
        this.#state = 'connected';
        this.#o.logger.info({ line: this.id }, 'sim PSTN answered by the gateway');
      } else {
        this.#state = 'dialTone';
        this.#dialed = '';
        this.#dtmf = this.#o.signals.createDtmfDetector();
        if (this.#stream) {
          this.#stopTone = loopAudio(
            this.#stream,
            this.#o.signals.toneAudio('dial', this.#o.country ?? 'us', 6000),
            this.#o.clock,
          );
        }
      }
      return;
    }
    this.#o.logger.info({ line: this.id }, 'sim PSTN released by the gateway');
    this.#cpcTimer?.cancel();
    this.#stopTone?.();
    this.#stopTone = undefined;
    this.#playback?.cancel();
    this.#setLoop(false);
    this.#state = 'idle';
  }

  #onFromGateway(frame: Int16Array): void {
    this.#recording.push(frame);
    if (!this.#seized) return;
    const digits = this.#dtmf?.push(frame) ?? [];
    if (digits.length === 0) return;
    if (this.#state === 'dialTone') {
      this.#stopTone?.();
      this.#stopTone = undefined;
      this.#state = 'connected';
    }
    this.#dialed = (this.#dialed + digits.join('')).slice(-64);
    this.#o.logger.info({ line: this.id, digits: digits.join('') }, '« sim PSTN heard digits');
  }

  #ringBurst(atMs: number, durationMs: number): void {
    // The opto conducts on both half-waves: pulses at twice the ring frequency.
    const halfMs = 1000 / (2 * (this.#o.ringFrequencyHz ?? 25));
    for (let p = 0; p + halfMs <= durationMs; p += 2 * halfMs) {
      this.#ringAt(atMs + p, () => this.#set(this.#o.profile.ringDetect, 1));
      this.#ringAt(atMs + p + halfMs / 2, () => this.#set(this.#o.profile.ringDetect, 0));
    }
  }

  #ringAt(atMs: number, fn: () => void): void {
    this.#ringTimers.push(this.#o.clock.setTimer(atMs, fn));
  }

  #stopRinging(): void {
    for (const t of this.#ringTimers) t.cancel();
    this.#ringTimers = [];
    this.#set(this.#o.profile.ringDetect, 0);
    if (this.#reversed) this.#setPolarity(false);
    if (this.#state === 'ringing') this.#playback?.cancel();
  }

  #play(samples: Int16Array): PlaybackHandle | undefined {
    if (!this.#stream) return undefined;
    this.#playback?.cancel();
    this.#playback = playPaced(this.#stream, samples, this.#o.clock);
    return this.#playback;
  }

  #setLoop(on: boolean): void {
    if (this.#o.profile.loopCurrent) this.#set(this.#o.profile.loopCurrent, on ? 1 : 0);
  }

  #setPolarity(reversed: boolean): void {
    this.#reversed = reversed;
    if (this.#o.profile.polarity) this.#set(this.#o.profile.polarity, reversed ? 1 : 0);
  }

  #set(ref: GpioLineRef, logical: GpioValue): void {
    this.#o.chip.setLevel(ref.line, (ref.activeLevel === 'low' ? 1 - logical : logical) as GpioValue);
  }
}
