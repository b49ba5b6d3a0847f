/**
 * A GPIO chip in memory, for tests and the simulator. Inputs are driven by
 * `setLevel()` / `scheduleLevels()` (edges injected on the Clock); outputs
 * are observed with `level()` and `onOutput()`. `vanish()` simulates an
 * unplugged HAT.
 */
import type { Clock } from '../base/clock.ts';
import { LinegateError } from '../base/errors.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import { EdgeDebouncer } from './edge-debouncer.ts';
import type {
  GpioChip,
  GpioChipEvents,
  GpioEdgeEvent,
  GpioInput,
  GpioInputOptions,
  GpioOutput,
  GpioOutputOptions,
  GpioValue,
} from './types.ts';

export interface FakeGpioChipOptions {
  name?: string;
  lines?: number;
}

type OutputListener = (line: number, level: GpioValue, timeMs: number) => void;

export class FakeGpioChip extends TypedEmitter<GpioChipEvents> implements GpioChip {
  readonly name: string;
  readonly #clock: Clock;
  readonly #lineCount: number;
  /** Electrical levels as seen on the pins. */
  readonly #levels = new Map<number, GpioValue>();
  readonly #requested = new Set<number>();
  readonly #inputWatchers = new Map<number, Set<(level: GpioValue) => void>>();
  readonly #outputListeners = new Set<OutputListener>();
  #missing: string | undefined;

  constructor(clock: Clock, options: FakeGpioChipOptions = {}) {
    super();
    this.#clock = clock;
    this.name = options.name ?? 'fake0';
    this.#lineCount = options.lines ?? 64;
  }

  async open(): Promise<void> {
    this.#assertPresent();
  }

  requestInput(options: GpioInputOptions): GpioInput {
    this.#claim(options.line);
    const invert = options.activeLow === true;
    const logical = (level: GpioValue): GpioValue => (invert ? ((1 - level) as GpioValue) : level);
    const handlers = new Set<(event: GpioEdgeEvent) => void>();
    const debouncer = new EdgeDebouncer(
      this.#clock,
      options.debounceMs ?? 0,
      logical(this.#levels.get(options.line) ?? 0),
      (event) => {
        for (const h of [...handlers]) h(event);
      },
    );
    const watcher = (level: GpioValue) => debouncer.sample(logical(level));
    this.#watch(options.line, watcher);
    let released = false;
    return {
      line: options.line,
      read: () => debouncer.value,
      onEdge: (handler) => {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
      release: () => {
        if (released) return;
        released = true;
        debouncer.dispose();
        handlers.clear();
        this.#inputWatchers.get(options.line)?.delete(watcher);
        this.#requested.delete(options.line);
      },
    };
  }

  requestOutput(options: GpioOutputOptions): GpioOutput {
    this.#claim(options.line);
    const invert = options.activeLow === true;
    let value: GpioValue = options.initial ?? 0;
    let released = false;
    const drive = (v: GpioValue) => {
      const level = invert ? ((1 - v) as GpioValue) : v;
      if (this.#levels.get(options.line) === level) return;
      this.#levels.set(options.line, level);
      const now = this.#clock.now();
      for (const l of [...this.#outputListeners]) l(options.line, level, now);
    };
    drive(value);
    return {
      line: options.line,
      get value() {
        return value;
      },
      write: (v) => {
        if (released) throw new LinegateError('DEVICE_FAILED', `line ${options.line} was released`);
        if (this.#missing !== undefined) throw new LinegateError('DEVICE_MISSING', this.#missing);
        value = v;
        drive(v);
      },
      release: () => {
        if (released) return;
        released = true;
        this.#requested.delete(options.line);
      },
    };
  }

  async close(): Promise<void> {
    this.#requested.clear();
    this.#inputWatchers.clear();
  }

  // --- simulation side ---

  /** Sets the electrical level of an input pin now. */
  setLevel(line: number, level: GpioValue): void {
    if (this.#levels.get(line) === level) return;
    this.#levels.set(line, level);
    for (const w of [...(this.#inputWatchers.get(line) ?? [])]) w(level);
  }

  /** Injects level changes at clock offsets from now: `[[0, 1], [60, 0], ...]`. Returns a cancel. */
  scheduleLevels(line: number, steps: ReadonlyArray<readonly [number, GpioValue]>): () => void {
    const timers = steps.map(([atMs, level]) => this.#clock.setTimer(atMs, () => this.setLevel(line, level)));
    return () => {
      for (const t of timers) t.cancel();
    };
  }

  /** The electrical level of a pin (outputs as driven by the port). */
  level(line: number): GpioValue {
    return this.#levels.get(line) ?? 0;
  }

  /** Observes every output change: line, electrical level, clock time. */
  onOutput(listener: OutputListener): () => void {
    this.#outputListeners.add(listener);
    return () => this.#outputListeners.delete(listener);
  }

  isRequested(line: number): boolean {
    return this.#requested.has(line);
  }

  /** Simulates the chip disappearing: `lost` is emitted and requests fail until `restore()`. */
  vanish(reason = `GPIO chip ${this.name} vanished`): void {
    this.#missing = reason;
    this.#requested.clear();
    this.#inputWatchers.clear();
    this.emit('lost', reason);
  }

  restore(): void {
    this.#missing = undefined;
  }

  #watch(line: number, watcher: (level: GpioValue) => void): void {
    let set = this.#inputWatchers.get(line);
    if (!set) {
      set = new Set();
      this.#inputWatchers.set(line, set);
    }
    set.add(watcher);
  }

  #claim(line: number): void {
    this.#assertPresent();
    if (!Number.isInteger(line) || line < 0 || line >= this.#lineCount) {
      throw new LinegateError('DEVICE_FAILED', `line ${line} does not exist on ${this.name}`);
    }
    if (this.#requested.has(line))
      throw new LinegateError('PORT_BUSY', `line ${line} on ${this.name} is already requested`);
    this.#requested.add(line);
  }

  #assertPresent(): void {
    if (this.#missing !== undefined) throw new LinegateError('DEVICE_MISSING', this.#missing);
  }
}
