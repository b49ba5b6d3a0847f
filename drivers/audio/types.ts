/**
 * Audio devices: 8 kHz mono signed 16-bit PCM in frames (20 ms = 160
 * samples by default). A port, a modem and the simulator all expose one.
 */
export interface PcmFormat {
  /** Samples per second; Linegate uses 8000 throughout. */
  sampleRateHz: number;
  /** Samples per frame delivered to `onFrame` (160 = 20 ms at 8 kHz). */
  frameSamples: number;
}

export const DEFAULT_PCM_FORMAT: PcmFormat = { sampleRateHz: 8000, frameSamples: 160 };

export interface AudioStream {
  /** Queue one frame for the speaker / line (earpiece side of a phone, transmit side of a line). */
  write(frame: Int16Array): void;
  /** Receives each captured frame (mouthpiece of a phone, receive side of a line). Returns an unsubscribe. */
  onFrame(handler: (frame: Int16Array) => void): () => void;
  /** Releases the device; idempotent. */
  close(): Promise<void>;
}

export interface AudioDevice {
  readonly name: string;
  /**
   * Opens a stream. A device may be opened more than once (the port listens
   * for DTMF while the call layer plays and records): every stream receives
   * each captured frame, and frames written by several streams are mixed.
   */
  open(format?: PcmFormat): Promise<AudioStream>;
  /**
   * Reports the device failing (`reason`) and recovering (`null`), e.g. a
   * USB sound card unplugged and back. Optional: in-memory devices never fail.
   */
  onHealth?(handler: (failure: string | null) => void): () => void;
}
