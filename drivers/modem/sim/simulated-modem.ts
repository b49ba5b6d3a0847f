import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Timer } from '../../base/clock.ts';
import { errorMessage, LinegateError } from '../../base/errors.ts';
import { childLogger, type Logger } from '../../base/logger.ts';
import { TypedEmitter } from '../../base/typed-emitter.ts';
import { SerialPortStream } from '../../serial/serialport-stream.ts';
import { SocatPtyPair } from '../../serial/socat-pty-pair.ts';
import type { ByteStream } from '../../serial/types.ts';
import { csqToDbm } from '../parse-responses.ts';
import { defaultBehaviours } from './default-behaviours.ts';
import { type DecodedSubmit, decodeSubmit, encodeDeliver, encodeStatusReport } from './sim-pdu.ts';

export type SimFlavour = 'generic' | 'sim800' | 'sim7600' | 'quectel' | 'huawei';

/** What a behaviour answers: information lines and a final result ('' = say nothing, as a hung modem). */
export interface SimReply {
  lines?: string[];
  final?: string;
  /** Ask for a PDU with "> "; the function answers once it arrived (Ctrl-Z) or undefined on ESC. */
  prompt?: (data: string | undefined) => SimReply | Promise<SimReply>;
}

/**
 * A behaviour answers one command (`AT` stripped: `+CSQ`, `+CMGS=23`, `D123;`)
 * or returns undefined to let the next one try. Behaviours added later win, so a
 * test overrides one quirk without touching the defaults.
 */
export type SimBehaviour = (
  command: string,
  modem: SimulatedModem,
) => SimReply | Promise<SimReply> | undefined;

export interface SimStoredSms {
  stat: number;
  pdu: string;
}

export interface SentSms extends DecodedSubmit {
  pdu: string;
  /** The reference the modem answered in +CMGS. */
  reference: number;
  atMs: number;
}

export interface SimModemStatus {
  signalCsq: number;
  signalDbm: number | null;
  registration: 'home' | 'roaming' | 'searching' | 'denied' | 'unregistered';
  sim: 'ready' | 'pin' | 'puk' | 'absent';
  storage: { used: number; total: number; pending: number };
  call: { state: 'idle' | 'ringing' | 'dialing' | 'active'; number?: string };
  hung: boolean;
  portPresent: boolean;
  sentCount: number;
}

export interface SimulatedModemOptions {
  id: string;
  clock: Clock;
  logger: Logger;
  flavour?: SimFlavour;
  imei?: string;
  iccid?: string;
  imsi?: string;
  /** SIM PIN; the SIM starts locked when set. */
  pin?: string;
  puk?: string;
  /** Slots per storage. Default 30. */
  storageSize?: number;
  /** Own number (recipient of status reports' submitter). */
  ownNumber?: string;
  /** Directory for the PTY links; a fresh temp dir by default. */
  linkDir?: string;
  /** Between RINGs. Default 3000. */
  ringIntervalMs?: number;
  /** Delay before a sent SMS's status report arrives. Default 300. */
  reportDelayMs?: number;
  /** Power-off to banners on reboot. Default 500. */
  rebootMs?: number;
}

export interface SimulatedModemEvents extends Record<string, unknown[]> {
  /** Every command line received (for tests and the simulator UI). */
  command: [string];
  sent: [SentSms];
}

const REG_CODES = { unregistered: 0, home: 1, searching: 2, denied: 3, roaming: 5 } as const;

/**
 * A GSM modem simulated in-process, speaking AT on the far end of a socat PTY
 * pair: the product opens `portPath` with serialport, exactly like a USB modem.
 * Default 27.005/27.007 behaviours plus vendor flavours; the network-side API
 * (deliverSms, incomingCall, setSignal, reboot, vanish...) drives it.
 */
export class SimulatedModem extends TypedEmitter<SimulatedModemEvents> {
  readonly id: string;
  readonly flavour: SimFlavour;
  readonly clock: Clock;
  readonly log: Logger;
  readonly options: SimulatedModemOptions;
  #linkDir: string | undefined;
  #pty: SocatPtyPair | undefined;
  #stream: ByteStream | undefined;
  #behaviours: SimBehaviour[] = [];
  #input = '';
  #promptHandler: SimReply['prompt'] | undefined;
  #busy: Promise<void> = Promise.resolve();
  #timers = new Set<Timer>();
  #ringTimer: Timer | undefined;
  #started = false;

