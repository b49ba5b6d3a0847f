/**
 * Board profiles: which GPIO line and which ALSA device each analog port
 * uses, and which modems sit on which USB path. Loaded from
 * `hardware/boards/<name>.yaml` and validated before any port starts, so a
 * wiring mistake is reported with the field and the file line instead of
 * showing up as a phone that never rings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { errorMessage, LinegateError } from '../base/errors.ts';

export type ActiveLevel = 'high' | 'low';

/** One GPIO line: chip name (declared under `gpio.chips`), line offset, active level, debounce. */
export interface GpioLineRef {
  chip: string;
  line: number;
  activeLevel: ActiveLevel;
  debounceMs: number;
}

export interface GpioChipProfile {
  name: string;
  /** `/dev/gpiochipN` for the character device; absent on simulated chips. */
  device?: string;
  /** Kernel label, used to find the chip's sysfs base (legacy backend). */
  label?: string;
  /** Number of lines the chip has; offsets must be below it. */
  lines: number;
  simulated: boolean;
}

export interface PortAudioProfile {
  /** ALSA capture device (e.g. `plughw:CARD=Device,DEV=0`), or `sim` on the sim board. */
  capture: string;
  playback: string;
  /** Gain applied to what the port receives (mouthpiece / line), dB. */
  rxGainDb: number;
  /** Gain applied to what the port sends (earpiece / line), dB. */
  txGainDb: number;
}

/** Ag1171-style SLIC: RM + F/R toggled at the ring frequency; or a SLIC that rings itself from one enable line. */
export type FxsRingProfile =
  | { mode: 'rmfr'; rm: GpioLineRef; fr: GpioLineRef; frequencyHz: number }
  | { mode: 'enable'; enable: GpioLineRef; reverse?: GpioLineRef };

export interface FxsPortProfile {
  id: string;
  module: string;
  simulated: boolean;
  shk: GpioLineRef;
  ring: FxsRingProfile;
  audio: PortAudioProfile;
}

export interface FxoPortProfile {
  id: string;
  module: string;
  simulated: boolean;
  ringDetect: GpioLineRef;
  seize: GpioLineRef;
  loopCurrent?: GpioLineRef;
  polarity?: GpioLineRef;
  audio: PortAudioProfile;
}

export interface ModemPortProfile {
  id: string;
  model: string;
  simulated: boolean;
  /** USB path (`1-1.3:1.2`) preferred over `device` because ttyUSB numbers move between boots. */
  usbPath?: string;
  device?: string;
  audio?: PortAudioProfile;
}

export interface BoardProfile {
  name: string;
  description: string;
  /** True when every port is simulated (the `sim` board). */
  simulated: boolean;
  /** File the profile came from. */
  file: string;
  chips: GpioChipProfile[];
  fxs: FxsPortProfile[];
  fxo: FxoPortProfile[];
  modems: ModemPortProfile[];
}

/** One validation problem: the dotted field path, the file line (1-based), and what is wrong. */
export interface BoardProblem {
  field: string;
  line: number;
  message: string;
}

export interface LoadBoardOptions {
  /** Folder holding `<name>.yaml`; default `hardware/boards` of this checkout. */
  boardsDir?: string;
  /**
   * Checks that an ALSA device exists on this system (e.g. by reading
   * /proc/asound/cards). Not called for simulated ports. When absent only
   * the profile itself is checked.
   */
  audioDeviceExists?: (device: string) => boolean;
  /** Checks that a GPIO chip device exists (e.g. `/dev/gpiochip0`). Not called for simulated chips. */
  gpioChipExists?: (device: string) => boolean;
}

export const DEFAULT_BOARDS_DIR = path.resolve(import.meta.dirname, '../../hardware/boards');

