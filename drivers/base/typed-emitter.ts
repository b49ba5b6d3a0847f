import { EventEmitter } from 'node:events';

/** A map from event name to its argument tuple, e.g. `{ offHook: []; digit: [string] }`. */
export type EventMap = Record<string, unknown[]>;

/**
 * Node's EventEmitter with typed events. A listener that throws is caught
 * by `emit` and reported on `listenerError`, so one broken consumer never
 * breaks the others or the driver that emitted.
 */
export class TypedEmitter<Events extends EventMap> {
  readonly #emitter = new EventEmitter();
  #onListenerError: (event: string, err: unknown) => void = () => {};

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): () => void {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): void {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof Events & string>(event: K, ...args: Events[K]): boolean {
    const listeners = this.#emitter.listeners(event) as ((...a: Events[K]) => void)[];
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
    return listeners.length > 0;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }

  /** Where errors thrown by listeners go (default: swallowed). */
  onListenerError(handler: (event: string, err: unknown) => void): void {
    this.#onListenerError = handler;
  }
}
