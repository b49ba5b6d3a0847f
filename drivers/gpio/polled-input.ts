import type { Clock, Timer } from '../base/clock.ts';
import { errorMessage } from '../base/errors.ts';
import { EdgeDebouncer } from './edge-debouncer.ts';
import type { GpioEdgeEvent, GpioInput, GpioValue } from './types.ts';

/**
 * An input built from a raw read function sampled on the Clock. Used by the
 * backends that cannot wait for kernel edge events from Node without a
 * native poll(2) (sysfs, and node-libgpiod builds without event support).
 * A 1 ms poll resolves pulse-dial edges (≥ 15 ms) with margin.
 */
export function createPolledInput(options: {
  clock: Clock;
  line: number;
  pollIntervalMs: number;
  debounceMs: number;
  readRaw: () => GpioValue;
  onFailure: (reason: string) => void;
  onRelease: () => void;
}): GpioInput {
  const handlers = new Set<(event: GpioEdgeEvent) => void>();
  const debouncer = new EdgeDebouncer(options.clock, options.debounceMs, options.readRaw(), (event) => {
    for (const h of [...handlers]) h(event);
  });
  let released = false;
  const timer: Timer = options.clock.setInterval(options.pollIntervalMs, () => {
    try {
      debouncer.sample(options.readRaw());
    } catch (err) {
      timer.cancel();
      options.onFailure(`line ${options.line} read failed: ${errorMessage(err)}`);
    }
  });
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
      timer.cancel();
      debouncer.dispose();
      handlers.clear();
      options.onRelease();
    },
  };
}