  // ---- modem state (public to behaviours)
  echo = true;
  cmee = 0;
  cmgf = 0;
  /** +CNMI <mt> and <ds>. */
  cnmiMt = 0;
  cnmiDs = 0;
  clip = false;
  crc = false;
  cregN = 0;
  /** Read/delete storage (mem1) and receive storage (mem3). */
  mem1 = 'SM';
  mem3 = 'SM';
  storages = new Map<string, Map<number, SimStoredSms>>();
  /** Messages the network holds while the receive storage is full. */
  pendingDeliveries: string[] = [];
  signalCsq = 20;
  registration: SimModemStatus['registration'] = 'home';
  operator = 'Linegate Sim';
  sim: SimModemStatus['sim'] = 'ready';
  pinAttempts = 3;
  pukAttempts = 10;
  hung = false;
  call: SimModemStatus['call'] = { state: 'idle' };
  dtmf = '';
  nextReference = 0;
  sentMessages: SentSms[] = [];
  /** +CMGS fault injection: delay before answering, and an error to answer with. */
  cmgsDelayMs = 0;
  cmgsFailure: string | undefined;
  /** USSD answers by request. */
  ussdReplies = new Map<string, string>([['*100#', 'Your balance is 10.00']]);
  #concatRef = 0;
  /** Bumped whenever the port vanishes: a send in progress across it never reached the network. */
  portGeneration = 0;

  constructor(options: SimulatedModemOptions) {
    super();
    this.options = options;
    this.id = options.id;
    this.flavour = options.flavour ?? 'generic';
    this.clock = options.clock;
    this.log = childLogger(options.logger, `sim.modem.${options.id}`);
    if (options.pin) this.sim = 'pin';
    this.#behaviours = defaultBehaviours(this.flavour);
  }

