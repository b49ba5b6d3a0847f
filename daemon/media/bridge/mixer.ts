/**
 * Conference mixing: each leg hears the sum of all the others (mix-minus),
 * never itself, saturated to 16 bits. A leg with no frame this tick (not
 * started, muted) contributes silence.
 */
export function mixMinusOne(
  inputs: readonly (Int16Array | null)[],
  outputs: readonly Int16Array[],
  frameSamples = 160,
): void {
  const total = new Int32Array(frameSamples);
  for (const input of inputs) {
    if (!input) continue;
    for (let i = 0; i < frameSamples; i++) total[i]! += input[i] ?? 0;
  }
  inputs.forEach((input, leg) => {
    const out = outputs[leg];
    if (!out) return;
    for (let i = 0; i < frameSamples; i++) {
      const v = total[i]! - (input ? (input[i] ?? 0) : 0);
      out[i] = Math.min(32767, Math.max(-32768, v));
    }
  });
}

/** A 3-party (or N-party) conference fed once per tick. */
export class ConferenceMixer {
  readonly #frameSamples: number;
  readonly #inputs = new Map<string, Int16Array | null>();
  readonly #outputs = new Map<string, Int16Array>();

  constructor(frameSamples = 160) {
    this.#frameSamples = frameSamples;
  }

  addLeg(id: string): void {
    this.#inputs.set(id, null);
    this.#outputs.set(id, new Int16Array(this.#frameSamples));
  }

  removeLeg(id: string): void {
    this.#inputs.delete(id);
    this.#outputs.delete(id);
  }

  get legs(): string[] {
    return [...this.#inputs.keys()];
  }

  /** Sets what a leg said this tick (copied). */
  input(id: string, frame: Int16Array | null): void {
    if (!this.#inputs.has(id)) return;
    this.#inputs.set(id, frame ? Int16Array.from(frame) : null);
  }

  /** Mixes the tick; returns what each leg hears (buffers reused next tick) and clears the inputs. */
  mix(): Map<string, Int16Array> {
    const ids = this.legs;
    mixMinusOne(
      ids.map((id) => this.#inputs.get(id) ?? null),
      ids.map((id) => this.#outputs.get(id)!),
      this.#frameSamples,
    );
    for (const id of ids) this.#inputs.set(id, null);
    return this.#outputs;
  }
}