const MODEM_MODELS = ['sim800', 'sim7600', 'ec2x', 'ec25', 'huawei', 'generic', 'sim'];
const ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Loads a board by name (`sim`, `linegate-hat`) or by path to a YAML file. Throws BOARD_INVALID with `details.problems`. */
export function loadBoard(nameOrPath: string, options: LoadBoardOptions = {}): BoardProfile {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  if (!isPath && !/^[a-z0-9][a-z0-9_-]*$/i.test(nameOrPath)) {
    throw new LinegateError('BOARD_INVALID', `board name "${nameOrPath}" is not a valid name`);
  }
  const file = isPath
    ? path.resolve(nameOrPath)
    : path.join(options.boardsDir ?? DEFAULT_BOARDS_DIR, `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LinegateError('BOARD_INVALID', `board profile ${file} cannot be read: ${errorMessage(err)}`, {
      cause: err,
      details: { file, problems: [] },
    });
  }
  return parseBoard(text, file, options);
}

/** Parses and validates board YAML text; `file` is only used in messages. */
export function parseBoard(text: string, file: string, options: LoadBoardOptions = {}): BoardProfile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: BoardProblem[] = [];
  for (const err of doc.errors) {
    const pos = err.pos?.[0] ?? 0;
    problems.push({
      field: '(yaml)',
      line: lineCounter.linePos(pos).line,
      message: err.message.split('\n')[0] ?? '',
    });
  }
  if (problems.length > 0) throw boardError(file, problems);
  const v = new Validator(doc, lineCounter, options);
  const board = v.board(file);
  if (v.problems.length > 0) throw boardError(file, v.problems);
  return board;
}

function boardError(file: string, problems: BoardProblem[]): LinegateError {
  const lines = problems.map((p) => `  ${path.basename(file)}:${p.line} ${p.field}: ${p.message}`);
  return new LinegateError('BOARD_INVALID', `board profile ${file} is invalid:\n${lines.join('\n')}`, {
    details: { file, problems },
  });
}

type Path = (string | number)[];

class Validator {
  readonly problems: BoardProblem[] = [];
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #options: LoadBoardOptions;
  readonly #chips = new Map<string, GpioChipProfile>();
  /** "chip:line" → field that claimed it, to reject a line wired to two signals. */
  readonly #usedLines = new Map<string, string>();

  constructor(doc: Document, lines: LineCounter, options: LoadBoardOptions) {
    this.#doc = doc;
    this.#lines = lines;
    this.#options = options;
  }

  board(file: string): BoardProfile {
    const root = this.#doc.toJS() as unknown;
    const board: BoardProfile = {
      name: '',
      description: '',
      simulated: false,
      file,
      chips: [],
      fxs: [],
      fxo: [],
      modems: [],
    };
    if (!isRecord(root)) {
      this.problem([], 'the profile must be a mapping');
      return board;
    }
    board.name = this.str(root, ['name']) ?? '';
    board.description = this.optStr(root, ['description']) ?? '';
    board.simulated = this.optBool(root, ['simulated']) ?? false;
    this.readChips(root, board);
    const ids = new Set<string>();
    // Ids are checked on the raw value so a duplicate is reported even when the port has other problems.
    const uniqueId = (item: unknown, at: Path) => {
      const id = isRecord(item) ? item.id : undefined;
      if (typeof id !== 'string') return;
      if (ids.has(id)) this.problem(at, `port id "${id}" is used twice`);
      ids.add(id);
    };
    this.list(root, ['fxs']).forEach((item, i) => {
      uniqueId(item, ['fxs', i, 'id']);
      const port = this.readFxs(item, ['fxs', i], board.simulated);
      if (port) board.fxs.push(port);
    });
    this.list(root, ['fxo']).forEach((item, i) => {
      uniqueId(item, ['fxo', i, 'id']);
      const port = this.readFxo(item, ['fxo', i], board.simulated);
      if (port) board.fxo.push(port);
    });
    this.list(root, ['modems']).forEach((item, i) => {
      uniqueId(item, ['modems', i, 'id']);
      const modem = this.readModem(item, ['modems', i], board.simulated);
      if (modem) board.modems.push(modem);
    });
    if (board.fxs.length + board.fxo.length + board.modems.length === 0) {
      this.problem([], 'the board declares no fxs, fxo or modem port');
    }
    return board;
  }

  readChips(root: Record<string, unknown>, board: BoardProfile): void {
    const gpio = root.gpio;
    if (gpio === undefined) return;
    if (!isRecord(gpio) || !isRecord(gpio.chips)) {
      this.problem(['gpio'], 'expected `gpio.chips`, a mapping of chip name to {device, label, lines}');
      return;
    }
    for (const [name, raw] of Object.entries(gpio.chips)) {
      const at: Path = ['gpio', 'chips', name];
      if (!isRecord(raw)) {
        this.problem(at, 'expected a mapping');
        continue;
      }
      const simulated = this.optBool(raw, [...at, 'simulated'], raw.simulated) ?? board.simulated;
      const chip: GpioChipProfile = {
        name,
        lines: this.int(raw.lines, [...at, 'lines'], 1, 1024) ?? 0,
        simulated,
      };
      const device = this.optStr(raw, [...at, 'device'], raw.device);
      const label = this.optStr(raw, [...at, 'label'], raw.label);
      if (device !== undefined) chip.device = device;
      if (label !== undefined) chip.label = label;
      if (!simulated) {
        if (device === undefined) this.problem(at, 'a real chip needs `device` (e.g. /dev/gpiochip0)');
        else if (!/^\/dev\/gpiochip\d+$/.test(device))
          this.problem([...at, 'device'], `"${device}" is not /dev/gpiochipN`);
        else if (this.#options.gpioChipExists && !this.#options.gpioChipExists(device)) {
          this.problem([...at, 'device'], `GPIO chip ${device} does not exist on this system`);
        }
      }
      this.#chips.set(name, chip);
      board.chips.push(chip);
    }
  }

  readFxs(raw: unknown, at: Path, boardSimulated: boolean): FxsPortProfile | undefined {
    if (!isRecord(raw)) {
      this.problem(at, 'expected a mapping');
      return undefined;
    }
    const id = this.portId(raw, at);
    const simulated = this.optBool(raw, [...at, 'simulated'], raw.simulated) ?? boardSimulated;
    const module = this.optStr(raw, [...at, 'module'], raw.module) ?? (simulated ? 'sim' : 'ag1171');
    const signals = this.record(raw.signals, [...at, 'signals']);
    const shk = this.gpioLine(signals?.shk, [...at, 'signals', 'shk'], 'shk', 10);
    const ringRaw = this.record(raw.ring, [...at, 'ring']);
    const mode = ringRaw?.mode ?? 'rmfr';
    let ring: FxsRingProfile | undefined;
    if (mode === 'rmfr') {
      const rm = this.gpioLine(signals?.rm, [...at, 'signals', 'rm'], 'rm', 0);
      const fr = this.gpioLine(signals?.fr, [...at, 'signals', 'fr'], 'fr', 0);
      const frequencyHz = this.num(ringRaw?.frequencyHz ?? 20, [...at, 'ring', 'frequencyHz'], 15, 60) ?? 20;
      if (rm && fr) ring = { mode: 'rmfr', rm, fr, frequencyHz };
    } else if (mode === 'enable') {
      const enable = this.gpioLine(signals?.ringEnable, [...at, 'signals', 'ringEnable'], 'ringEnable', 0);
      const reverse =
        signals?.reverse === undefined
          ? undefined
          : this.gpioLine(signals.reverse, [...at, 'signals', 'reverse'], 'reverse', 0);
      if (enable) ring = reverse ? { mode: 'enable', enable, reverse } : { mode: 'enable', enable };
    } else {
      this.problem([...at, 'ring', 'mode'], `unknown ring mode "${String(mode)}" (rmfr or enable)`);
    }
    const audio = this.audio(raw.audio, [...at, 'audio'], simulated);
    if (!id || !shk || !ring || !audio) return undefined;
    return { id, module, simulated, shk, ring, audio };
  }

  readFxo(raw: unknown, at: Path, boardSimulated: boolean): FxoPortProfile | undefined {
    if (!isRecord(raw)) {
      this.problem(at, 'expected a mapping');
      return undefined;
    }
    const id = this.portId(raw, at);
    const simulated = this.optBool(raw, [...at, 'simulated'], raw.simulated) ?? boardSimulated;
    const module = this.optStr(raw, [...at, 'module'], raw.module) ?? (simulated ? 'sim' : 'daa');
    const signals = this.record(raw.signals, [...at, 'signals']);
    const ringDetect = this.gpioLine(signals?.ringDetect, [...at, 'signals', 'ringDetect'], 'ringDetect', 5);
    const seize = this.gpioLine(signals?.seize, [...at, 'signals', 'seize'], 'seize', 0);
    const loopCurrent =
      signals?.loopCurrent === undefined
        ? undefined
        : this.gpioLine(signals.loopCurrent, [...at, 'signals', 'loopCurrent'], 'loopCurrent', 10);
    const polarity =
      signals?.polarity === undefined
        ? undefined
        : this.gpioLine(signals.polarity, [...at, 'signals', 'polarity'], 'polarity', 10);
    const audio = this.audio(raw.audio, [...at, 'audio'], simulated);
    if (!id || !ringDetect || !seize || !audio) return undefined;
    const port: FxoPortProfile = { id, module, simulated, ringDetect, seize, audio };
    if (loopCurrent) port.loopCurrent = loopCurrent;
    if (polarity) port.polarity = polarity;
    return port;
  }

  readModem(raw: unknown, at: Path, boardSimulated: boolean): ModemPortProfile | undefined {
    if (!isRecord(raw)) {
      this.problem(at, 'expected a mapping');
      return undefined;
    }
    const id = this.portId(raw, at);
    const simulated = this.optBool(raw, [...at, 'simulated'], raw.simulated) ?? boardSimulated;
    const model = this.str(raw, [...at, 'model'], raw.model);
    if (model !== undefined && !MODEM_MODELS.includes(model)) {
      this.problem([...at, 'model'], `unknown modem model "${model}" (one of ${MODEM_MODELS.join(', ')})`);
    }
    const usbPath = this.optStr(raw, [...at, 'usbPath'], raw.usbPath);
    const device = this.optStr(raw, [...at, 'device'], raw.device);
    if (!simulated && usbPath === undefined && device === undefined) {
      this.problem(at, 'a real modem needs `usbPath` (preferred) or `device`');
    }
    if (usbPath !== undefined && !/^\d+-[\d.]+(:\d+\.\d+)?$/.test(usbPath)) {
      this.problem([...at, 'usbPath'], `"${usbPath}" is not a USB path like 1-1.3:1.2`);
    }
    const audio = raw.audio === undefined ? undefined : this.audio(raw.audio, [...at, 'audio'], simulated);
    if (!id || model === undefined) return undefined;
    const modem: ModemPortProfile = { id, model, simulated };
    if (usbPath !== undefined) modem.usbPath = usbPath;
    if (device !== undefined) modem.device = device;
    if (audio) modem.audio = audio;
    return modem;
  }

  portId(raw: Record<string, unknown>, at: Path): string | undefined {
    const id = this.str(raw, [...at, 'id'], raw.id);
    if (id !== undefined && !ID_PATTERN.test(id)) {
      this.problem([...at, 'id'], `"${id}" is not a port id (lower case letters, digits, - or _)`);
      return undefined;
    }
    return id;
  }

  gpioLine(raw: unknown, at: Path, signal: string, defaultDebounceMs: number): GpioLineRef | undefined {
    if (raw === undefined) {
      this.problem(at, `missing GPIO line for signal ${signal}`);
      return undefined;
    }
    if (!isRecord(raw)) {
      this.problem(at, 'expected {chip, line, active, debounceMs}');
      return undefined;
    }
    const chipName = this.str(raw, [...at, 'chip'], raw.chip);
    const line = this.int(raw.line, [...at, 'line'], 0, 1023);
    const activeRaw = raw.active ?? 'high';
    if (activeRaw !== 'high' && activeRaw !== 'low') {
      this.problem([...at, 'active'], `active must be "high" or "low", not "${String(activeRaw)}"`);
    }
    const debounceMs = this.num(raw.debounceMs ?? defaultDebounceMs, [...at, 'debounceMs'], 0, 500);
    if (chipName === undefined || line === undefined || debounceMs === undefined) return undefined;
    const chip = this.#chips.get(chipName);
    if (!chip) {
      const known = [...this.#chips.keys()].join(', ') || 'none declared';
      this.problem([...at, 'chip'], `unknown GPIO chip "${chipName}" (declared: ${known})`);
      return undefined;
    }
    if (chip.lines > 0 && line >= chip.lines) {
      this.problem([...at, 'line'], `line ${line} is beyond chip ${chipName} (${chip.lines} lines)`);
      return undefined;
    }
    const key = `${chipName}:${line}`;
    const field = fieldName(at);
    const previous = this.#usedLines.get(key);
    if (previous !== undefined) {
      this.problem([...at, 'line'], `${chipName} line ${line} is already used by ${previous}`);
      return undefined;
    }
    this.#usedLines.set(key, field);
    return {
      chip: chipName,
      line,
      activeLevel: activeRaw === 'low' ? 'low' : 'high',
      debounceMs,
    };
  }

  audio(raw: unknown, at: Path, simulated: boolean): PortAudioProfile | undefined {
    if (raw === undefined) {
      this.problem(at, 'missing audio device (capture and playback)');
      return undefined;
    }
    if (!isRecord(raw)) {
      this.problem(at, 'expected {capture, playback, rxGainDb, txGainDb}');
      return undefined;
    }
    const capture = this.str(raw, [...at, 'capture'], raw.capture);
    const playback = this.str(raw, [...at, 'playback'], raw.playback);
    const rxGainDb = this.num(raw.rxGainDb ?? 0, [...at, 'rxGainDb'], -30, 30);
    const txGainDb = this.num(raw.txGainDb ?? 0, [...at, 'txGainDb'], -30, 30);
    for (const [key, dev] of [
      ['capture', capture],
      ['playback', playback],
    ] as const) {
      if (dev === undefined) continue;
      if (simulated) {
        if (dev !== 'sim')
          this.problem([...at, key], `a simulated port uses audio device "sim", not "${dev}"`);
      } else if (dev === 'sim') {
        this.problem([...at, key], 'audio device "sim" is only for simulated ports');
      } else if (this.#options.audioDeviceExists && !this.#options.audioDeviceExists(dev)) {
        this.problem([...at, key], `ALSA device "${dev}" is missing on this system`);
      }
    }
    if (capture === undefined || playback === undefined || rxGainDb === undefined || txGainDb === undefined) {
      return undefined;
    }
    return { capture, playback, rxGainDb, txGainDb };
  }

  // --- scalar helpers: each reports a problem at `at` and returns undefined when wrong ---

  record(raw: unknown, at: Path): Record<string, unknown> | undefined {
    if (raw === undefined) return undefined;
    if (!isRecord(raw)) {
      this.problem(at, 'expected a mapping');
      return undefined;
    }
    return raw;
  }

  list(root: Record<string, unknown>, at: Path): unknown[] {
    const value = root[String(at[0])];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(at, 'expected a list');
      return [];
    }
    return value;
  }

  str(
    obj: Record<string, unknown>,
    at: Path,
    value: unknown = obj[String(at[at.length - 1])],
  ): string | undefined {
    if (value === undefined || value === null) {
      this.problem(at, 'required');
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.problem(at, 'expected a non-empty string');
      return undefined;
    }
    return value;
  }

  optStr(
    obj: Record<string, unknown>,
    at: Path,
    value: unknown = obj[String(at[at.length - 1])],
  ): string | undefined {
    if (value === undefined || value === null) return undefined;
    return this.str(obj, at, value);
  }

  optBool(
    obj: Record<string, unknown>,
    at: Path,
    value: unknown = obj[String(at[at.length - 1])],
  ): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(at, 'expected true or false');
      return undefined;
    }
    return value;
  }

  num(value: unknown, at: Path, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(at, value === undefined ? 'required' : 'expected a number');
      return undefined;
    }
    if (value < min || value > max) {
      this.problem(at, `${value} is out of range ${min}..${max}`);
      return undefined;
    }
    return value;
  }

  int(value: unknown, at: Path, min: number, max: number): number | undefined {
    const n = this.num(value, at, min, max);
    if (n !== undefined && !Number.isInteger(n)) {
      this.problem(at, 'expected a whole number');
      return undefined;
    }
    return n;
  }

  /** Records a problem at the nearest node of `at` that exists in the file (a missing field points at its parent). */
  problem(at: Path, message: string): void {
    let line = 1;
    for (let n = at.length; n >= 0; n--) {
      const node = this.#doc.getIn(at.slice(0, n), true) as unknown;
      const range = nodeRange(node);
      if (range) {
        line = this.#lines.linePos(range[0] ?? 0).line;
        break;
      }
    }
    this.problems.push({ field: fieldName(at) || '(root)', line, message });
  }
}

function nodeRange(node: unknown): readonly number[] | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: readonly number[] | null }).range;
    if (range && typeof range[0] === 'number') return range;
  }
  if (isMap(node) || isSeq(node)) return node.range ?? undefined;
  return undefined;
}

function fieldName(at: Path): string {
  return at
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
