/**
 * Builds the analog side of a simulated board: for every FXS port a real
 * GpioFxsPort on a simulated GPIO chip and a memory audio link, with a
 * SimulatedPhone on the far end; for every FXO port a real GpioFxoPort with
 * a SimulatedPstnLine. The daemon uses `fxsPorts` / `fxoPorts` exactly as it
 * would on hardware; the simulator API drives `phones` / `pstnLines`.
 */
import type { Clock } from '../../base/clock.ts';
import { LinegateError } from '../../base/errors.ts';
import { childLogger, type Logger } from '../../base/logger.ts';
import type { Service } from '../../base/service.ts';
import { MemoryAudioLink } from '../../audio/memory-audio-link.ts';
import type { BoardProfile } from '../../board/board-profile.ts';
import { FakeGpioChip } from '../../gpio/fake-gpio-chip.ts';
import type { GpioChip } from '../../gpio/types.ts';
import { type FxoPortOptions, GpioFxoPort } from '../fxo-port.ts';
import { type FxsPortOptions, GpioFxsPort } from '../fxs-port.ts';
import type { CallerIdStandard, LineSignals } from '../line-signals.ts';
import { SimulatedPhone } from './simulated-phone.ts';
import { SimulatedPstnLine, type SimulatedPstnLineOptions } from './simulated-pstn-line.ts';

export interface SimulatedLinesOptions {
  board: BoardProfile;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  country?: string;
  callerIdStandard?: CallerIdStandard;
  fxs?: Partial<Omit<FxsPortOptions, 'profile' | 'chips' | 'audio' | 'signals' | 'clock' | 'logger'>>;
  fxo?: Partial<Omit<FxoPortOptions, 'profile' | 'chips' | 'audio' | 'signals' | 'clock' | 'logger'>>;
  /** Exchange behaviour of the simulated PSTN lines (CPC length, rings before giving up, ring frequency). */
  pstn?: Partial<Pick<SimulatedPstnLineOptions, 'cpcMs' | 'maxRings' | 'ringFrequencyHz' | 'recordSeconds'>>;
}

export class SimulatedLines implements Service {
  readonly name = 'sim-lines';
  readonly chips = new Map<string, FakeGpioChip>();
  readonly fxsPorts = new Map<string, GpioFxsPort>();
  readonly fxoPorts = new Map<string, GpioFxoPort>();
  readonly phones = new Map<string, SimulatedPhone>();
  readonly pstnLines = new Map<string, SimulatedPstnLine>();
  readonly #links: MemoryAudioLink[] = [];
  #stopped = false;

  constructor(options: SimulatedLinesOptions) {
    const { board, signals, clock, logger } = options;
    for (const chip of board.chips) {
      if (!chip.simulated)
        throw new LinegateError('BOARD_INVALID', `chip ${chip.name} of board ${board.name} is not simulated`);
      this.chips.set(chip.name, new FakeGpioChip(clock, { name: chip.name, lines: chip.lines }));
    }
    const chips = Object.fromEntries(this.chips) as Record<string, GpioChip>;
    const fakeChipOf = (name: string): FakeGpioChip => {
      const chip = this.chips.get(name);
      if (!chip) throw new LinegateError('BOARD_INVALID', `unknown chip ${name}`);
      return chip;
    };
    for (const profile of board.fxs) {
      const link = new MemoryAudioLink({ clock, names: [profile.id, `${profile.id}-phone`] });
      this.#links.push(link);
      const port = new GpioFxsPort({
        ...options.fxs,
        profile,
        chips,
        audio: link.a,
        signals,
        clock,
        logger: childLogger(logger, `line.${profile.id}`),
        ...(options.callerIdStandard ? { callerIdStandard: options.callerIdStandard } : {}),
      });
      this.fxsPorts.set(profile.id, port);
      const phoneOptions = {
        profile,
        chip: fakeChipOf(profile.shk.chip),
        audio: link.b,
        signals,
        clock,
        logger: childLogger(logger, `sim.phone.${profile.id}`),
        ...(options.country ? { country: options.country } : {}),
      };
      this.phones.set(profile.id, new SimulatedPhone(phoneOptions));
    }
    for (const profile of board.fxo) {
      const link = new MemoryAudioLink({ clock, names: [profile.id, `${profile.id}-exchange`] });
      this.#links.push(link);
      const port = new GpioFxoPort({
        ...options.fxo,
        profile,
        chips,
        audio: link.a,
        signals,
        clock,
        logger: childLogger(logger, `line.${profile.id}`),
        ...(options.country ? { country: options.country } : {}),
      });
      this.fxoPorts.set(profile.id, port);
      this.pstnLines.set(
        profile.id,
        new SimulatedPstnLine({
          ...options.pstn,
          profile,
          chip: fakeChipOf(profile.ringDetect.chip),
          audio: link.b,
          signals,
          clock,
          logger: childLogger(logger, `sim.pstn.${profile.id}`),
          ...(options.country ? { country: options.country } : {}),
          ...(options.callerIdStandard ? { callerIdStandard: options.callerIdStandard } : {}),
        }),
      );
    }
  }

  /** Starts the far ends first (so the ports see a phone on hook and an idle line), then the ports. */
  async start(signal: AbortSignal): Promise<void> {
    for (const phone of this.phones.values()) await phone.start();
    for (const line of this.pstnLines.values()) await line.start();
    for (const port of this.fxsPorts.values()) await port.start(signal);
    for (const port of this.fxoPorts.values()) await port.start(signal);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const port of [...this.fxsPorts.values(), ...this.fxoPorts.values()]) await port.stop();
    for (const far of [...this.phones.values(), ...this.pstnLines.values()]) await far.stop();
    for (const link of this.#links) link.close();
  }
}