  /** The device path the product opens (known once started). */
  get portPath(): string {
    if (!this.#pty) throw new LinegateError('UNAVAILABLE', `simulated modem ${this.id} is not started`);
    return this.#pty.nearLink;
  }

  get storageSize(): number {
    return this.options.storageSize ?? 30;
  }

  /** Adds a behaviour that is asked before all others. */
  addBehaviour(behaviour: SimBehaviour): () => void {
    this.#behaviours.unshift(behaviour);
    return () => {
      this.#behaviours = this.#behaviours.filter((b) => b !== behaviour);
    };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#linkDir = this.options.linkDir ?? mkdtempSync(join(tmpdir(), `linegate-sim-${this.id}-`));
    this.#pty = new SocatPtyPair({
      nearLink: join(this.#linkDir, `${this.id}.tty`),
      farLink: join(this.#linkDir, `${this.id}.far`),
      clock: this.clock,
    });
    await this.#plugIn(false);
  }

  /**
   * Starts on a given byte stream instead of a socat PTY (fake-clock unit tests
   * use MemoryByteStream.pair()). vanish()/comeBack() need the PTY.
   */
  startOnStream(stream: ByteStream): void {
    this.#started = true;
    this.#useStream(stream);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.#ringTimer?.cancel();
    await this.#unplug();
    if (this.options.linkDir === undefined && this.#linkDir)
      rmSync(this.#linkDir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------ network-side API

  /** The network delivers an SMS (encoded as DELIVER PDUs; several when long). Returns the parts. */
  deliverSms(from: string, text: string): string[] {
    this.#concatRef = (this.#concatRef + 1) & 0xff;
    const pdus = encodeDeliver({ from, text, epochMs: this.clock.wallClockMs(), concatRef: this.#concatRef });
    for (const pdu of pdus) this.deliverPdu(pdu);
    return pdus;
  }

  /** The network delivers a pre-encoded DELIVER PDU (SMSC prefix included). */
  deliverPdu(pdu: string): void {
    if (this.cnmiMt === 2 && this.#stream) {
      this.#urc(`+CMT: ,${pdu.length / 2 - 1 - Number.parseInt(pdu.slice(0, 2), 16)}`, pdu);
      return;
    }
    const index = this.#store(this.mem3, { stat: 0, pdu });
    if (index === undefined) {
      // A full SIM: the network keeps the message and retries, as a real SMSC does.
      this.pendingDeliveries.push(pdu);
      return;
    }
    if (this.cnmiMt === 1) this.#urc(`+CMTI: "${this.mem3}",${index}`);
  }

  /** Fills the receive storage with old messages (storage-full scenario). */
  fillStorage(): void {
    while (
      this.#store(this.mem3, {
        stat: 1,
        pdu: encodeDeliver({ from: '+15550001', text: 'old', epochMs: 0 })[0]!,
      }) !== undefined
    ) {
      // fill every free slot
    }
  }

  /** What the modem sent (decoded SUBMITs, in order). */
  sent(): SentSms[] {
    return [...this.sentMessages];
  }

  incomingCall(from: string): void {
    this.call = { state: 'ringing', number: from };
    const ring = () => {
      if (this.call.state !== 'ringing') return;
      this.#urc(this.crc ? '+CRING: VOICE' : 'RING');
      if (this.clip) this.#urc(`+CLIP: "${from}",${from.startsWith('+') ? 145 : 129},,,,0`);
      this.#ringTimer = this.clock.setTimer(this.options.ringIntervalMs ?? 3000, ring);
    };
    ring();
  }

  /** The far end hangs up (or stops calling). */
  remoteHangup(): void {
    if (this.call.state === 'idle') return;
    const wasRinging = this.call.state === 'ringing';
    this.call = { state: 'idle' };
    this.#ringTimer?.cancel();
    if (!wasRinging) this.#urc('NO CARRIER');
  }

  /** The product hung up (ATH / AT+CHUP): no NO CARRIER follows. */
  endCallLocally(): void {
    this.call = { state: 'idle' };
    this.#ringTimer?.cancel();
  }

  /** The far end answers our outgoing call. */
  remoteAnswer(): void {
    if (this.call.state !== 'dialing') return;
    this.call = { ...this.call, state: 'active' };
    if (this.flavour === 'quectel') this.#urc(`^DSCI: 1,0,0,0,${this.call.number ?? ''},129`);
  }

  setSignal(csq: number): void {
    this.signalCsq = csq;
    if (this.flavour === 'huawei') this.#urc(`^RSSI:${csq}`);
  }

  setRegistration(registration: SimModemStatus['registration']): void {
    this.registration = registration;
    const stat = REG_CODES[registration];
    if (this.cregN === 1) this.#urc(`+CREG: ${stat}`);
    if (this.cregN === 2) this.#urc(`+CREG: ${stat},"00A8","5355E8D",0`);
  }

  /** The modem stops answering (firmware hang) until `unhang()` or a reboot. */
  hang(): void {
    this.hung = true;
  }

  unhang(): void {
    this.hung = false;
  }

  /** A spontaneous reboot: silence, then boot banners; settings back to power-on defaults. */
  reboot(): void {
    this.#powerOnDefaults();
    this.hung = true;
    this.#later(this.options.rebootMs ?? 500, () => {
      this.hung = false;
      this.#banners();
    });
  }

  /** The USB port disappears (socat stops, the links go away). */
  async vanish(): Promise<void> {
    await this.#unplug();
  }

  /** The port comes back (a re-enumerated modem, freshly booted). */
  async comeBack(): Promise<void> {
    if (this.#stream || !this.#started) return;
    this.#powerOnDefaults();
    await this.#plugIn(true);
  }

  status(): SimModemStatus {
    const rx = this.storages.get(this.mem3);
    return {
      signalCsq: this.signalCsq,
      signalDbm: csqToDbm(this.signalCsq) ?? null,
      registration: this.registration,
      sim: this.sim,
      storage: { used: rx?.size ?? 0, total: this.storageSize, pending: this.pendingDeliveries.length },
      call: { ...this.call },
      hung: this.hung,
      portPresent: this.#stream !== undefined,
      sentCount: this.sentMessages.length,
    };
  }

  // ------------------------------------------------------------ used by behaviours

  storage(name: string): Map<number, SimStoredSms> {
    let s = this.storages.get(name);
    if (!s) {
      s = new Map();
      this.storages.set(name, s);
    }
    return s;
  }

  /** Frees a slot; a held delivery moves in. */
  deleteStored(storageName: string, index: number): boolean {
    const ok = this.storage(storageName).delete(index);
    if (ok && storageName === this.mem3 && this.pendingDeliveries.length > 0) {
      const next = this.pendingDeliveries.shift()!;
      this.#later(50, () => this.deliverPdu(next));
    }
    return ok;
  }

  /** Records a submitted PDU, answers with a reference, and schedules its status report when asked. */
  acceptSubmit(pdu: string): SentSms {
    const decoded = decodeSubmit(pdu);
    const reference = this.nextReference;
    this.nextReference = (this.nextReference + 1) & 0xff;
    const sent: SentSms = { ...decoded, pdu, reference, atMs: this.clock.wallClockMs() };
    this.sentMessages.push(sent);
    this.emit('sent', sent);
    if (decoded.statusReportRequested) {
      this.#later(this.options.reportDelayMs ?? 300, () => this.#statusReport(sent));
    }
    return sent;
  }

  /** Sends an unsolicited line (and a PDU line for two-line URCs). */
  urc(line: string, pdu?: string): void {
    this.#urc(line, pdu);
  }

  error(cms = false, code = 0): SimReply {
    if (this.cmee === 0) return { final: 'ERROR' };
    return { final: `+${cms ? 'CMS' : 'CME'} ERROR: ${code}` };
  }

  // ------------------------------------------------------------ internals

  #statusReport(sent: SentSms): void {
    const pdu = encodeStatusReport({
      mr: sent.reference,
      recipient: sent.to,
      submittedMs: sent.atMs,
      dischargedMs: this.clock.wallClockMs(),
    });
    if (this.cnmiDs === 1) {
      this.#urc(`+CDS: ${pdu.length / 2 - 1 - Number.parseInt(pdu.slice(0, 2), 16)}`, pdu);
      return;
    }
    if (this.cnmiDs !== 2) return;
    const index = this.#store('SR', { stat: 0, pdu });
    if (index === undefined) return;
    // Quectel EC2x/EG25 announce reports in "SM" while storing them in "SR".
    this.#urc(`+CDSI: "${this.flavour === 'quectel' ? 'SM' : 'SR'}",${index}`);
  }

  #store(name: string, sms: SimStoredSms): number | undefined {
    const s = this.storage(name);
    if (s.size >= this.storageSize) return undefined;
    // Quectel numbers slots from 0, most others from 1.
    const first = this.flavour === 'quectel' ? 0 : 1;
    for (let i = first; i < first + this.storageSize; i++) {
      if (!s.has(i)) {
        s.set(i, sms);
        return i;
      }
    }
    return undefined;
  }

  #powerOnDefaults(): void {
    this.echo = true;
    this.cmee = 0;
    this.cmgf = 0;
    this.cnmiMt = 0;
    this.cnmiDs = 0;
    this.clip = false;
    this.crc = false;
    this.cregN = 0;
    this.call = { state: 'idle' };
    this.#ringTimer?.cancel();
    this.#promptHandler = undefined;
    this.#input = '';
    if (this.options.pin) this.sim = this.sim === 'puk' ? 'puk' : 'pin';
  }

