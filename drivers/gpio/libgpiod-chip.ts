/**
 * The GPIO character device (`/dev/gpiochipN`) through `node-libgpiod`, an
 * optional native dependency built against Debian's `libgpiod-dev`. It is
 * loaded with a dynamic import so the daemon runs (sim board, modems only)
 * where it is not installed; a board that needs it gets a clear
 * DEVICE_MISSING error naming the package to install.
 */
import type { Clock } from '../base/clock.ts';
import { errorMessage, LinegateError } from '../base/errors.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import { createPolledInput } from './polled-input.ts';
import type {
  GpioChip,
  GpioChipEvents,
  GpioInput,
  GpioInputOptions,
  GpioOutput,
  GpioOutputOptions,
  GpioValue,
} from './types.ts';

/** The part of node-libgpiod (0.5/0.6 `Line`, libgpiod 1.6 API) this backend uses. */
export interface LibgpiodLine {
  requestInputMode(consumer?: string): void;
  requestOutputMode(consumer?: string, defaultValue?: 0 | 1): void;
  getValue(): number;
  setValue(value: number): void;
  release(): void;
}

export interface LibgpiodModule {
  Chip: new (name: string) => { getLine(offset: number): LibgpiodLine };
}

export interface LibgpiodChipOptions {
  /** `/dev/gpiochip0` or `gpiochip0`. */
  device: string;
  clock: Clock;
  pollIntervalMs?: number;
  /** Loads the binding; default `import('node-libgpiod')`. Injected by tests. */
  loadModule?: () => Promise<LibgpiodModule>;
}

export const LIBGPIOD_MISSING_MESSAGE =
  'the GPIO character-device backend needs the optional npm package "node-libgpiod", built against ' +
  'libgpiod: run `apt-get install libgpiod-dev` and then `npm install node-libgpiod`';

async function importLibgpiod(): Promise<LibgpiodModule> {
  // A variable specifier keeps bundlers and tsc from resolving the optional package.
  const specifier = 'node-libgpiod';
  const mod = (await import(specifier)) as { default?: LibgpiodModule } & Partial<LibgpiodModule>;
  const resolved = mod.Chip ? (mod as LibgpiodModule) : mod.default;
  if (!resolved?.Chip) throw new Error('node-libgpiod has no Chip export');
  return resolved;
}

export class LibgpiodChip extends TypedEmitter<GpioChipEvents> implements GpioChip {
  readonly name: string;
  readonly #options: LibgpiodChipOptions;
  #chip: { getLine(offset: number): LibgpiodLine } | undefined;
  readonly #lines = new Map<number, { release(): void }>();

  constructor(options: LibgpiodChipOptions) {
    super();
    this.#options = options;
    this.name = options.device;
  }

  async open(): Promise<void> {
    if (this.#chip) return;
    let mod: LibgpiodModule;
    try {
      mod = await (this.#options.loadModule ?? importLibgpiod)();
    } catch (err) {
      throw new LinegateError('DEVICE_MISSING', `${LIBGPIOD_MISSING_MESSAGE} (${errorMessage(err)})`, {
        cause: err,
      });
    }
    const chipName = this.#options.device.replace(/^\/dev\//, '');
    try {
      this.#chip = new mod.Chip(chipName);
    } catch (err) {
      throw new LinegateError(
        'DEVICE_MISSING',
        `GPIO chip ${this.#options.device} cannot be opened: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  requestInput(options: GpioInputOptions): GpioInput {
    const line = this.#requestLine(options.line, (l) => l.requestInputMode(options.consumer ?? 'linegate'));
    const invert = options.activeLow === true;
    const input = createPolledInput({
      clock: this.#options.clock,
      line: options.line,
      pollIntervalMs: this.#options.pollIntervalMs ?? 1,
      debounceMs: options.debounceMs ?? 0,
      readRaw: () => {
        const raw = line.getValue() ? 1 : 0;
        return (invert ? 1 - raw : raw) as GpioValue;
      },
      onFailure: (reason) => this.emit('lost', `${this.name}: ${reason}`),
      onRelease: () => this.#releaseLine(options.line, line),
    });
    this.#lines.set(options.line, input);
    return input;
  }

  requestOutput(options: GpioOutputOptions): GpioOutput {
    const invert = options.activeLow === true;
    const physical = (v: GpioValue): GpioValue => (invert ? ((1 - v) as GpioValue) : v);
    let value: GpioValue = options.initial ?? 0;
    const line = this.#requestLine(options.line, (l) =>
      l.requestOutputMode(options.consumer ?? 'linegate', physical(value)),
    );
    let released = false;
    const output: GpioOutput = {
      line: options.line,
      get value() {
        return value;
      },
      write: (v) => {
        try {
          line.setValue(physical(v));
          value = v;
        } catch (err) {
          const reason = `${this.name}: line ${options.line} write failed: ${errorMessage(err)}`;
          this.emit('lost', reason);
          throw new LinegateError('DEVICE_FAILED', reason, { cause: err });
        }
      },
      release: () => {
        if (released) return;
        released = true;
        this.#releaseLine(options.line, line);
      },
    };
    this.#lines.set(options.line, output);
    return output;
  }

  async close(): Promise<void> {
    for (const l of [...this.#lines.values()]) l.release();
    this.#lines.clear();
    this.#chip = undefined;
  }

  #requestLine(offset: number, request: (line: LibgpiodLine) => void): LibgpiodLine {
    if (!this.#chip) throw new LinegateError('DEVICE_FAILED', `GPIO chip ${this.name} is not open`);
    if (this.#lines.has(offset))
      throw new LinegateError('PORT_BUSY', `line ${offset} on ${this.name} is already requested`);
    try {
      const line = this.#chip.getLine(offset);
      request(line);
      return line;
    } catch (err) {
      // EBUSY here usually means another program (or a kernel driver) holds the line.
      throw new LinegateError(
        'DEVICE_FAILED',
        `line ${offset} on ${this.name} cannot be requested: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  #releaseLine(offset: number, line: LibgpiodLine): void {
    this.#lines.delete(offset);
    try {
      line.release();
    } catch {
      // The chip may already be gone; nothing left to free.
    }
  }
}
