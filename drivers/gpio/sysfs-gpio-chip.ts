/**
 * Legacy sysfs GPIO (`/sys/class/gpio`), what the `onoff` package uses,
 * written here with node:fs so there is no extra dependency. Current
 * Raspberry Pi kernels number sysfs GPIOs from the chip's base (512 on
 * Pi 4 / bcm2711 since 6.6, 571 on Pi 5 / rp1) instead of 0, so the
 * global number is always `base + offset`, with the base read from
 * `gpiochipN/base` of the chip whose label matches. Kept for old images;
 * the character device (libgpiod-chip.ts) is the default.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

export interface SysfsGpioChipOptions {
  clock: Clock;
  /** Chip label to match (`pinctrl-bcm2711`, `pinctrl-rp1`); default: the chip with the most lines. */
  label?: string;
  /** Default `/sys/class/gpio`; tests point it at a temp tree. */
  root?: string;
  pollIntervalMs?: number;
}

export interface SysfsChipInfo {
  dir: string;
  label: string;
  base: number;
  ngpio: number;
}

/** Lists the gpiochipN entries under a sysfs root. */
export function listSysfsChips(root: string): SysfsChipInfo[] {
  const chips: SysfsChipInfo[] = [];
  for (const entry of readdirSync(root)) {
    if (!/^gpiochip\d+$/.test(entry)) continue;
    const dir = path.join(root, entry);
    try {
      chips.push({
        dir,
        label: readFileSync(path.join(dir, 'label'), 'utf8').trim(),
        base: Number.parseInt(readFileSync(path.join(dir, 'base'), 'utf8'), 10),
        ngpio: Number.parseInt(readFileSync(path.join(dir, 'ngpio'), 'utf8'), 10),
      });
    } catch {
      // A half-registered chip: skip it.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

export class SysfsGpioChip extends TypedEmitter<GpioChipEvents> implements GpioChip {
  readonly name: string;
  readonly #options: SysfsGpioChipOptions;
  readonly #root: string;
  #chip: SysfsChipInfo | undefined;
  readonly #lines = new Map<number, { release(): void }>();

  constructor(options: SysfsGpioChipOptions) {
    super();
    this.#options = options;
    this.#root = options.root ?? '/sys/class/gpio';
    this.name = `sysfs:${options.label ?? 'auto'}`;
  }

  /** The chip found at open(): its base is what moves between kernels. */
  get chipInfo(): SysfsChipInfo | undefined {
    return this.#chip;
  }

  async open(): Promise<void> {
    if (this.#chip) return;
    let chips: SysfsChipInfo[];
    try {
      chips = listSysfsChips(this.#root);
    } catch (err) {
      throw new LinegateError(
        'DEVICE_MISSING',
        `sysfs GPIO is not available at ${this.#root}: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    const label = this.#options.label;
    const chip = label
      ? chips.find((c) => c.label === label)
      : [...chips].sort((a, b) => b.ngpio - a.ngpio || a.base - b.base)[0];
    if (!chip) {
      const seen = chips.map((c) => `${c.label}@${c.base}`).join(', ') || 'none';
      throw new LinegateError(
        'DEVICE_MISSING',
        `no sysfs GPIO chip labelled ${label ?? '(any)'} (found: ${seen})`,
      );
    }
    this.#chip = chip;
  }

  /** The global sysfs number of a line offset on this chip. */
  globalNumber(offset: number): number {
    const chip = this.#requireChip();
    if (offset < 0 || offset >= chip.ngpio) {
      throw new LinegateError(
        'DEVICE_FAILED',
        `line ${offset} is beyond ${chip.label} (${chip.ngpio} lines)`,
      );
    }
    return chip.base + offset;
  }

  requestInput(options: GpioInputOptions): GpioInput {
    const dir = this.#export(options.line, 'in', options.activeLow === true);
    const valueFile = path.join(dir, 'value');
    const input = createPolledInput({
      clock: this.#options.clock,
      line: options.line,
      pollIntervalMs: this.#options.pollIntervalMs ?? 1,
      debounceMs: options.debounceMs ?? 0,
      // active_low is applied by the kernel, so `value` is already logical.
      readRaw: () => (readFileSync(valueFile, 'utf8').trim() === '1' ? 1 : 0),
      onFailure: (reason) => this.emit('lost', `${this.name}: ${reason}`),
      onRelease: () => this.#unexport(options.line),
    });
    this.#lines.set(options.line, input);
    return input;
  }

  requestOutput(options: GpioOutputOptions): GpioOutput {
    const initial = options.initial ?? 0;
    const dir = this.#export(options.line, 'out', options.activeLow === true);
    const valueFile = path.join(dir, 'value');
    let value: GpioValue = initial;
    const write = (v: GpioValue) => {
      try {
        writeFileSync(valueFile, String(v));
        value = v;
      } catch (err) {
        const reason = `${this.name}: line ${options.line} write failed: ${errorMessage(err)}`;
        this.emit('lost', reason);
        throw new LinegateError('DEVICE_FAILED', reason, { cause: err });
      }
    };
    write(initial);
    let released = false;
    const output: GpioOutput = {
      line: options.line,
      get value() {
        return value;
      },
      write,
      release: () => {
        if (released) return;
        released = true;
        this.#unexport(options.line);
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

  #export(offset: number, direction: 'in' | 'out', activeLow: boolean): string {
    if (this.#lines.has(offset)) throw new LinegateError('PORT_BUSY', `line ${offset} is already requested`);
    const n = this.globalNumber(offset);
    const dir = path.join(this.#root, `gpio${n}`);
    try {
      if (!existsSync(dir)) writeFileSync(path.join(this.#root, 'export'), String(n));
      if (!existsSync(dir)) throw new Error(`gpio${n} did not appear after export`);
      // Order matters: active_low before direction so an output never glitches to the wrong level.
      writeFileSync(path.join(dir, 'active_low'), activeLow ? '1' : '0');
      writeFileSync(path.join(dir, 'direction'), direction);
    } catch (err) {
      throw new LinegateError(
        'DEVICE_FAILED',
        `sysfs gpio${n} (line ${offset}) cannot be set up: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    return dir;
  }

  #unexport(offset: number): void {
    this.#lines.delete(offset);
    const chip = this.#chip;
    if (!chip) return;
    try {
      writeFileSync(path.join(this.#root, 'unexport'), String(chip.base + offset));
    } catch {
      // Already unexported or the chip is gone.
    }
  }

  #requireChip(): SysfsChipInfo {
    if (!this.#chip) throw new LinegateError('DEVICE_FAILED', 'sysfs GPIO chip is not open');
    return this.#chip;
  }
}
