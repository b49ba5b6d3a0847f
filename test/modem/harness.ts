import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import { AtGsmModem, type AtGsmModemOptions } from '../../drivers/modem/at-gsm-modem.ts';
import { SimulatedModem, type SimulatedModemOptions } from '../../drivers/modem/sim/simulated-modem.ts';
import type { GsmModemEvents, IncomingSms } from '../../drivers/modem/types.ts';
import { openByteStream } from '../../drivers/serial/open-byte-stream.ts';
import { socatAvailable } from '../../drivers/serial/socat-pty-pair.ts';

export const HAVE_SOCAT = socatAvailable();
export const SKIP_REASON = 'socat is not installed (apt-get install socat)';

/** Timings short enough for tests, long enough for a loaded 2-core box. */
export const FAST: Partial<AtGsmModemOptions> = {
  healthIntervalMs: 200,
  probeTimeoutMs: 300,
  probeFailuresBeforeLost: 2,
  rebootWaitMs: 300,
  reopenRetryMs: 100,
  reopenTimeoutMs: 3000,
  bannerSettleMs: 200,
  recoveryBackoffMs: { baseMs: 200, maxMs: 1000 },
  callPollMs: 100,
  readyWaitMs: 10_000,
  ussdTimeoutMs: 2000,
};

export interface Rig {
  sim: SimulatedModem;
  modem: AtGsmModem;
  received: IncomingSms[];
  events: string[];
  stop(): Promise<void>;
}

/** A simulated modem on a socat PTY and the real AtGsmModem opened on it through serialport. */
export async function startRig(
  simOptions: Partial<SimulatedModemOptions> = {},
  modemOptions: Partial<AtGsmModemOptions> = {},
  open = true,
): Promise<Rig> {
  const clock = new SystemClock();
  const logger = silentLogger();
  const sim = new SimulatedModem({
    id: 'gsm1',
    clock,
    logger,
    rebootMs: 300,
    reportDelayMs: 100,
    ...simOptions,
  });
  await sim.start();
  const modem = new AtGsmModem({
    id: 'gsm1',
    port: sim.portPath,
    openStream: openByteStream,
    clock,
    logger,
    ...FAST,
    ...modemOptions,
  });
  const received: IncomingSms[] = [];
  const events: string[] = [];
  modem.on('sms', (s) => received.push(s));
  modem.on('lost', (r) => events.push(`lost:${r}`));
  modem.on('recovered', () => events.push('recovered'));
  modem.on('ring', (c) => events.push(`ring:${c.number ?? c.absence}`));
  modem.on('callAnswered', () => events.push('answered'));
  modem.on('callEnded', (r) => events.push(`ended:${r}`));
  if (open) await modem.open(new AbortController().signal);
  return {
    sim,
    modem,
    received,
    events,
    async stop() {
      await modem.close();
      await sim.stop();
    },
  };
}

/** Resolves with the event's arguments, or rejects after `timeoutMs` (real time: these tests use real peers). */
export function nextEvent<K extends keyof GsmModemEvents & string>(
  emitter: TypedEmitter<GsmModemEvents>,
  event: K,
  timeoutMs = 5000,
): Promise<GsmModemEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Polls `predicate` until true or the time is up (real peers, real time). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
