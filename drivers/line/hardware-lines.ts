/**
 * Builds the analog ports of a real board from its profile: one GPIO chip
 * object per declared chip (character device by default, legacy sysfs on
 * request), one ALSA device per port, and a GpioFxsPort / GpioFxoPort each.
 * Ports start independently: a missing chip, package or sound card puts
 * that port in `failed` (retried), never stops the others or the daemon.
 */
import type { Clock } from '../base/clock.ts';
import { LinegateError } from '../base/errors.ts';
import { childLogger, type Logger } from '../base/logger.ts';
import type { Service } from '../base/service.ts';
import { AlsaAudioDevice, type SpawnAudioChild } from '../audio/alsa-audio-device.ts';
import type { BoardProfile, PortAudioProfile } from '../board/board-profile.ts';
import { LibgpiodChip, type LibgpiodModule } from '../gpio/libgpiod-chip.ts';
import { SysfsGpioChip } from '../gpio/sysfs-gpio-chip.ts';
import type { GpioChip } from '../gpio/types.ts';
import { type FxoPortOptions, GpioFxoPort } from './fxo-port.ts';
import { type FxsPortOptions, GpioFxsPort } from './fxs-port.ts';
import type { CallerIdStandard, LineSignals } from './line-signals.ts';

export interface HardwareLinesOptions {
  board: BoardProfile;
  signals: LineSignals;
  clock: Clock;
  logger: Logger;
  /** `chardev` (node-libgpiod, default) or `sysfs` (legacy kernels). */
  gpioBackend?: 'chardev' | 'sysfs';
  /** Sysfs root for the legacy backend (tests). */
  sysfsRoot?: string;
  country?: string;
  callerIdStandard?: CallerIdStandard;
  fxs?: Partial<Omit<FxsPortOptions, 'profile' | 'chips' | 'audio' | 'signals' | 'clock' | 'logger'>>;
  fxo?: Partial<Omit<FxoPortOptions, 'profile' | 'chips' | 'audio' | 'signals' | 'clock' | 'logger'>>;
  /** Injected by tests: child processes for arecord/aplay, the node-libgpiod module. */
  spawnAudio?: SpawnAudioChild;
  loadLibgpiod?: () => Promise<LibgpiodModule>;
}

export class HardwareLines implements Service {
  readonly name = 'hardware-lines';
  readonly chips = new Map<string, GpioChip>();
  readonly fxsPorts = new Map<string, GpioFxsPort>();
  readonly fxoPorts = new Map<string, GpioFxoPort>();
  #stopped = false;

  constructor(options: HardwareLinesOptions) {
    const { board, clock, logger } = options;
    if (board.simulated) {
      throw new LinegateError('BOARD_INVALID', `board ${board.name} is simulated: use SimulatedLines`);
    }
    for (const chip of board.chips) {
      if (options.gpioBackend === 'sysfs') {
        this.chips.set(
          chip.name,
          new SysfsGpioChip({
            clock,
            ...(chip.label ? { label: chip.label } : {}),
            ...(options.sysfsRoot ? { root: options.sysfsRoot } : {}),
          }),
        );
      } else {
        this.chips.set(
          chip.name,
          new LibgpiodChip({
            device: chip.device ?? '/dev/gpiochip0',
            clock,
            ...(options.loadLibgpiod ? { loadModule: options.loadLibgpiod } : {}),
          }),
        );
      }
    }
    const chips = Object.fromEntries(this.chips);
    const audioFor = (id: string, audio: PortAudioProfile) =>
      new AlsaAudioDevice({
        name: id,
        capture: audio.capture,
        playback: audio.playback,
        rxGainDb: audio.rxGainDb,
        txGainDb: audio.txGainDb,
        clock,
        logger: childLogger(logger, `audio.${id}`),
        ...(options.spawnAudio ? { spawn: options.spawnAudio } : {}),
      });
    for (const profile of board.fxs) {
      this.fxsPorts.set(
        profile.id,
        new GpioFxsPort({
          ...options.fxs,
          profile,
          chips,
          audio: audioFor(profile.id, profile.audio),
          signals: options.signals,
          clock,
          logger: childLogger(logger, `line.${profile.id}`),
          ...(options.callerIdStandard ? { callerIdStandard: options.callerIdStandard } : {}),
        }),
      );
    }
    for (const profile of board.fxo) {
      this.fxoPorts.set(
        profile.id,
        new GpioFxoPort({
          ...options.fxo,
          profile,
          chips,
          audio: audioFor(profile.id, profile.audio),
          signals: options.signals,
          clock,
          logger: childLogger(logger, `line.${profile.id}`),
          ...(options.country ? { country: options.country } : {}),
        }),
      );
    }
  }

  /** Starts every port; a port that cannot start is left `failed` and retrying. Never throws. */
  async start(signal: AbortSignal): Promise<void> {
    for (const port of [...this.fxsPorts.values(), ...this.fxoPorts.values()]) await port.start(signal);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const port of [...this.fxsPorts.values(), ...this.fxoPorts.values()]) await port.stop();
    for (const chip of this.chips.values()) {
      try {
        await chip.close();
      } catch {
        // A vanished chip: nothing left to close.
      }
    }
  }
}
