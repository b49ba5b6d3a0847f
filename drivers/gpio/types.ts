/**
 * GPIO lines as the analog ports use them: inputs with edge events and
 * debounce (switch hook, ring detect, loop current), outputs (ring mode,
 * forward/reverse, line seize). Values are logical: 1 = active, whatever
 * the electrical level; each backend applies `activeLow`.
 */
import type { TypedEmitter } from '../base/typed-emitter.ts';

export type GpioValue = 0 | 1;

export interface GpioLineOptions {
  /** Line offset on the chip (character-device numbering, e.g. BCM number on a Pi). */
  line: number;
  /** True when the signal is active at low voltage. */
  activeLow?: boolean;
  /** Shown as the line's consumer by `gpioinfo`. */
  consumer?: string;
}

export interface GpioInputOptions extends GpioLineOptions {
  /** Changes shorter than this are ignored (contact bounce). 0 = none. */
  debounceMs?: number;
}

export interface GpioOutputOptions extends GpioLineOptions {
  initial?: GpioValue;
}

export interface GpioEdgeEvent {
  value: GpioValue;
  /** Clock time of the change (the first edge of a debounced change, not the time it was confirmed). */
  timeMs: number;
}

export interface GpioInput {
  readonly line: number;
  /** The current (debounced) logical value. */
  read(): GpioValue;
  /** Called on each debounced change. Returns an unsubscribe. */
  onEdge(handler: (event: GpioEdgeEvent) => void): () => void;
  release(): void;
}

export interface GpioOutput {
  readonly line: number;
  readonly value: GpioValue;
  write(value: GpioValue): void;
  release(): void;
}

export interface GpioChipEvents extends Record<string, unknown[]> {
  /** The chip vanished or stopped answering (unplugged HAT, driver unloaded); ports go to `failed`. */
  lost: [string];
}

export interface GpioChip extends TypedEmitter<GpioChipEvents> {
  readonly name: string;
  /** Opens the chip; throws DEVICE_MISSING when it is absent. Idempotent. */
  open(): Promise<void>;
  /** Requests a line as an input; throws PORT_BUSY when already requested, DEVICE_FAILED/MISSING otherwise. */
  requestInput(options: GpioInputOptions): GpioInput;
  requestOutput(options: GpioOutputOptions): GpioOutput;
  /** Releases every line and closes the chip; idempotent. */
  close(): Promise<void>;
}
