/** Listeners of one kind; a throwing listener never breaks the stream that calls it. */
export class ListenerSet<Args extends unknown[]> {
  readonly #listeners = new Set<(...args: Args) => void>();

  add(listener: (...args: Args) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  call(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch {
        // A consumer bug must not kill the byte pump; consumers log their own errors.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
