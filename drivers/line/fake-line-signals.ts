/**
 * A stand-in for the media engine in unit tests of the line logic: every
 * signal is written as whole frames of a constant "marker" sample value, so
 * tests exercise the real timing, hook, GPIO and audio paths without DSP.
 * (The simulator and the cross-room tests use the real media engine through
 * daemon/simulator/signal-kit.ts.)
 */
import type {
  CallerIdReceiverSink,
  CallerIdStandard,
  CallTone,
  DtmfDetectorSink,
  LineSignals,
  ToneClassifierSink,
} from './line-signals.ts';
import type { CallerId, RingCadence } from './types.ts';

const FRAME = 160;
const DTMF_BASE = 1000;
const DATA_BASE = 2000;
const DATA_START = 3000;
const DATA_END = 3001;
const TONE_BASE = 4000;
const TONES: CallTone[] = ['dial', 'busy', 'ringback', 'congestion', 'callWaiting', 'stutter', 'dtas'];

function frames(values: number[]): Int16Array {
  const out = new Int16Array(values.length * FRAME);
  for (let i = 0; i < values.length; i++) out.fill(values[i] ?? 0, i * FRAME, (i + 1) * FRAME);
  return out;
}

/** The marker value of a frame, or null when the frame is not constant. */
export function markerOf(frame: Int16Array): number | null {
  const v = frame[0] ?? 0;
  for (let i = 1; i < frame.length; i++) if (frame[i] !== v) return null;
  return v;
}

export interface FakeDataMessage {
  standard: CallerIdStandard;
  callerId?: CallerId;
  vmwi?: boolean;
}

function dataFrames(message: FakeDataMessage): Int16Array {
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  return frames([DATA_START, ...[...bytes].map((b) => DATA_BASE + b), DATA_END]);
}

/** Collects marker data messages from a stream of frames. */
export class FakeDataReceiver {
  #bytes: number[] | undefined;
  readonly messages: FakeDataMessage[] = [];

  push(frame: Int16Array): FakeDataMessage | null {
    const v = markerOf(frame);
    if (v === DATA_START) this.#bytes = [];
    else if (v === DATA_END && this.#bytes) {
      const msg = JSON.parse(Buffer.from(this.#bytes).toString('utf8')) as FakeDataMessage;
      this.#bytes = undefined;
      this.messages.push(msg);
      return msg;
    } else if (this.#bytes && v !== null && v >= DATA_BASE && v < DATA_BASE + 256)
      this.#bytes.push(v - DATA_BASE);
    return null;
  }
}

export const FAKE_CADENCES: Record<string, number[]> = {
  us: [2000, 4000],
  uk: [400, 200, 400, 2000],
};

export class FakeLineSignals implements LineSignals {
  callerIdAudio(callerId: CallerId, standard: CallerIdStandard): Int16Array {
    return dataFrames({ standard, callerId });
  }

  messageWaitingAudio(waiting: boolean, standard: CallerIdStandard): Int16Array {
    return dataFrames({ standard, vmwi: waiting });
  }

  dtmfAudio(digits: string): Int16Array {
    const values: number[] = [];
    for (const d of digits) values.push(DTMF_BASE + d.charCodeAt(0), DTMF_BASE + d.charCodeAt(0), 0, 0);
    return frames(values);
  }

  toneAudio(tone: CallTone, _country: string, durationMs: number): Int16Array {
    return frames(new Array<number>(Math.ceil(durationMs / 20)).fill(TONE_BASE + TONES.indexOf(tone)));
  }

  ringCadence(country: string): RingCadence {
    return { name: country, patternMs: FAKE_CADENCES[country] ?? [2000, 4000] };
  }

  createDtmfDetector(): DtmfDetectorSink {
    let previous: number | null = 0;
    return {
      push: (frame) => {
        const v = markerOf(frame);
        const out: string[] = [];
        if (v !== null && v !== previous && v > DTMF_BASE && v < DTMF_BASE + 256)
          out.push(String.fromCharCode(v - DTMF_BASE));
        previous = v;
        return out;
      },
    };
  }

  createToneClassifier(): ToneClassifierSink {
    return {
      push: (frame) => {
        const v = markerOf(frame);
        return v !== null && v >= TONE_BASE && v < TONE_BASE + TONES.length
          ? (TONES[v - TONE_BASE] ?? null)
          : null;
      },
    };
  }

  createCallerIdReceiver(): CallerIdReceiverSink {
    let rx = new FakeDataReceiver();
    return {
      push: (frame) => rx.push(frame)?.callerId ?? null,
      reset: () => {
        rx = new FakeDataReceiver();
      },
    };
  }
}
