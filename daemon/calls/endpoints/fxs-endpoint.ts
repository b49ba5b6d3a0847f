import type { Clock } from '../../../drivers/base/clock.ts';
import { errorMessage } from '../../../drivers/base/errors.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../../drivers/base/service.ts';
import type { AudioStream } from '../../../drivers/audio/types.ts';
import type { CallerId, FxsPort } from '../../../drivers/line/types.ts';
import { type ToneGenerator, toneGenerator } from '../../media/tones/tone-generator.ts';
import { ringCadence, type ToneName } from '../../media/tones/tone-plans.ts';
import { BaseLeg, type CallLeg, type Endpoint, type OutgoingCallRequest } from '../call-leg.ts';
import { type CauseRow, causeByName } from '../causes.ts';
import { type DialOutcome, DigitCollector, type DigitPattern } from '../digit-map.ts';

export interface FxsEndpointOptions {
  port: FxsPort;
  extension: string;
  name?: string;
  country: string;
  clock: Clock;
  logger: Logger;
  dialPlan: DigitPattern[];
  emergencyNumbers: readonly string[];
  /** A new call from this phone: the manager routes `dialed` and drives `leg`. */
  onOriginate: (leg: CallLeg, dialed: DialOutcome) => void;
  newCallId: () => string;
  /** Caller-ID time stamps use this time zone's wall clock. */
  timeZone?: string;
}

type PhoneState = 'idle' | 'dialTone' | 'dialing' | 'outgoing' | 'ringing' | 'connected' | 'toneUntilHangup';

/**
 * An analog phone on an FXS port as a call endpoint: off hook → dial tone →
 * digits through the dial plan → a new call; an incoming call rings the
 * phone with the country's cadence and caller ID. Every dead end (an invalid
 * number, a far-end hang-up) plays a tone until the phone is hung up: an
 * analog caller never hears silence.
 */
