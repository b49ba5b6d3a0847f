import { SerialPort } from 'serialport';
import { type Clock, SystemClock } from '../base/clock.ts';
import { LinegateError } from '../base/errors.ts';
import { ListenerSet } from './listener-set.ts';
import type { ByteStream, ByteStreamOptions } from './types.ts';

/** A ByteStream over serialport 13 (a real tty or a PTY). */
export class SerialPortStream implements ByteStream {
  readonly path: string;
  readonly #port: SerialPort;
  readonly #data = new ListenerSet<[Uint8Array]>();
  readonly #close = new ListenerSet<[string]>();
  readonly #clock: Clock;
  #ended = false;
  #closingByUs = false;

  private constructor(port: SerialPort, path: string, clock: Clock) {
    this.#port = port;
    this.path = path;
    this.#clock = clock;
    port.on('data', (chunk: Buffer) => this.#data.call(chunk));
    port.on('error', (err: Error) => this.#end(`error: ${err.message}`));
    port.on('close', (err?: { disconnected?: boolean; message?: string } | null) => {
      this.#end(this.#closingByUs ? 'closed' : `lost: ${err?.message ?? 'port closed'}`);
    });
  }

  static async open(path: string, options: ByteStreamOptions = {}): Promise<SerialPortStream> {
    options.signal?.throwIfAborted();
    const port = new SerialPort({ path, baudRate: options.baudRate ?? 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (!err) return resolve();
        const busy = /lock|busy/i.test(err.message);
        reject(
          new LinegateError(busy ? 'PORT_BUSY' : 'DEVICE_MISSING', `cannot open ${path}: ${err.message}`),
        );
      });
    });
    return new SerialPortStream(port, path, options.clock ?? new SystemClock());
  }

  get isOpen(): boolean {
    return !this.#ended && this.#port.isOpen;
  }

  write(data: Uint8Array | string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new LinegateError('DEVICE_MISSING', `${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.#port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => {
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
    if (this.#port.isOpen) {
      // A port whose device vanished may never call back: do not let recovery hang on it.
      await new Promise<void>((resolve) => {
        const timer = this.#clock.setTimer(2000, resolve);
        this.#port.close(() => {
          timer.cancel();
          resolve();
        });
      });
    }
    this.#end('closed');
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#close.call(reason);
    this.#data.clear();
    this.#close.clear();
    this.#port.removeAllListeners('data');
    if (this.#port.isOpen) this.#port.close(() => {});
  }
}