  #banners(): void {
    const lines =
      this.flavour === 'sim800'
        ? ['RDY', '+CFUN: 1', '+CPIN: READY', 'Call Ready', 'SMS Ready']
        : this.flavour === 'huawei'
          ? ['^SYSSTART']
          : ['RDY', '+CPIN: READY', 'SMS DONE', 'PB DONE'];
    for (const l of lines) this.#urc(l);
  }

  #later(ms: number, fn: () => void): void {
    const t = this.clock.setTimer(ms, () => {
      this.#timers.delete(t);
      try {
        fn();
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'simulated modem timer failed');
      }
    });
    this.#timers.add(t);
  }

  async #plugIn(withBanners: boolean): Promise<void> {
    const pty = this.#pty;
    if (!pty) return;
    await pty.start();
    this.#useStream(await SerialPortStream.open(pty.farLink));
    if (withBanners) this.#later(100, () => this.#banners());
  }

  #useStream(stream: ByteStream): void {
    this.#stream = stream;
    stream.onData((chunk) => this.#onData(Buffer.from(chunk).toString('latin1')));
    stream.onClose(() => {
      if (this.#stream === stream) this.#stream = undefined;
    });
  }

  async #unplug(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    this.portGeneration++;
    await stream?.close().catch(() => {});
    await this.#pty?.stop();
  }

  #write(text: string): void {
    this.#stream?.write(text).catch(() => {});
  }

  #urc(line: string, pdu?: string): void {
    if (!this.#stream) return;
    this.log.trace(`» ${line}`);
    this.#write(`\r\n${line}\r\n${pdu ? `${pdu}\r\n` : ''}`);
  }

  #onData(text: string): void {
    this.#input += text;
    for (;;) {
      if (this.#promptHandler) {
        const end = this.#input.search(/[\x1a\x1b]/);
        if (end < 0) return;
        const data = this.#input.slice(0, end).replace(/[\r\n]/g, '');
        const cancelled = this.#input[end] === '\x1b';
        this.#input = this.#input.slice(end + 1);
        const handler = this.#promptHandler;
        this.#promptHandler = undefined;
        if (this.echo) this.#write(data);
        this.#enqueue(async () => this.#reply(await handler(cancelled ? undefined : data)));
        continue;
      }
      const end = this.#input.indexOf('\r');
      if (end < 0) {
        // ESC outside a prompt is harmless; drop it so it does not prefix the next command.
        this.#input = this.#input.replace(/\x1b/g, '');
        return;
      }
      const line = this.#input
        .slice(0, end)
        .replace(/[\n\x1b]/g, '')
        .trim();
      this.#input = this.#input.slice(end + 1);
      if (line) this.#enqueue(() => this.#onCommandLine(line));
    }
  }

  #enqueue(fn: () => Promise<void>): void {
    this.#busy = this.#busy.then(fn).catch((err: unknown) => {
      this.log.warn({ err: errorMessage(err) }, 'simulated modem failed a command');
    });
  }

  async #onCommandLine(line: string): Promise<void> {
    this.log.trace(`« ${line}`);
    this.emit('command', line);
    if (this.hung) return;
    if (this.echo) this.#write(`${line}\r`);
    if (!/^AT/i.test(line)) {
      this.#reply({ final: 'ERROR' });
      return;
    }
    const body = line.slice(2);
    // "AT+COPS=3,0;+COPS?" carries several extended commands; "ATD123;" is one.
    const commands = /^D/i.test(body) || body === '' ? [body] : body.split(/;(?=[+^&A-Z])/i);
    const lines: string[] = [];
    for (const cmd of commands) {
      const r = await this.#dispatch(cmd);
      if (r.prompt) {
        if (lines.length) this.#write(lines.map((l) => `\r\n${l}\r\n`).join(''));
        this.#promptHandler = r.prompt;
        this.#write('\r\n> ');
        return;
      }
      lines.push(...(r.lines ?? []));
      const final = r.final ?? 'OK';
      if (final !== 'OK' || cmd === commands[commands.length - 1]) {
        this.#reply({ lines, final });
        return;
      }
    }
  }

  async #dispatch(cmd: string): Promise<SimReply> {
    for (const b of this.#behaviours) {
      const r = await b(cmd, this);
      if (r) return r;
    }
    return this.flavour === 'huawei' ? { final: 'COMMAND NOT SUPPORT' } : { final: 'ERROR' };
  }

  #reply(r: SimReply): void {
    if (this.hung) return;
    let out = '';
    for (const l of r.lines ?? []) out += `\r\n${l}\r\n`;
    if (r.final) out += `\r\n${r.final}\r\n`;
    if (out) {
      this.log.trace(`» ${out.trim().replace(/\s+/g, ' ')}`);
      this.#write(out);
    }
  }
}
