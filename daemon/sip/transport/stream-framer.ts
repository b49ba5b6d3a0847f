import { findHeaderEnd } from '../message/parser.ts';

export type FramerOutput =
  | { kind: 'message'; bytes: Buffer }
  /** A CRLFCRLF ping (RFC 5626 §3.5.1); the connection answers with a CRLF pong. */
  | { kind: 'ping' }
  /** Unrecoverable framing (bad or missing Content-Length, oversize): close this connection only. */
  | { kind: 'error'; reason: string };

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/im;

/**
 * Cuts a TCP/TLS byte stream into SIP messages by Content-Length
 * (RFC 3261 §18.3). Works with any chunking, down to one byte at a time,
 * and with several pipelined messages in one chunk.
 */
export class SipStreamFramer {
  readonly #maxMessageBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  #failed = false;

  constructor(maxMessageBytes = 65535) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  push(chunk: Buffer): FramerOutput[] {
    if (this.#failed) return [];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: FramerOutput[] = [];
    for (;;) {
      // Leading CRLFs: keep-alive pings (double CRLF) or stray line ends between messages.
      let skip = 0;
      while (skip + 1 < this.#buffer.length && this.#buffer[skip] === 0x0d && this.#buffer[skip + 1] === 0x0a)
        skip += 2;
      if (skip > 0) {
        if (skip >= 4) out.push({ kind: 'ping' });
        this.#buffer = this.#buffer.subarray(skip);
      }
      if (this.#buffer.length === 0) break;
      const headerEnd = findHeaderEnd(this.#buffer);
      if (headerEnd < 0) {
        if (this.#buffer.length > this.#maxMessageBytes) return this.#fail(out, 'header section too large');
        break;
      }
      const head = this.#buffer.toString('latin1', 0, headerEnd);
      const matches = head.split('\r\n').filter((l) => CONTENT_LENGTH.test(l));
      if (matches.length !== 1) {
        return this.#fail(
          out,
          matches.length === 0 ? 'missing Content-Length on a stream' : 'more than one Content-Length',
        );
      }
      const value = CONTENT_LENGTH.exec(matches[0] as string)?.[1] ?? '';
      if (!/^\d{1,10}$/.test(value)) return this.#fail(out, 'invalid Content-Length');
      const total = headerEnd + 4 + Number(value);
      if (total > this.#maxMessageBytes) return this.#fail(out, 'message too large');
      if (this.#buffer.length < total) break;
      out.push({ kind: 'message', bytes: Buffer.from(this.#buffer.subarray(0, total)) });
      this.#buffer = this.#buffer.subarray(total);
    }
    if (this.#buffer.length > 0 && this.#buffer.byteOffset > 0) this.#buffer = Buffer.from(this.#buffer);
    return out;
  }

  /** Bytes held waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.#buffer.length;
  }

  #fail(out: FramerOutput[], reason: string): FramerOutput[] {
    this.#failed = true;
    this.#buffer = Buffer.alloc(0);
    out.push({ kind: 'error', reason });
    return out;
  }
}
