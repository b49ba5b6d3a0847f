/**
 * The line drivers' LineSignals, built from the media engine (daemon/media):
 * DTMF generation and detection, country tone plans (ring cadences, call
 * progress tones), the tone classifier, and caller ID — Bell 202 and V.23
 * FSK (SDMF/MDMF messages, VMWI) and DTMF CLIP, with the ETSI dual-tone
 * alerting signal. Drivers never import daemon/; the composition root (and
 * the simulator) hands this kit to the FXS/FXO ports and simulated far ends.
 */
import type {
  CallerIdReceiverSink,
  CallerIdStandard,
  CallTone,
  DtmfDetectorSink,
  LineSignals,
  ToneClassifierSink,
} from '../../drivers/line/line-signals.ts';
import type { CallerId, RingCadence } from '../../drivers/line/types.ts';
import { CallerIdDemodulator } from '../media/callerid/callerid-demodulator.ts';
import {
  generateAlertingSignal,
  modulateCallerId,
  modulateMessageWaiting,
} from '../media/callerid/callerid-signals.ts';
import { DtmfDetector } from '../media/dtmf/dtmf-detector.ts';
import { generateDtmf } from '../media/dtmf/dtmf-generator.ts';
import { ToneClassifier } from '../media/tones/tone-classifier.ts';
import { renderTone } from '../media/tones/tone-generator.ts';
import { ringCadence, type ToneName } from '../media/tones/tone-plans.ts';

export interface SignalKitOptions {
  /** Bell caller ID message format (default MDMF, which carries the name). */
  bellFormat?: 'sdmf' | 'mdmf';
  /** Code DTMF CLIP sends for a withheld number (default '10'). */
  dtmfPrivateCode?: string;
}

const TONE_FOR: Record<Exclude<CallTone, 'dtas'>, ToneName> = {
  dial: 'dial',
  busy: 'busy',
  ringback: 'ringback',
  congestion: 'congestion',
  callWaiting: 'callWaiting',
  stutter: 'stutterDial',
};

const CALL_TONE_OF: Partial<Record<ToneName, CallTone>> = {
  dial: 'dial',
  busy: 'busy',
  ringback: 'ringback',
  congestion: 'congestion',
  callWaiting: 'callWaiting',
  stutterDial: 'stutter',
  recallDial: 'dial',
};

export function createSignalKit(options: SignalKitOptions = {}): LineSignals {
  return {
    callerIdAudio(callerId: CallerId, standard: CallerIdStandard): Int16Array {
      return modulateCallerId(callerId, standard, {
        ...(standard === 'bell' && options.bellFormat ? { format: options.bellFormat } : {}),
        ...(options.dtmfPrivateCode ? { dtmfPrivateCode: options.dtmfPrivateCode } : {}),
      });
    },

    messageWaitingAudio(waiting: boolean, standard: CallerIdStandard): Int16Array {
      // DTMF CLIP has no message-waiting message: such lines use V.23 for VMWI.
      return modulateMessageWaiting(waiting, standard === 'bell' ? 'bell' : 'etsi');
    },

    dtmfAudio(digits: string): Int16Array {
      return generateDtmf(digits);
    },

    toneAudio(tone: CallTone, country: string, durationMs: number): Int16Array {
      if (tone === 'dtas') return generateAlertingSignal({ durationMs });
      return renderTone(TONE_FOR[tone], country, durationMs);
    },

    ringCadence(country: string): RingCadence {
      return ringCadence(country);
    },

    createDtmfDetector(): DtmfDetectorSink {
      const detector = new DtmfDetector();
      return {
        push: (frame) =>
          detector
            .process(frame)
            .filter((e) => e.type === 'begin')
            .map((e) => e.digit),
      };
    },

    createToneClassifier(country: string): ToneClassifierSink {
      const classifier = new ToneClassifier({ country });
      return {
        push: (frame) => {
          classifier.process(frame);
          const name = classifier.current?.name;
          return name === undefined ? null : (CALL_TONE_OF[name] ?? null);
        },
      };
    },

    createCallerIdReceiver(): CallerIdReceiverSink {
      let demodulator = new CallerIdDemodulator();
      return {
        push: (frame) => {
          for (const event of demodulator.process(frame)) {
            // A message with a bad checksum is not shown: better no number than a wrong one.
            if (event.kind === 'callerId' && event.checksumOk) return event.callerId;
          }
          return null;
        },
        reset: () => {
          demodulator = new CallerIdDemodulator();
        },
      };
    },
  };
}
