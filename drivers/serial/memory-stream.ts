import { LinegateError } from '../base/errors.ts';
import { ListenerSet } from './listener-set.ts';
import type { ByteStream } from './types.ts';

/**
 * An in-memory byte stream for unit tests: what the code under test writes is
 * recorded (`written`), and the test pushes device output with `emitData`.
 * Data is delivered synchronously so fake-clock tests stay deterministic.
 */
export class MemoryByteStream implements ByteStream {
  readonly path: string;
  readonly writes: string[] = [];
  readonly #data = new ListenerSet<[Uint8Array]>();
  readonly #close = new ListenerSet<[string]>();
  #open = true;
  /** Called for each write (a fake device answers from here). */
  onWrite: ((text: string) => void) | undefined;

  constructor(path = 'memory://modem') {
    this.path = path;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Everything written so far, as latin1 text. */
  get written(): string {
    return this.writes.join('');
  }

  async write(data: Uint8Array | string): Promise<void> {
    if (!this.#open) throw new LinegateError('DEVICE_MISSING', `${this.path} is closed`);
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    this.writes.push(text);
    this.onWrite?.(text);
  }

  onData(handler: (chunk: Uint8Array) => void): () => void {
    return this.#data.add(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    return this.#close.add(handler);
  }

  /** Device output (string as latin1 bytes). */
  emitData(data: string | Uint8Array): void {
    if (!this.#open) return;
    this.#data.call(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Simulates the device vanishing. */
  lose(reason = 'device lost'): void {
    if (!this.#open) return;
    this.#open = false;
    this.#close.call(reason);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#close.call('closed');
  }

  /**
   * Two connected ends, like a PTY pair in memory: what one writes the other
   * receives (synchronously). `lose()` on either end loses both.
   */
  static pair(nearPath = 'memory://near', farPath = 'memory://far'): [MemoryByteStream, MemoryByteStream] {
    const near = new MemoryByteStream(nearPath);
    const far = new MemoryByteStream(farPath);
    near.onWrite = (text) => far.emitData(text);
    far.onWrite = (text) => near.emitData(text);
    near.onClose((reason) => far.lose(reason));
    far.onClose((reason) => near.lose(reason));
    return [near, far];
  }
}
