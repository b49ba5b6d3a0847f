import type { Clock, Timer } from '../base/clock.ts';
import { LinegateError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import type { ByteStream } from '../serial/types.ts';
import { finalResult, isUrc, lineArgs, lineName, responsePrefixes, TWO_LINE_URCS } from './at-lines.ts';
import type { AtChannel, AtCommandOptions, AtResponse, AtUrc } from './types.ts';

/** Default timeouts by command; the longest are network operations. */
export function defaultTimeoutMs(command: string): number {
  const c = command.toUpperCase();
  if (c.startsWith('AT+CMGS') || c.startsWith('AT+CMSS')) return 120_000;
  if (c.startsWith('AT+COPS=?')) return 180_000;
  if (c.startsWith('AT+COPS')) return 60_000;
  if (c.startsWith('ATD') || c.startsWith('ATA')) return 60_000;
  if (c.startsWith('AT+CFUN') || c.startsWith('AT+CUSD') || c.startsWith('AT+CLCK')) return 30_000;
  if (c.startsWith('AT+CPIN=') || c.startsWith('AT+CMGL') || c.startsWith('AT+CPMS')) return 20_000;
  if (c.startsWith('AT+CMGD') || c.startsWith('AT+CMGR') || c.startsWith('AT+VTS')) return 10_000;
  return 5_000;
}

export interface AtEngineEvents extends Record<string, unknown[]> {
  urc: [AtUrc];
  /** A line nobody asked for and no table knows (counted; for diagnostics). */
  unsolicited: [string];
  /** The stream ended (device lost or closed); in-flight commands were failed. */
  closed: [string];
}

export interface AtEngineStats {
  commands: number;
  timeouts: number;
  errors: number;
  urcs: number;
  /** Bytes outside printable ASCII dropped (line noise, baud mismatch). */
  garbageBytes: number;
  unknownLines: number;
  /** OK/ERROR with no command in flight (late answer to a timed-out command). */
  strayFinals: number;
}

interface Pending {
  command: string;
  options: AtCommandOptions;
  prefixes: string[];
  lines: string[];
  resolve: (r: AtResponse) => void;
  reject: (err: Error) => void;
  timer?: Timer;
  silenceTimer?: Timer;
  promptTimer?: Timer;
  awaitingPrompt: boolean;
  /** The prompt data went out: after a failure the modem may still have acted on it (an SMS may be sent). */
  promptSent?: boolean;
  /** Finals before a line with this prefix are stale answers of an earlier command (resync probe). */
  requireLine?: string;
}

/**
 * The AT command engine: one command in flight, a queue behind it, per-command
 * timeouts on the injected Clock, final results (standard and vendor), URCs
 * routed even when they arrive inside a response, the `> ` prompt for PDU
 * sends, echo and line noise tolerated. Traces go to pino at trace level with
 * `»` (sent) and `«` (received); PIN/PUK values are masked.
 */
export class AtEngine extends TypedEmitter<AtEngineEvents> implements AtChannel {
  readonly #clock: Clock;
  readonly #log: Logger;
  #stream: ByteStream | undefined;
  #unsubscribe: (() => void)[] = [];
  #buffer = '';
  #queue: Pending[] = [];
  #inFlight: Pending | undefined;
  /** After a timeout, a bare AT goes first to absorb the late answer (see #next). */
  #resync = false;
  /** A two-line URC waiting for its PDU line. */
  #pendingUrc: AtUrc | undefined;
  readonly stats: AtEngineStats = {
    commands: 0,
    timeouts: 0,
    errors: 0,
    urcs: 0,
    garbageBytes: 0,
    unknownLines: 0,
    strayFinals: 0,
  };

  constructor(options: { clock: Clock; logger: Logger }) {
    super();
    this.#clock = options.clock;
    this.#log = options.logger;
  }

  get attached(): boolean {
    return this.#stream?.isOpen === true;
  }

  /** Starts talking over `stream` (replacing any earlier one). */
  attach(stream: ByteStream): void {
    this.detach('replaced');
    this.#stream = stream;
    this.#buffer = '';
    this.#pendingUrc = undefined;
    this.#unsubscribe = [
      stream.onData((chunk) => this.#onData(chunk)),
      stream.onClose((reason) => {
        if (this.#stream !== stream) return;
        this.detach(reason);
        this.emit('closed', reason);
      }),
    ];
  }

  /** Stops using the current stream (does not close it); fails everything pending. */
  detach(reason = 'detached'): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#stream = undefined;
    const err = new LinegateError('DEVICE_MISSING', `modem port gone: ${reason}`);
    const all = this.#inFlight ? [this.#inFlight, ...this.#queue] : [...this.#queue];
    this.#inFlight = undefined;
    this.#queue = [];
    for (const p of all) this.#finish(p, err);
  }

  onUrc(name: string, handler: (urc: AtUrc) => void): () => void {
    return this.on('urc', (urc) => {
      if (name === '*' || urc.name === name) handler(urc);
    });
  }

  command(command: string, options: AtCommandOptions = {}): Promise<AtResponse> {
    return new Promise<AtResponse>((resolve, reject) => {
      if (!this.#stream) {
        reject(new LinegateError('DEVICE_MISSING', `no modem port for ${mask(command)}`));
        return;
      }
      const okAfterSilenceMs =
        options.okAfterSilenceMs ?? (/^AT\+CPIN\?$/i.test(command.trim()) ? 1000 : undefined);
      const pending: Pending = {
        command: command.trim(),
        options: { ...options, okAfterSilenceMs },
        prefixes: responsePrefixes(command),
        lines: [],
        resolve,
        reject,
        awaitingPrompt: options.promptData !== undefined,
      };
      if (options.timeoutFromEnqueue) this.#startTimeout(pending);
      this.#queue.push(pending);
      this.#next();
    });
  }

  /** Fails the queue and forgets the stream; idempotent. */
  close(): void {
    this.detach('engine closed');
  }

  #next(): void {
    if (this.#inFlight || !this.#stream) return;
    if (this.#resync && this.#queue.length > 0) {
      // The modem may still answer the command that timed out; let that late
      // answer land on a throw-away AT instead of the next real command.
      this.#resync = false;
      // AT+CMEE? has a recognisable answer: any final before "+CMEE:" is the late one.
      const nextTimeoutMs = this.#queue[0]!.options.timeoutMs ?? defaultTimeoutMs(this.#queue[0]!.command);
      this.#queue.unshift({
        command: 'AT+CMEE?',
        options: { timeoutMs: Math.min(1000, nextTimeoutMs), allowError: true },
        prefixes: ['+CMEE'],
        lines: [],
        resolve: () => {},
        reject: () => {},
        awaitingPrompt: false,
        requireLine: '+CMEE:',
      });
    }
    const p = this.#queue.shift();
    if (!p) return;
    this.#inFlight = p;
    this.stats.commands++;
    if (!p.timer) this.#startTimeout(p);
    if (p.awaitingPrompt) {
      const promptMs = p.options.promptTimeoutMs ?? 10_000;
      p.promptTimer = this.#clock.setTimer(promptMs, () => {
        // Escape leaves the modem's text-entry state so the next command is understood.
        this.#write('\x1b');
        this.stats.timeouts++;
        this.#finish(
          p,
          new LinegateError('AT_TIMEOUT', `${mask(p.command)}: no "> " prompt in ${promptMs} ms`),
        );
      });
    }
    this.#log.trace(`» ${mask(p.command)}`);
    this.#write(`${p.command}\r`);
  }

  #startTimeout(p: Pending): void {
    const timeoutMs = p.options.timeoutMs ?? defaultTimeoutMs(p.command);
    p.timer = this.#clock.setTimer(timeoutMs, () => {
      this.stats.timeouts++;
      this.#log.debug({ command: mask(p.command), timeoutMs }, 'AT command timed out');
      const queued = this.#queue.indexOf(p);
      if (queued >= 0) this.#queue.splice(queued, 1);
      else if (!p.requireLine) this.#resync = true;
      this.#finish(p, new LinegateError('AT_TIMEOUT', `${mask(p.command)}: no answer in ${timeoutMs} ms`));
    });
  }

  /** The command being answered now, if any (the supervisor does not probe behind a long network command). */
  get inFlightCommand(): string | undefined {
    return this.#inFlight?.command;
  }

  /**
   * Fails every pending command but keeps the stream: recovery starts from a
   * clean slate instead of queueing behind a command the modem will never answer.
   */
  abortAll(reason: string): void {
    const err = new LinegateError('AT_TIMEOUT', `aborted: ${reason}`);
    const all = this.#inFlight ? [this.#inFlight, ...this.#queue] : [...this.#queue];
    this.#inFlight = undefined;
    this.#queue = [];
    this.#buffer = '';
    this.#pendingUrc = undefined;
    this.#resync = false;
    for (const p of all) this.#finish(p, err);
  }

  #write(text: string): void {
    const stream = this.#stream;
    if (!stream) return;
    stream.write(text).catch((err: unknown) => {
      this.#log.debug({ err }, 'write to modem failed');
    });
  }

  #finish(p: Pending, result: AtResponse | Error): void {
    p.timer?.cancel();
    p.silenceTimer?.cancel();
    p.promptTimer?.cancel();
    if (this.#inFlight === p) this.#inFlight = undefined;
    if (result instanceof LinegateError && p.promptSent) {
      p.reject(
        new LinegateError(result.code, result.message, {
          cause: result.cause,
          details: { ...result.details, promptDataSent: true },
        }),
      );
    } else if (result instanceof Error) p.reject(result);
    else p.resolve(result);
    // Let the caller's continuation run before the next command goes out.
    queueMicrotask(() => this.#next());
  }

  #onData(chunk: Uint8Array): void {
    let text = '';
    for (const byte of chunk) {
      // Printable ASCII plus CR/LF; everything else is noise (brown-outs, baud mismatch).
      if ((byte >= 0x20 && byte <= 0x7e) || byte === 0x0d || byte === 0x0a) text += String.fromCharCode(byte);
      else this.stats.garbageBytes++;
    }
    this.#buffer += text;
    for (;;) {
      const m = /[\r\n]/.exec(this.#buffer);
      if (!m) break;
      const line = this.#buffer.slice(0, m.index).trim();
      this.#buffer = this.#buffer.slice(m.index + 1);
      if (line.length > 0) this.#onLine(line);
    }
    // The PDU prompt is "> " with no line end after it.
    const p = this.#inFlight;
    if (p?.awaitingPrompt && this.#buffer.trimStart().startsWith('>')) {
      this.#buffer = '';
      this.#onPrompt(p);
    }
    if (this.#buffer.length > 4096) {
      // A device streaming without line ends: drop rather than grow without bound.
      this.stats.garbageBytes += this.#buffer.length;
      this.#buffer = '';
    }
  }

  #onPrompt(p: Pending): void {
    p.awaitingPrompt = false;
    p.promptSent = true;
    p.promptTimer?.cancel();
    this.#log.trace('« >');
    this.#log.trace(`» ${p.options.promptData}<ctrl-z>`);
    this.#write(`${p.options.promptData}\x1a`);
  }

  #onLine(line: string): void {
    this.#log.trace(`« ${line}`);
    const p = this.#inFlight;

    if (this.#pendingUrc) {
      const urc = this.#pendingUrc;
      this.#pendingUrc = undefined;
      if (/^[0-9A-Fa-f]+$/.test(line)) {
        this.#emitUrc({ ...urc, pdu: line.toUpperCase() });
        return;
      }
      // The PDU line never came; deliver what we have and read this line normally.
      this.#emitUrc(urc);
    }

    if (p) {
      if (p.awaitingPrompt && (line === '>' || line.startsWith('> '))) {
        this.#onPrompt(p);
        return;
      }
      // Echo (ATE1 default at boot) and the echoed PDU are not part of the answer.
      if (line.toUpperCase() === p.command.toUpperCase()) return;
      if (
        p.options.promptData &&
        /^[0-9A-Fa-f]+$/.test(line) &&
        line.toUpperCase().endsWith(p.options.promptData.toUpperCase())
      ) {
        return;
      }
    }

    const name = lineName(line);
    if (isUrc(name, p?.command)) {
      const urc: AtUrc = { name, line, args: lineArgs(line) };
      if (TWO_LINE_URCS.has(name)) {
        this.#pendingUrc = urc;
        return;
      }
      this.#emitUrc(urc);
      return;
    }

    if (!p) {
      const stray = finalResult(line, '');
      if (stray) this.stats.strayFinals++;
      else this.stats.unknownLines++;
      this.emit('unsolicited', line);
      return;
    }

    const final = finalResult(line, p.command);
    if (final) {
      if (p.requireLine && !p.lines.some((l) => l.startsWith(p.requireLine!))) {
        this.stats.strayFinals++;
        p.lines = [];
        return;
      }
      if (final.ok && p.awaitingPrompt) {
        // A modem never says OK to AT+CMGS=<n> before "> ": this OK (and the lines
        // before it) is the late answer of a command that timed out. Taking it would
        // give this message the other one's reference and never send this PDU.
        this.stats.strayFinals++;
        this.#log.debug({ lines: p.lines, final: line }, 'stale answer before the prompt ignored');
        p.lines = [];
        return;
      }
      if (!final.ok) this.stats.errors++;
      const response: AtResponse = { command: p.command, lines: p.lines, final: line, result: final };
      if (final.ok || p.options.allowError) {
        this.#finish(p, response);
      } else {
        this.#finish(
          p,
          new LinegateError('AT_ERROR', `${mask(p.command)}: ${line}`, {
            details: { final: line, kind: final.kind, code: final.code, text: final.text },
          }),
        );
      }
      return;
    }

    p.lines.push(line);
    const silenceMs = p.options.okAfterSilenceMs;
    if (silenceMs !== undefined && p.prefixes.includes(name)) {
      p.silenceTimer?.cancel();
      p.silenceTimer = this.#clock.setTimer(silenceMs, () => {
        if (this.#inFlight !== p) return;
        this.#log.debug({ command: p.command }, 'no final result after response; taking it as OK');
        this.#finish(p, {
          command: p.command,
          lines: p.lines,
          final: 'OK',
          result: { ok: true, kind: 'ok' },
        });
      });
    }
  }

  #emitUrc(urc: AtUrc): void {
    this.stats.urcs++;
    this.emit('urc', urc);
  }
}

/** Hides PIN/PUK values in traces and errors. */
export function mask(command: string): string {
  return command.replace(/^(AT\+(CPIN|CLCK|CPWD)=)(.*)$/i, '$1***');
}
