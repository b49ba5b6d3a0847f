/**
 * A byte stream to a device: a serial port, a ser2net TCP socket, or a PTY in
 * tests. Protocol code (the AT engine) only ever sees this interface; how the
 * bytes travel is chosen by an injected factory.
 */
export interface ByteStream {
  /** What was opened (resolved device path or tcp://host:port), for logs. */
  readonly path: string;
  /** Writes bytes; resolves once handed to the OS. Rejects when the stream is closed. */
  write(data: Uint8Array | string): Promise<void>;
  /** Receives every chunk read from the device. Returns an unsubscribe. */
  onData(handler: (chunk: Uint8Array) => void): () => void;
  /**
   * Called once when the stream ends: closed by us (`reason` 'closed') or lost
   * (device unplugged, PTY gone, socket reset). Returns an unsubscribe.
   */
  onClose(handler: (reason: string) => void): () => void;
  readonly isOpen: boolean;
  /** Closes the stream; idempotent. */
  close(): Promise<void>;
}

import type { Clock } from '../base/clock.ts';

export interface ByteStreamOptions {
  /** Bounds close() on a vanished device (default: the system clock). */
  clock?: Clock;
  /** Serial speed; ignored for TCP. Default 115200. */
  baudRate?: number;
  /** Abort an open in progress. */
  signal?: AbortSignal;
}

/** Opens a byte stream for a configured port spec (device path, by-id/USB path, or tcp://host:port). */
export type ByteStreamFactory = (path: string, options?: ByteStreamOptions) => Promise<ByteStream>;
