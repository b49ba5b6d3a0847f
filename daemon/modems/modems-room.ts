import type { Clock } from '../../drivers/base/clock.ts';
import { errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';
import type { ModemPortProfile } from '../../drivers/board/board-profile.ts';
import { AtGsmModem } from '../../drivers/modem/at-gsm-modem.ts';
import { type SimFlavour, SimulatedModem } from '../../drivers/modem/sim/simulated-modem.ts';
import { MemoryByteStream } from '../../drivers/serial/memory-stream.ts';
import { openByteStream } from '../../drivers/serial/open-byte-stream.ts';
import { socatAvailable } from '../../drivers/serial/socat-pty-pair.ts';
import type { ByteStream, ByteStreamFactory } from '../../drivers/serial/types.ts';
import type { LinegateConfig } from '../config/schema.ts';

export interface ModemsRoomOptions {
  modems: readonly ModemPortProfile[];
  config: LinegateConfig;
  clock: Clock;
  logger: Logger;
}

const FLAVOURS: readonly string[] = ['generic', 'sim800', 'sim7600', 'quectel', 'huawei'];

/**
 * The board's GSM modems. A simulated modem speaks AT on the far side of a
 * socat pseudo-terminal so the real serialport path runs (an in-memory pair
 * when socat is missing). Modems open in the background with retries: a
 * missing or slow modem never holds up the daemon's start.
 */
export class ModemsRoom implements Service {
  readonly name = 'modems';
  readonly modems = new Map<string, AtGsmModem>();
  readonly simulated = new Map<string, SimulatedModem>();
  readonly #log: Logger;
  readonly #abort = new AbortController();

  /** How each simulated modem's far end is attached (decided at start: PTY or memory). */
  readonly #simStreams = new Map<string, () => Promise<ByteStream>>();

  constructor(options: ModemsRoomOptions) {
    this.#log = options.logger.child({ ns: 'modems' });
    const pins = new Map(options.config.modems.map((m) => [m.id, m.pin]));
    for (const profile of options.modems) {
      let port = profile.usbPath ? `by-path:${profile.usbPath}` : (profile.device ?? '');
      let openStream: ByteStreamFactory = openByteStream;
      if (profile.simulated) {
        const flavour = (FLAVOURS.includes(profile.model) ? profile.model : 'generic') as SimFlavour;
        this.simulated.set(
          profile.id,
          new SimulatedModem({
            id: profile.id,
            clock: options.clock,
            logger: options.logger,
            flavour,
            ownNumber: '+15550100',
          }),
        );
        port = `sim:${profile.id}`;
        openStream = async () => {
          const attach = this.#simStreams.get(profile.id);
          if (!attach) throw new Error(`simulated modem ${profile.id} is not running`);
          return attach();
        };
      }
      const pin = pins.get(profile.id);
      this.modems.set(
        profile.id,
        new AtGsmModem({
          id: profile.id,
          port,
          openStream,
          clock: options.clock,
          logger: options.logger,
          ...(pin ? { pin } : {}),
        }),
      );
    }
  }

  async start(): Promise<void> {
    const useSocat = socatAvailable();
    for (const [id, sim] of this.simulated) {
      if (useSocat) {
        await sim.start();
        this.#simStreams.set(id, () => openByteStream(sim.portPath, {}));
      } else {
        this.#log.warn('socat is not installed: the simulated modem uses an in-memory link instead of a PTY');
        const [near, far] = MemoryByteStream.pair();
        sim.startOnStream(far);
        this.#simStreams.set(id, async () => near);
      }
    }
    for (const [id, modem] of this.modems) {
      modem.openWithRetry(this.#abort.signal).then(
        (info) => this.#log.info({ modem: id, model: info.model, imei: info.imei }, 'modem ready'),
        (err: unknown) => {
          if (!this.#abort.signal.aborted)
            this.#log.error({ modem: id, err: errorMessage(err) }, 'modem gave up');
        },
      );
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    for (const m of this.modems.values()) await m.close().catch(() => {});
    for (const s of this.simulated.values()) await s.stop().catch(() => {});
  }

  health(): ServiceHealth {
    // A modem still initialising is not a fault; one being recovered (or given up) is.
    const states = [...this.modems.values()].map((m) => ({ id: m.id, state: m.state }));
    const down = states.filter((m) => m.state === 'recovering' || m.state === 'closed');
    const modems = Object.fromEntries(states.map((m) => [m.id, m.state]));
    return down.length && !this.#abort.signal.aborted
      ? { status: 'degraded', detail: down.map((m) => `${m.id}: ${m.state}`).join(', '), modems }
      : { status: 'ok', modems };
  }
}