export class FxsEndpoint implements Endpoint, Service {
  readonly kind = 'fxs' as const;
  readonly id: string;
  readonly name: string;
  readonly #o: FxsEndpointOptions;
  readonly #log: Logger;
  #stream: AudioStream | undefined;
  #state: PhoneState = 'idle';
  #leg: FxsLeg | undefined;
  #collector: DigitCollector | undefined;
  #tone: ToneGenerator | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(options: FxsEndpointOptions) {
    this.#o = options;
    this.id = options.port.id;
    this.name = `endpoint:${options.port.id}`;
    this.#log = options.logger.child({ ns: 'fxs', port: options.port.id });
  }

  get state(): PhoneState {
    return this.#state;
  }

  get extension(): string {
    return this.#o.extension;
  }

  async start(): Promise<void> {
    const port = this.#o.port;
    this.#stream = await port.audio.open();
    this.#unsubscribe.push(
      // The sound card's capture clock paces playback too: one tone frame per captured frame,
      // so a loaded event loop can stretch a frame but never leave a gap in the tone.
      this.#stream.onFrame((frame) => {
        if (this.#tone) this.#stream?.write(this.#tone.read(new Int16Array(frame.length)));
        if (this.#state === 'connected' || this.#state === 'outgoing') this.#leg?.fromPhone(frame);
      }),
      port.on('offHook', () => this.#offHook()),
      port.on('onHook', () => this.#onHook()),
      port.on('digit', (d) => this.#digit(d)),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#stopTone();
    this.#collector?.cancel();
    await this.#leg?.hangup(causeByName('normal_clearing'));
    await this.#stream?.close();
    this.#stream = undefined;
  }

  health(): ServiceHealth {
    return this.#o.port.state === 'failed'
      ? { status: 'degraded', detail: 'port failed' }
      : { status: 'ok', state: this.#state };
  }

  available(): boolean {
    return this.#state === 'idle' && this.#o.port.hook === 'on' && this.#o.port.state !== 'failed';
  }

  /** An incoming call: ring the phone with caller ID. */
  call(request: OutgoingCallRequest): CallLeg {
    const leg = new FxsLeg(request.callId, this.id, request.from, this);
    if (!this.available()) {
      queueMicrotask(() => leg.end(causeByName('user_busy')));
      return leg;
    }
    this.#leg = leg;
    this.#state = 'ringing';
    const cadence = ringCadence(this.#o.country);
    this.#o.port.ring(cadence, callerIdWithTime(request.from, this.#o.clock, this.#o.timeZone)).then(
      () => leg.ringingStarted(),
      (err: unknown) => {
        this.#log.warn({ err: errorMessage(err) }, 'cannot ring');
        this.#releaseLeg(leg);
        leg.end(causeByName('destination_out_of_order'));
      },
    );
    return leg;
  }

  // --- phone events ---

  #offHook(): void {
    if (this.#state === 'ringing' && this.#leg) {
      void this.#o.port.stopRinging();
      this.#state = 'connected';
      this.#leg.answeredByPhone();
      return;
    }
    if (this.#state !== 'idle') return;
    this.#state = 'dialTone';
    this.#playTone('dial');
    this.#collector = new DigitCollector({
      clock: this.#o.clock,
      patterns: this.#o.dialPlan,
      emergencyNumbers: this.#o.emergencyNumbers,
      onOutcome: (outcome) => this.#dialed(outcome),
    });
    this.#collector.start();
  }

  #digit(d: string): void {
    if (this.#state === 'dialTone' || this.#state === 'dialing') {
      if (this.#state === 'dialTone') this.#stopTone();
      this.#state = 'dialing';
      this.#collector?.digit(d);
    } else if (this.#state === 'connected') {
      this.#leg?.emit('dtmf', d);
    }
  }

  #dialed(outcome: DialOutcome): void {
    this.#collector = undefined;
    if (this.#state !== 'dialing' && this.#state !== 'dialTone') return;
    this.#stopTone();
    if (outcome.kind !== 'dial') {
      this.#log.info({ outcome }, 'no call');
      this.#toneUntilHangup(outcome.kind === 'barred' ? 'sit' : outcome.dialed === '' ? 'congestion' : 'sit');
      return;
    }
    const leg = new FxsLeg(
      this.#o.newCallId(),
      this.id,
      { number: this.#o.extension, ...(this.#o.name ? { name: this.#o.name } : {}) },
      this,
    );
    leg.originating = true;
    this.#leg = leg;
    this.#state = 'outgoing';
    this.#o.onOriginate(leg, outcome);
  }

  #onHook(): void {
    const leg = this.#leg;
    this.#collector?.cancel();
    this.#collector = undefined;
    this.#stopTone();
    this.#state = 'idle';
    if (leg) {
      this.#leg = undefined;
      leg.end(causeByName('normal_clearing'));
    }
  }

  // --- called by the leg ---

  /** The call this phone is in ended from the far side (or was never answered). */
  legEnded(leg: FxsLeg, cause: CauseRow): void {
    if (this.#leg !== leg) return;
    this.#leg = undefined;
    if (this.#state === 'ringing') {
      void this.#o.port.stopRinging();
      this.#state = 'idle';
      return;
    }
    if (this.#o.port.hook === 'off') {
      // The phone is still off hook: tell the caller why with the cause's tone (busy after a normal hang-up).
      const tone: ToneName = cause.tone === 'none' ? 'busy' : cause.tone === 'sit' ? 'sit' : cause.tone;
      this.#toneUntilHangup(tone);
    } else {
      this.#state = 'idle';
    }
  }

  legProgress(leg: FxsLeg, kind: 'ringing' | 'answered'): void {
    if (this.#leg !== leg || this.#state !== 'outgoing') {
      if (kind === 'answered' && this.#leg === leg) this.#stopTone();
      return;
    }
    if (kind === 'ringing') this.#playTone('ringback');
    else {
      this.#stopTone();
      this.#state = 'connected';
    }
  }

  toPhone(frame: Int16Array): void {
    if (this.#tone) return; // a tone is playing; call audio waits
    this.#stream?.write(frame);
  }

  #releaseLeg(leg: FxsLeg): void {
    if (this.#leg === leg) {
      this.#leg = undefined;
      this.#state = 'idle';
    }
  }

  #toneUntilHangup(name: ToneName): void {
    this.#state = 'toneUntilHangup';
    this.#playTone(name);
  }

  #playTone(name: ToneName): void {
    this.#stopTone();
    try {
      this.#tone = toneGenerator(name, this.#o.country);
    } catch {
      this.#tone = toneGenerator(name === 'sit' ? 'congestion' : name, 'us');
    }
  }

  #stopTone(): void {
    this.#tone = undefined;
  }
}

/** The phone's side of a call. */
class FxsLeg extends BaseLeg {
  originating = false;
  readonly #endpoint: FxsEndpoint;

  constructor(id: string, endpoint: string, callerId: CallerId, owner: FxsEndpoint) {
    super(id, endpoint, callerId);
    this.#endpoint = owner;
  }

  sendAudio(frame: Int16Array): void {
    if (this.state !== 'ended') this.#endpoint.toPhone(frame);
  }

  fromPhone(frame: Int16Array): void {
    this.emitAudio(frame);
  }

  progress(kind: 'ringing' | 'answered'): void {
    if (this.originating && kind === 'answered') this.markAnswered();
    this.#endpoint.legProgress(this, kind);
  }

  ringingStarted(): void {
    this.markRinging();
  }

  answeredByPhone(): void {
    this.markAnswered();
  }

  async hangup(cause: CauseRow): Promise<void> {
    this.end(cause);
  }

  end(cause: CauseRow): void {
    if (this.markEnded(cause)) this.#endpoint.legEnded(this, cause);
  }
}

function callerIdWithTime(from: CallerId, clock: Clock, timeZone: string | undefined): CallerId {
  if (from.time) return from;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timeZone ?? 'UTC',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(clock.wallClockMs()));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return {
    ...from,
    time: { month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') },
  };
}
