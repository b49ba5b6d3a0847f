/**
 * One call leg's media: its RTP session, a jitter buffer on the receive
 * side, G.711 encode on the send side, and per-leg gain both ways.
 */
import { type G711Law, g711Encode, g711PayloadType } from '../g711/g711.ts';
import { type Frame, JitterBuffer, type JitterBufferOptions } from '../jitter/jitter-buffer.ts';
import type { RtpSession } from '../rtp/rtp-session.ts';
import { applyGain } from './gain.ts';

export interface MediaLegOptions {
  session: RtpSession;
  /** The law we send (negotiated); receive decodes whatever PT 0/8 arrives. */
  law: G711Law;
  ptimeMs?: number;
  /** Gain applied to what we receive (towards the other side) and to what we send. */
  rxGainDb?: number;
  txGainDb?: number;
  jitter?: JitterBufferOptions;
}

export class MediaLeg {
  readonly session: RtpSession;
  readonly jitter: JitterBuffer;
  readonly law: G711Law;
  readonly frameSamples: number;
  rxGainDb: number;
  txGainDb: number;
  readonly #encoded: Uint8Array;
  readonly #txScratch: Int16Array;
  readonly #unsubscribe: () => void;

  constructor(options: MediaLegOptions) {
    const ptimeMs = options.ptimeMs ?? 20;
    this.session = options.session;
    this.law = options.law;
    this.frameSamples = ptimeMs * 8;
    this.rxGainDb = options.rxGainDb ?? 0;
    this.txGainDb = options.txGainDb ?? 0;
    this.jitter = new JitterBuffer({ ptimeMs, ...options.jitter });
    this.#encoded = new Uint8Array(this.frameSamples);
    this.#txScratch = new Int16Array(this.frameSamples);
    this.#unsubscribe = this.session.on('packet', (packet, arrivalMs) => this.jitter.put(packet, arrivalMs));
  }

  /** The frame to play now (decoded, concealed or silence), with receive gain applied in place. */
  receive(nowMs: number): Frame {
    const frame = this.jitter.get(nowMs);
    applyGain(frame.samples, this.rxGainDb);
    return frame;
  }

  /** Encodes and sends one frame of PCM. */
  send(pcm: Int16Array): boolean {
    let source = pcm;
    if (this.txGainDb !== 0) {
      this.#txScratch.set(pcm.subarray(0, this.frameSamples));
      applyGain(this.#txScratch, this.txGainDb);
      source = this.#txScratch;
    }
    g711Encode(this.law, source, this.#encoded);
    // The session serialises synchronously, so the encode buffer can be reused.
    return this.session.sendAudio(this.#encoded, { payloadType: g711PayloadType(this.law) });
  }

  detach(): void {
    this.#unsubscribe();
  }
}
