import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import type { CallerId } from '../../../drivers/line/types.ts';
import { sineAmplitude } from '../../media/tones/level.ts';
import { BaseLeg, type CallLeg, type Endpoint, type OutgoingCallRequest } from '../call-leg.ts';
import { type CauseRow, causeByName } from '../causes.ts';

const FRAME_SAMPLES = 160;
const FRAME_MS = 20;

/** `*43`: answers at once and plays back what it hears, 20 ms later (an installer's loop test). */
class EchoLeg extends BaseLeg {
  constructor(id: string, callerId: CallerId) {
    super(id, 'service:echo', callerId);
    queueMicrotask(() => this.markAnswered());
  }

  sendAudio(frame: Int16Array): void {
    if (this.state === 'answered') this.emitAudio(frame.slice());
  }

  progress(): void {}

  async hangup(cause: CauseRow): Promise<void> {
    this.markEnded(cause);
  }
}

/** `*44`: answers and plays a 1004 Hz test tone at −13 dBm0 (ITU-T O.6 milliwatt-style test signal). */
class TestToneLeg extends BaseLeg {
  readonly #clock: Clock;
  #timer: Timer | undefined;
  #phase = 0;
  readonly #amplitude = sineAmplitude(-13);

  constructor(id: string, callerId: CallerId, clock: Clock) {
    super(id, 'service:tone', callerId);
    this.#clock = clock;
    queueMicrotask(() => {
      this.markAnswered();
      this.#timer = this.#clock.setInterval(FRAME_MS, () => this.emitAudio(this.#frame()));
    });
  }

  #frame(): Int16Array {
    const frame = new Int16Array(FRAME_SAMPLES);
    const step = (2 * Math.PI * 1004) / 8000;
    for (let i = 0; i < frame.length; i++) {
      frame[i] = Math.round(this.#amplitude * Math.sin(this.#phase));
      this.#phase = (this.#phase + step) % (2 * Math.PI);
    }
    return frame;
  }

  sendAudio(): void {}

  progress(): void {}

  async hangup(cause: CauseRow): Promise<void> {
    this.#timer?.cancel();
    this.markEnded(cause);
  }
}

export class ServiceEndpoint implements Endpoint {
  readonly kind = 'service' as const;
  readonly id: string;
  readonly #make: (request: OutgoingCallRequest) => CallLeg;

  constructor(id: string, make: (request: OutgoingCallRequest) => CallLeg) {
    this.id = id;
    this.#make = make;
  }

  available(): boolean {
    return true;
  }

  call(request: OutgoingCallRequest): CallLeg {
    return this.#make(request);
  }
}

export function echoService(): ServiceEndpoint {
  return new ServiceEndpoint('service:echo', (r) => new EchoLeg(r.callId, r.from));
}

export function testToneService(clock: Clock): ServiceEndpoint {
  return new ServiceEndpoint('service:tone', (r) => new TestToneLeg(r.callId, r.from, clock));
}

export const NORMAL_CLEARING = causeByName('normal_clearing');
