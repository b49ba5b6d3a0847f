import { type Socket, connect } from 'node:net';
import { type Clock, SystemClock } from '../base/clock.ts';
import { LinegateError } from '../base/errors.ts';
import { ListenerSet } from './listener-set.ts';
import type { ByteStream, ByteStreamOptions } from './types.ts';

/** A ByteStream over TCP, for modems exported by ser2net (`tcp://host:port`). */
export class TcpByteStream implements ByteStream {
  readonly path: string;
  readonly #socket: Socket;
  readonly #data = new ListenerSet<[Uint8Array]>();
  readonly #close = new ListenerSet<[string]>();
  readonly #clock: Clock;
  #ended = false;
  #closingByUs = false;

  private constructor(socket: Socket, path: string, clock: Clock) {
    this.#socket = socket;
    this.path = path;
    this.#clock = clock;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#data.call(chunk));
    socket.on('error', (err) => this.#end(`error: ${err.message}`));
    socket.on('close', () => this.#end(this.#closingByUs ? 'closed' : 'lost: connection closed'));
  }

  static async open(url: string, options: ByteStreamOptions = {}): Promise<TcpByteStream> {
    const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
    if (!match)
      throw new LinegateError('CONFIG_INVALID', `bad TCP port spec "${url}" (want tcp://host:port)`);
    const host = match[1]!.replace(/^\[|\]$/g, '');
    const port = Number(match[2]);
    options.signal?.throwIfAborted();
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      const onAbort = () => {
        s.destroy();
        reject(new LinegateError('DEVICE_MISSING', `open ${url} aborted`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      s.once('connect', () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(s);
      });
      s.once('error', (err) => {
        options.signal?.removeEventListener('abort', onAbort);
        reject(new LinegateError('DEVICE_MISSING', `cannot connect to ${url}: ${err.message}`));
      });
    });
    return new TcpByteStream(socket, url, options.clock ?? new SystemClock());
  }

  get isOpen(): boolean {
    return !this.#ended;
  }

  write(data: Uint8Array | string): Promise<void> {
    if (this.#ended) return Promise.reject(new LinegateError('DEVICE_MISSING', `${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.#socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => {
        if (err) reject(new LinegateError('DEVICE_FAILED', `write to ${this.path}: ${err.message}`));
        else resolve();
      });
    });
  }

  onData(handler: (chunk: Uint8Array) => void): () => void {
    return this.#data.add(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    return this.#close.add(handler);
  }

  async close(): Promise<void> {
    if (this.#ended) return;
    this.#closingByUs = true;
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimer(2000, () => {
        this.#socket.destroy();
        resolve();
      });
      this.#socket.once('close', () => {
        timer.cancel();
        resolve();
      });
      this.#socket.end();
      this.#socket.destroySoon();
    });
    this.#end('closed');
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#close.call(reason);
    this.#data.clear();
    this.#close.clear();
    this.#socket.destroy();
  }
}
