/**
 * Bridges: RTP↔RTP (relay without transcoding when both legs use the same
 * codec, else jitter buffer → decode → encode on each pacer tick) and
 * RTP↔PCM port audio (an FXS/FXO/GSM AudioStream).
 */
import type { AudioStream } from '../../../drivers/audio/types.ts';
import type { FramePacer } from '../pacing/frame-pacer.ts';
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import { applyGain } from './gain.ts';
import type { MediaLeg } from './media-leg.ts';

export type BridgeMode = 'relay' | 'transcode';

export class RtpBridge {
  readonly mode: BridgeMode;
  readonly #a: MediaLeg;
  readonly #b: MediaLeg;
  readonly #pacer: FramePacer;
  #detach: (() => void)[] = [];

  /** `relay` when the legs' laws match and no gain is set, unless `forceTranscode`. */
  constructor(a: MediaLeg, b: MediaLeg, pacer: FramePacer, options: { forceTranscode?: boolean } = {}) {
    this.#a = a;
    this.#b = b;
    this.#pacer = pacer;
    const sameCodec =
      a.law === b.law && a.rxGainDb === 0 && b.rxGainDb === 0 && a.txGainDb === 0 && b.txGainDb === 0;
    this.mode = sameCodec && !options.forceTranscode ? 'relay' : 'transcode';
  }

  start(): void {
    if (this.#detach.length > 0) return;
    if (this.mode === 'relay') {
      // The legs' jitter buffers are bypassed: each far end de-jitters for itself.
      const forward = (to: MediaLeg) => (packet: RtpPacket) => to.session.relay(packet);
      this.#detach.push(this.#a.session.on('packet', forward(this.#b)));
      this.#detach.push(this.#b.session.on('packet', forward(this.#a)));
      return;
    }
    this.#detach.push(
      this.#pacer.add((_tick, _due, now) => {
        this.#b.send(this.#a.receive(now).samples);
        this.#a.send(this.#b.receive(now).samples);
      }),
    );
  }

  stop(): void {
    for (const d of this.#detach) d();
    this.#detach = [];
  }
}

/** RTP leg ↔ port audio: received RTP is played to the port; captured frames are sent on each tick. */
export class PortAudioBridge {
  readonly #leg: MediaLeg;
  readonly #stream: AudioStream;
  readonly #pacer: FramePacer;
  readonly #queue: Int16Array[] = [];
  readonly #silence: Int16Array;
  /** Gain applied to the port's captured audio before encoding. */
  portGainDb: number;
  #detach: (() => void)[] = [];

  constructor(leg: MediaLeg, stream: AudioStream, pacer: FramePacer, options: { portGainDb?: number } = {}) {
    this.#leg = leg;
    this.#stream = stream;
    this.#pacer = pacer;
    this.#silence = new Int16Array(leg.frameSamples);
    this.portGainDb = options.portGainDb ?? 0;
  }

  start(): void {
    if (this.#detach.length > 0) return;
    this.#detach.push(
      this.#stream.onFrame((frame) => {
        // Keep at most three frames: the capture clock and ours differ slightly; drop the oldest.
        if (this.#queue.length >= 3) this.#queue.shift();
        this.#queue.push(Int16Array.from(frame));
      }),
    );
    this.#detach.push(
      this.#pacer.add((_tick, _due, now) => {
        this.#stream.write(Int16Array.from(this.#leg.receive(now).samples));
        const captured = this.#queue.shift() ?? this.#silence;
        applyGain(captured, this.portGainDb);
        this.#leg.send(captured);
      }),
    );
  }

  stop(): void {
    for (const d of this.#detach) d();
    this.#detach = [];
    this.#queue.length = 0;
  }
}
