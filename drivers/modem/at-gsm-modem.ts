import type { AudioDevice, AudioStream } from '../audio/types.ts';
import { AtEngine } from '../at/at-engine.ts';
import { BOOT_BANNERS, splitParams } from '../at/at-lines.ts';
import type { AtCommandOptions, AtResponse, AtUrc } from '../at/types.ts';
import type { Clock, Timer } from '../base/clock.ts';
import { errorMessage, isLinegateError, LinegateError } from '../base/errors.ts';
import { childLogger, type Logger } from '../base/logger.ts';
import { TypedEmitter } from '../base/typed-emitter.ts';
import type { CallerId } from '../line/types.ts';
import type { ByteStream, ByteStreamFactory } from '../serial/types.ts';
import { packSeptets, toSeptets } from './gsm7.ts';
import {
  csqToDbm,
  parseClip,
  parseCmgl,
  parseCmgr,
  parseCmgs,
  parseCops,
  parseCpms,
  parseCreg,
  parseCsq,
  parseStorageIndex,
} from './parse-responses.ts';
import { type ModemProfile, PROFILES, parseAttempts, profileFor } from './profiles.ts';
import { type RecoveryOutcome, RecoveryLadder, sleep } from './recovery-ladder.ts';
import type { GsmModem, GsmModemEvents, IncomingSms, ModemInfo, NetworkState, SimState } from './types.ts';
import { parseCusd, type UssdResult } from './ussd.ts';

export interface AtGsmModemOptions {
  id: string;
  /** Port spec: /dev/..., by-id:..., by-path:..., tcp://host:port (see drivers/serial/device-path.ts). */
  port: string;
  openStream: ByteStreamFactory;
  clock: Clock;
  logger: Logger;
  baudRate?: number;
  /** Force a profile; default 'auto' (chosen from AT+CGMI/AT+CGMM). */
  profile?: ModemProfile['name'] | 'auto';
  /** SIM PIN from config. Entered at most once per value, never with one attempt left. */
  pin?: string;
  /** PUK from config: used only when the modem reports more than one PUK attempt left (and `pin` is set). */
  puk?: string;
  /** Refuse a port whose modem has another IMEI (USB ports renumber; this catches a swap). */
  expectedImei?: string;
  /** The modem's voice audio device (USB audio class, serial PCM port or board codec). */
  audio?: AudioDevice;
  /** Health probe period. Default 30 000. */
  healthIntervalMs?: number;
  /** Probe timeout. Default 5 000. */
  probeTimeoutMs?: number;
  /** Consecutive probe timeouts before the modem counts as lost. Default 2. */
  probeFailuresBeforeLost?: number;
  /** Wait after AT+CFUN=1,1 before reopening; default from the profile. */
  rebootWaitMs?: number;
  /** How long the reopen step keeps retrying a vanished port. Default 60 000. */
  reopenTimeoutMs?: number;
  /** Between reopen attempts. Default 1 000. */
  reopenRetryMs?: number;
  /** Quiet time after a boot banner before re-initialising. Default 3 000. */
  bannerSettleMs?: number;
  /** Configured USB reset / power-cycle (command or GPIO), the last recovery step. */
  hardReset?: () => Promise<void>;
  /** Back-off between full ladder rounds. Default 5 000 doubling to 300 000. */
  recoveryBackoffMs?: { baseMs: number; maxMs: number };
  /** How long sendSms/ussd/dial wait for a recovering modem. Default 120 000. */
  readyWaitMs?: number;
  /** How long ussd() waits for +CUSD. Default 30 000. */
  ussdTimeoutMs?: number;
  /** A ringing call with no RING for this long was missed (caller gave up). Default 10 000. */
  ringTimeoutMs?: number;
  /** Call-state polling with AT+CLCC while a call exists. Default 1 000. */
  callPollMs?: number;
}

export type ModemState = 'closed' | 'opening' | 'ready' | 'recovering';
export type CallState = 'idle' | 'dialing' | 'ringing' | 'active';

const KNOWN_STORAGES = new Set(['SM', 'ME', 'MT', 'SR', 'BM', 'TA']);

/** Fails when opened: a modem without a configured audio device. */
class NoAudioDevice implements AudioDevice {
  readonly name: string;
  readonly #notes: () => string;
  constructor(name: string, notes: () => string) {
    this.name = name;
    this.#notes = notes;
  }
  open(): Promise<AudioStream> {
    return Promise.reject(
      new LinegateError('DEVICE_MISSING', `no audio device configured: ${this.#notes()}`),
    );
  }
}

/** Message type indicator of a PDU with its SMSC prefix: 0 DELIVER, 2 STATUS-REPORT. */
function pduMessageType(pdu: string): number | undefined {
  const smscLen = Number.parseInt(pdu.slice(0, 2), 16);
  if (!Number.isFinite(smscLen)) return undefined;
  const fo = Number.parseInt(pdu.slice(2 + smscLen * 2, 4 + smscLen * 2), 16);
  return Number.isFinite(fo) ? fo & 0x03 : undefined;
}

/**
 * A GSM modem driven over AT (27.007/27.005 with vendor profiles), with its
 * own supervisor: health probes, escalating recovery (re-init → AT+CFUN=1,1 →
 * reopen the port → configured hard reset), reboot detection by banners.
 *
 * Events (GsmModemEvents): `sms` for every stored message (storage+index; the
 * SMS layer persists it, then calls deleteSms) and every +CMT/+CDS; `ring`
 * per ring cycle with the CLIP caller; `callAnswered`; `callEnded` with a
 * reason; `network` on any change; `lost` with the reason; `recovered`.
 */
export class AtGsmModem extends TypedEmitter<GsmModemEvents> implements GsmModem {
  readonly id: string;
  readonly audio: AudioDevice;
  readonly #o: AtGsmModemOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #engine: AtEngine;
  #stream: ByteStream | undefined;
  #state: ModemState = 'closed';
  #profile: ModemProfile = PROFILES.generic;
  #info: ModemInfo | undefined;
  #network: NetworkState = { sim: 'unknown', registration: 'unknown' };
  #csReg: NetworkState['registration'] = 'unknown';
  #epsReg: NetworkState['registration'] = 'unknown';
  #life = new AbortController();
  #healthTimer: Timer | undefined;
  #probeFailures = 0;
  #recovering: Promise<void> | undefined;
  #ownResetUntilMs = 0;
  #bannerTimer: Timer | undefined;
  #readyWaiters = new Set<() => void>();
  #lock: Promise<unknown> = Promise.resolve();
  /** "storage:index" → PDU of each message announced and not yet deleted (rescans do not repeat them). */
  #emitted = new Map<string, string>();
  /** PIN / PUK values the SIM rejected: never tried again. */
  #rejectedSecrets = new Set<string>();
  #callState: CallState = 'idle';
  #callPoll: Timer | undefined;
  #ringTimer: Timer | undefined;
  #ringEndTimer: Timer | undefined;
  #lastCaller: CallerId = {};
  #clipSeen = false;
  #ussdWaiter: ((r: UssdResult) => void) | undefined;
  #ussdLock: Promise<unknown> = Promise.resolve();
  /** Last recovery: what worked and how long it took (for health and the report). */
  lastRecovery: (RecoveryOutcome & { reason: string }) | undefined;

  constructor(options: AtGsmModemOptions) {
    super();
    this.#o = options;
    this.id = options.id;
    this.#clock = options.clock;
    this.#log = childLogger(options.logger, `modem.${options.id}`);
    this.#engine = new AtEngine({ clock: options.clock, logger: childLogger(this.#log, `at.${options.id}`) });
    this.audio = options.audio ?? new NoAudioDevice(`${options.id}-audio`, () => this.#profile.audioNotes);
  }

  get network(): NetworkState {
    return { ...this.#network };
  }

  get state(): ModemState {
    return this.#state;
  }

  get callState(): CallState {
    return this.#callState;
  }

  get info(): ModemInfo | undefined {
    return this.#info;
  }

  get profile(): ModemProfile {
    return this.#profile;
  }

  get atStats(): AtEngine['stats'] {
    return this.#engine.stats;
  }

  /** Opens the port, identifies the modem, unlocks the SIM, configures SMS and calls, scans stored SMS. */
  async open(signal: AbortSignal): Promise<ModemInfo> {
    if (this.#state !== 'closed') throw new LinegateError('CONFLICT', `modem ${this.id} is already open`);
    this.#life = new AbortController();
    signal.addEventListener('abort', () => void this.close(), { once: true });
    this.#state = 'opening';
    this.#subscribeUrcs();
    try {
      await this.#connect();
      const info = await this.#initialise();
      this.#setReady();
      this.#scheduleHealth();
      void this.scanStorage();
      return info;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /**
   * Like open(), but a modem that is absent or broken at start is not an error:
   * it emits `lost` with the reason and keeps climbing the recovery ladder
   * (reopen → hard reset, with back-off) until the modem answers, then emits
   * `recovered` and resolves. Rejects only when `signal` aborts. The daemon can
   * start without awaiting it, so a missing USB modem never blocks boot.
   */
  async openWithRetry(signal: AbortSignal): Promise<ModemInfo> {
    let reason: string;
    try {
      return await this.open(signal);
    } catch (err) {
      signal.throwIfAborted();
      reason = `open failed: ${errorMessage(err)}`;
    }
    this.#life = new AbortController();
    signal.addEventListener('abort', () => void this.close(), { once: true });
    this.#subscribeUrcs();
    this.#state = 'recovering';
    this.#log.warn({ reason }, 'modem not available at start; retrying');
    this.emit('lost', reason);
    const startedMs = this.#clock.now();
    const outcome = await this.#ladder().run(this.#life.signal, 2);
    this.lastRecovery = { ...outcome, durationMs: this.#clock.now() - startedMs, reason };
    this.#setReady();
    this.#scheduleHealth();
    this.emit('recovered');
    void this.scanStorage();
    return this.#info!;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed' && !this.#stream) return;
    this.#state = 'closed';
    this.#life.abort();
    this.#healthTimer?.cancel();
    this.#bannerTimer?.cancel();
    this.#endCallTimers();
    this.#engine.detach('modem closed');
    this.#engine.removeAllListeners();
    this.#emitted.clear();
    const stream = this.#stream;
    this.#stream = undefined;
    try {
      await stream?.close();
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'closing port failed');
    }
    for (const w of this.#readyWaiters) w();
    this.#readyWaiters.clear();
  }

  // ---------------------------------------------------------------- SMS

  async sendSms(pdus: string[]): Promise<number[]> {
    const refs: number[] = [];
    for (const [i, raw] of pdus.entries()) {
      const pdu = raw.trim().toUpperCase();
      if (!/^(?:[0-9A-F]{2})+$/.test(pdu)) throw new LinegateError('PDU_INVALID', `PDU ${i} is not hex`);
      const smscLen = Number.parseInt(pdu.slice(0, 2), 16);
      const tpduLen = pdu.length / 2 - 1 - smscLen;
      if (tpduLen <= 0) throw new LinegateError('PDU_INVALID', `PDU ${i} has no TPDU after its SMSC`);
      await this.#whenReady();
      try {
        const r = await this.#engine.command(`AT+CMGS=${tpduLen}`, { promptData: pdu });
        const ref = parseCmgs(r.lines);
        if (ref === undefined) throw new LinegateError('AT_ERROR', 'AT+CMGS answered OK without +CMGS');
        refs.push(ref);
      } catch (err) {
        this.#noteCommandFailure(err);
        const details: Record<string, unknown> = {
          sentReferences: [...refs],
          failedIndex: i,
          // +CMS 3xx/5xx from the network are worth a retry; a lost port or timeout always is.
          retryable: !isLinegateError(err, 'AT_ERROR') || isRetryableCms(err),
          cause: isLinegateError(err) ? err.code : 'INTERNAL',
          ...(isLinegateError(err) ? err.details : {}),
        };
        // The PDU reached the modem before the failure: it may have gone out (the answer
        // was lost with the port). A retry can then duplicate; the SMS layer may flag it.
        details.maybeSent = details.promptDataSent === true && details.kind !== 'cms';
        // The +CMS code under the name the SMS layer reads (daemon/sms/cms-errors.ts).
        if (details.kind === 'cms' && typeof details.code === 'number') details.cms = details.code;
        const code = isLinegateError(err) ? err.code : 'DEVICE_FAILED';
        throw new LinegateError(code, `sending SMS part ${i + 1}/${pdus.length}: ${errorMessage(err)}`, {
          cause: err,
          details,
        });
      }
    }
    return refs;
  }

  /**
   * Deletes a message this modem announced, once the SMS layer has persisted it.
   * The slot is read first: SIM slots are reused, so a late or repeated delete
   * (the same message announced twice around a recovery) must never remove the
   * next message that moved into the slot. Pass the announced `pdu` to make the
   * check exact; without it the last PDU announced for the slot is assumed. A
   * slot we did not announce, or already deleted, is left alone.
   */
  async deleteSms(storage: string, index: number, pdu?: string): Promise<void> {
    const key = `${storage}:${index}`;
    if (pdu === undefined && !this.#emitted.has(key)) {
      this.#log.debug({ storage, index }, 'delete of a message not (or no longer) announced: nothing to do');
      return;
    }
    await this.#whenReady();
    await this.#exclusive(async () => {
      const expected = pdu?.toUpperCase() ?? this.#emitted.get(key);
      if (expected === undefined) return;
      await this.#withStorage(storage, async () => {
        const now = parseCmgr((await this.#cmd(`AT+CMGR=${index}`)).lines);
        if (now && now.pdu !== expected) {
          this.#log.warn({ storage, index }, 'slot holds another message; not deleting it');
          if (this.#emitted.get(key) !== now.pdu) {
            this.#emitted.delete(key);
            const report = storage === this.#profile.statusReportStorage;
            queueMicrotask(() => this.#emitStored(storage, index, now.pdu, report));
          }
          return;
        }
        if (now) await this.#cmd(`AT+CMGD=${index}`);
        if (this.#emitted.get(key) === expected) this.#emitted.delete(key);
      });
    });
  }

  /**
   * Lists every stored message (SMS storage and the status-report storage) and
   * emits the new ones; with `again`, also those announced before and still there
   * (after a recovery or when the storage is full: a delete may have been lost).
   */
  async scanStorage(again = false): Promise<number> {
    if (this.#state !== 'ready') return 0;
    let found = 0;
    try {
      await this.#exclusive(async () => {
        const storages = [this.#profile.smsStorage];
        if (this.#profile.statusReportStorage !== this.#profile.smsStorage) {
          storages.push(this.#profile.statusReportStorage);
        }
        for (const storage of storages) {
          let listed: ReturnType<typeof parseCmgl>;
          try {
            listed = await this.#withStorage(storage, async () =>
              parseCmgl((await this.#engine.command('AT+CMGL=4')).lines),
            );
          } catch (err) {
            // Not every modem has an "SR" storage; the main storage failing is worth a warning.
            if (isLinegateError(err, 'AT_ERROR')) {
              this.#log.debug({ storage, err: errorMessage(err) }, 'cannot list storage');
              continue;
            }
            throw err;
          }
          for (const m of listed) {
            if (
              this.#emitStored(storage, m.index, m.pdu, storage === this.#profile.statusReportStorage, again)
            )
              found++;
          }
        }
      });
    } catch (err) {
      this.#noteCommandFailure(err);
      this.#log.warn({ err: errorMessage(err) }, 'storage scan failed');
    }
    return found;
  }

  // ---------------------------------------------------------------- voice

  async dial(number: string): Promise<void> {
    if (!/^\+?[0-9*#]{1,40}$/.test(number)) throw new LinegateError('BAD_REQUEST', `bad number "${number}"`);
    if (this.#callState !== 'idle') throw new LinegateError('CONFLICT', `modem ${this.id} has a call`);
    await this.#whenReady();
    this.#setCallState('dialing');
    try {
      await this.#engine.command(`ATD${number};`);
    } catch (err) {
      const reason = isLinegateError(err) ? String(err.details?.final ?? err.code) : 'ERROR';
      this.#callEnded(reason);
      throw err;
    }
  }

  async answer(): Promise<void> {
    if (this.#callState !== 'ringing') throw new LinegateError('CONFLICT', `modem ${this.id} is not ringing`);
    await this.#engine.command('ATA');
    this.#ringEndTimer?.cancel();
    this.#setCallState('active');
    this.emit('callAnswered');
  }

  async hangup(): Promise<void> {
    if (this.#callState === 'idle') return;
    try {
      await this.#engine.command('AT+CHUP');
    } catch {
      await this.#engine.command('ATH');
    }
    this.#callEnded('local hangup');
  }

  async sendDtmf(digits: string): Promise<void> {
    if (!/^[0-9A-D*#]+$/i.test(digits)) throw new LinegateError('BAD_REQUEST', `bad DTMF digits "${digits}"`);
    if (this.#callState !== 'active')
      throw new LinegateError('CONFLICT', `modem ${this.id} has no active call`);
    for (const d of digits) await this.#engine.command(`AT+VTS=${d}`);
  }

  // ---------------------------------------------------------------- USSD

  async ussd(code: string): Promise<string> {
    const r = await this.ussdSession(code);
    if (r.status === 4) throw new LinegateError('AT_ERROR', 'USSD request not supported by the network');
    return r.text;
  }

  /** USSD with its status (1 = the network waits for a reply: call again with the reply text). */
  ussdSession(code: string): Promise<UssdResult> {
    if (!/^[0-9*#+]{1,160}$/.test(code))
      return Promise.reject(new LinegateError('BAD_REQUEST', `bad USSD "${code}"`));
    const run = this.#ussdLock.then(async () => {
      await this.#whenReady();
      const timeoutMs = this.#o.ussdTimeoutMs ?? 30_000;
      const answer = new Promise<UssdResult>((resolve, reject) => {
        const timer = this.#clock.setTimer(timeoutMs, () => {
          this.#ussdWaiter = undefined;
          reject(new LinegateError('TIMEOUT', `no USSD answer in ${timeoutMs} ms`));
        });
        this.#ussdWaiter = (r) => {
          timer.cancel();
          this.#ussdWaiter = undefined;
          resolve(r);
        };
      });
      let request = `"${code}"`;
      if (this.#profile.ussdSendPacked) {
        const septets = toSeptets(code) ?? [];
        request = `"${Buffer.from(packSeptets(septets)).toString('hex').toUpperCase()}"`;
      }
      try {
        await this.#engine.command(`AT+CUSD=1,${request},15`);
      } catch (err) {
        this.#ussdWaiter?.({ status: 4, text: '', dcs: 15 });
        answer.catch(() => {});
        throw err;
      }
      return answer;
    });
    this.#ussdLock = run.catch(() => {});
    return run;
  }

  /** Ends a USSD menu session the network left open (status 1). */
  async ussdCancel(): Promise<void> {
    await this.#whenReady();
    await this.#tryCmd('AT+CUSD=2');
  }

  // ---------------------------------------------------------------- opening and init

  async #connect(): Promise<void> {
    const stream = await this.#o.openStream(this.#o.port, {
      baudRate: this.#o.baudRate ?? 115200,
      signal: this.#life.signal,
      clock: this.#clock,
    });
    if (this.#life.signal.aborted) {
      await stream.close();
      throw new LinegateError('UNAVAILABLE', 'modem closed while opening');
    }
    this.#stream = stream;
    this.#engine.attach(stream);
    this.#log.info({ path: stream.path }, 'modem port open');
  }

  async #disconnect(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    this.#engine.detach('reopening');
    try {
      await stream?.close();
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'closing port failed');
    }
  }

  #cmd(command: string, options?: AtCommandOptions): Promise<AtResponse> {
    return this.#engine.command(command, options);
  }

  async #tryCmd(command: string, options?: AtCommandOptions): Promise<AtResponse | undefined> {
    try {
      return await this.#cmd(command, options);
    } catch (err) {
      if (!isLinegateError(err, 'AT_ERROR')) throw err;
      this.#log.debug({ command, err: errorMessage(err) }, 'optional command failed');
      return undefined;
    }
  }

  /** Gets the modem's attention: a few short ATs (clears a half-typed line, autobaud, boot noise). */
  async #sync(): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        await this.#cmd('AT', { timeoutMs: this.#o.probeTimeoutMs ?? 1500 });
        return;
      } catch (err) {
        lastErr = err;
        if (isLinegateError(err, 'DEVICE_MISSING')) throw err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new LinegateError('AT_TIMEOUT', 'modem does not answer AT');
  }

  async #initialise(): Promise<ModemInfo> {
    await this.#sync();
    await this.#tryCmd('ATE0');
    await this.#tryCmd('AT+CMEE=1');
    const manufacturer = firstInfoLine(await this.#tryCmd('AT+CGMI'));
    const model = firstInfoLine(await this.#tryCmd('AT+CGMM'));
    const revision = firstInfoLine(await this.#tryCmd('AT+CGMR')).replace(/^Revision:\s*/i, '');
    const imei = (firstInfoLine(await this.#tryCmd('AT+CGSN')).match(/\d{14,16}/) ?? [''])[0]!;
    const wanted = this.#o.profile ?? 'auto';
    this.#profile = wanted === 'auto' ? profileFor(`${manufacturer} ${model}`) : PROFILES[wanted];
    if (this.#o.expectedImei && imei && imei !== this.#o.expectedImei) {
      throw new LinegateError(
        'DEVICE_FAILED',
        `port ${this.#o.port} has IMEI ${imei}, not ${this.#o.expectedImei}`,
      );
    }
    const sim = await this.#unlockSim();
    this.#setNetwork({ sim });
    const info: ModemInfo = { manufacturer, model, revision, imei, profile: this.#profile.name };
    if (sim === 'ready') {
      const iccidLine = firstInfoLine(await this.#tryCmd(this.#profile.iccidCommand));
      const iccid = (iccidLine.match(/[0-9A-Fa-f]{18,22}/) ?? [undefined])[0];
      if (iccid) info.iccid = iccid.toUpperCase().replace(/F$/, '');
      const imsi = (firstInfoLine(await this.#tryCmd('AT+CIMI')).match(/\d{6,15}/) ?? [undefined])[0];
      if (imsi) info.imsi = imsi;
      // SIM800 refuses SMS commands until "SMS Ready": retry briefly.
      await this.#retrying('AT+CMGF=0', 5);
      await this.#tryCmd('AT+CSCS="GSM"');
      await this.#retrying(this.#profile.cnmi, 3);
      const s = this.#profile.smsStorage;
      await this.#retrying(`AT+CPMS="${s}","${s}","${s}"`, 3);
    }
    await this.#tryCmd('AT+CLIP=1');
    await this.#tryCmd('AT+CRC=1');
    if (!(await this.#tryCmd('AT+CREG=2'))) await this.#tryCmd('AT+CREG=1');
    await this.#tryCmd('AT+CEREG=2');
    for (const c of this.#profile.extraInit) await this.#tryCmd(c);
    await this.#refreshNetwork(true);
    this.#info = info;
    this.#log.info({ ...info, network: this.#network }, 'modem initialised');
    return info;
  }

  async #retrying(command: string, tries: number): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.#cmd(command);
        return;
      } catch (err) {
        if (!isLinegateError(err, 'AT_ERROR') || i >= tries) throw err;
        await sleep(this.#clock, 1000, this.#life.signal);
      }
    }
  }

  async #simStatus(): Promise<{ state: SimState; raw: string }> {
    for (let i = 0; i < 5; i++) {
      const r = await this.#cmd('AT+CPIN?', { allowError: true });
      if (r.result.ok) {
        const raw = (r.lines.find((l) => l.startsWith('+CPIN:')) ?? '').replace(/^\+CPIN:\s*/, '').trim();
        if (raw === 'READY') return { state: 'ready', raw };
        if (raw === 'SIM PIN') return { state: 'pin', raw };
        if (raw === 'SIM PUK') return { state: 'puk', raw };
        return { state: 'error', raw };
      }
      // 27.007 +CME 10 = SIM not inserted; 14 = SIM busy (still booting): wait and ask again.
      if (r.result.code === 10 || /not inserted/i.test(r.result.text ?? ''))
        return { state: 'absent', raw: r.final };
      if (r.result.code !== 14 && !/busy|not ready/i.test(r.result.text ?? ''))
        return { state: 'error', raw: r.final };
      await sleep(this.#clock, 1000, this.#life.signal);
    }
    return { state: 'error', raw: 'SIM busy' };
  }

  async #attempts(): Promise<{ pin?: number; puk?: number }> {
    const c = this.#profile.pinAttemptsCommand;
    if (!c) return {};
    return parseAttempts((await this.#tryCmd(c))?.lines ?? []);
  }

  /**
   * Unlocks the SIM with the configured PIN (or PUK) without ever spending a
   * last attempt: with one attempt left, or an unknown PUK count, it stops and
   * reports the state so a person decides. A value the SIM rejected once is
   * never tried again.
   */
  async #unlockSim(): Promise<SimState> {
    let status = await this.#simStatus();
    if (status.state === 'pin' && this.#o.pin) {
      const attempts = await this.#attempts();
      if (this.#rejectedSecrets.has(`pin:${this.#o.pin}`)) {
        this.#log.error('configured SIM PIN was rejected before; not trying it again');
      } else if (attempts.pin !== undefined && attempts.pin <= 1) {
        this.#log.error(
          { attemptsLeft: attempts.pin },
          'one PIN attempt left: not entering the PIN automatically',
        );
      } else {
        const r = await this.#cmd(`AT+CPIN="${this.#o.pin}"`, { allowError: true });
        if (!r.result.ok) {
          this.#rejectedSecrets.add(`pin:${this.#o.pin}`);
          this.#log.error({ final: r.final }, 'SIM rejected the configured PIN');
        }
        status = await this.#waitSimSettled();
      }
    } else if (status.state === 'puk' && this.#o.puk && this.#o.pin) {
      const attempts = await this.#attempts();
      if (this.#rejectedSecrets.has(`puk:${this.#o.puk}`)) {
        this.#log.error('configured PUK was rejected before; not trying it again');
      } else if (attempts.puk === undefined || attempts.puk <= 1) {
        this.#log.error(
          { attemptsLeft: attempts.puk },
          'PUK attempts unknown or last one: not entering the PUK',
        );
      } else {
        const r = await this.#cmd(`AT+CPIN="${this.#o.puk}","${this.#o.pin}"`, { allowError: true });
        if (!r.result.ok) this.#rejectedSecrets.add(`puk:${this.#o.puk}`);
        status = await this.#waitSimSettled();
      }
    }
    if (status.state !== 'ready') this.#log.error({ sim: status.state, detail: status.raw }, 'SIM not ready');
    return status.state;
  }

  async #waitSimSettled(): Promise<{ state: SimState; raw: string }> {
    let status = await this.#simStatus();
    for (let i = 0; i < 10 && status.state === 'error'; i++) {
      await sleep(this.#clock, 500, this.#life.signal);
      status = await this.#simStatus();
    }
    return status;
  }

  async #refreshNetwork(full: boolean): Promise<void> {
    const csq = await this.#tryCmd('AT+CSQ');
    const dbm = csq ? parseCsq(csq.lines[0] ?? '') : undefined;
    const update: Partial<NetworkState> = { signalDbm: dbm };
    if (full) {
      const creg = await this.#tryCmd('AT+CREG?');
      const reg = parseCreg(creg?.lines.find((l) => l.startsWith('+CREG')) ?? '', true);
      if (reg) {
        this.#csReg = reg.registration;
        if (reg.technology) update.technology = reg.technology;
      }
      await this.#tryCmd('AT+COPS=3,0');
      const cops = parseCops((await this.#tryCmd('AT+COPS?'))?.lines[0] ?? '');
      if (cops.operator) update.operator = cops.operator;
      if (cops.technology) update.technology = cops.technology;
      update.registration = this.#combinedRegistration();
    }
    this.#setNetwork(update);
  }

  #combinedRegistration(): NetworkState['registration'] {
    // LTE-only modems may be unregistered on CS while attached on EPS (SMS over SGs/IMS still works).
    const good = (r: NetworkState['registration']) => r === 'home' || r === 'roaming';
    if (good(this.#csReg)) return this.#csReg;
    if (good(this.#epsReg)) return this.#epsReg;
    return this.#csReg !== 'unknown' ? this.#csReg : this.#epsReg;
  }

  #setNetwork(update: Partial<NetworkState>): void {
    const next: NetworkState = { ...this.#network };
    for (const [k, v] of Object.entries(update) as [keyof NetworkState, unknown][]) {
      if (v === undefined) {
        if (k === 'signalDbm') delete next.signalDbm;
        continue;
      }
      (next as unknown as Record<string, unknown>)[k] = v;
    }
    if (JSON.stringify(next) === JSON.stringify(this.#network)) return;
    this.#network = next;
    this.emit('network', { ...next });
  }

  #setReady(): void {
    this.#state = 'ready';
    this.#probeFailures = 0;
    for (const w of this.#readyWaiters) w();
    this.#readyWaiters.clear();
  }

  async #whenReady(): Promise<void> {
    if (this.#state === 'ready') return;
    if (this.#state === 'closed') throw new LinegateError('MODEM_NOT_READY', `modem ${this.id} is closed`);
    const waitMs = this.#o.readyWaitMs ?? 120_000;
    await new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimer(waitMs, () => {
        this.#readyWaiters.delete(done);
        reject(new LinegateError('MODEM_NOT_READY', `modem ${this.id} not ready after ${waitMs} ms`));
      });
      const done = () => {
        timer.cancel();
        if (this.#state === 'ready') resolve();
        else reject(new LinegateError('MODEM_NOT_READY', `modem ${this.id} is closed`));
      };
      this.#readyWaiters.add(done);
    });
  }

  /** Runs a multi-command sequence (storage switch + read) without other sequences interleaving. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => {});
    return run;
  }

  async #withStorage<T>(storage: string, fn: () => Promise<T>): Promise<T> {
    const main = this.#profile.smsStorage;
    if (storage === main) return fn();
    await this.#cmd(`AT+CPMS="${storage}"`);
    try {
      return await fn();
    } finally {
      await this.#cmd(`AT+CPMS="${main}","${main}","${main}"`).catch(() => {});
    }
  }

  #emitStored(
    storage: string,
    index: number,
    pdu: string,
    announcedAsReport: boolean,
    again = false,
  ): boolean {
    const key = `${storage}:${index}`;
    if (this.#emitted.get(key) === pdu && !again) return false;
    this.#emitted.set(key, pdu);
    const statusReport = announcedAsReport || pduMessageType(pdu) === 2;
    this.emit('sms', { pdu, storage, index, statusReport });
    return true;
  }

  async #readStored(storage: string, index: number, statusReport: boolean): Promise<void> {
    if (this.#state !== 'ready') return;
    if (!KNOWN_STORAGES.has(storage)) {
      // SIM800L has been seen announcing "SL" (a corrupted name): list everything instead of guessing.
      this.#log.warn({ storage, index }, 'message announced in an unknown storage; scanning all storages');
      await this.scanStorage();
      return;
    }
    try {
      const sms = await this.#exclusive(() =>
        this.#withStorage(storage, async () => parseCmgr((await this.#cmd(`AT+CMGR=${index}`)).lines)),
      );
      if (sms) {
        this.#emitStored(storage, index, sms.pdu, statusReport);
        return;
      }
      this.#log.warn({ storage, index }, 'announced message slot is empty; scanning all storages');
    } catch (err) {
      this.#noteCommandFailure(err);
      this.#log.warn(
        { storage, index, err: errorMessage(err) },
        'reading announced message failed; scanning',
      );
    }
    await this.scanStorage();
  }

  // ---------------------------------------------------------------- URCs

  #subscribeUrcs(): void {
    const e = this.#engine;
    e.on('urc', (urc) => {
      try {
        this.#onUrc(urc);
      } catch (err) {
        this.#log.warn({ line: urc.line, err: errorMessage(err) }, 'URC handling failed');
      }
    });
    e.on('closed', (reason) => this.#lose(`port lost: ${reason}`));
    e.on('unsolicited', (line) => this.#log.debug({ line }, 'unexpected line from modem'));
  }

  #onUrc(urc: AtUrc): void {
    if (BOOT_BANNERS.has(urc.name)) {
      this.#onBanner(urc.name);
      return;
    }
    switch (urc.name) {
      case '+CMTI': {
        const at = parseStorageIndex(urc.args);
        if (at) void this.#readStored(at.storage, at.index, false);
        else void this.scanStorage();
        return;
      }
      case '+CDSI': {
        const at = parseStorageIndex(urc.args);
        const storage = this.#profile.trustCdsiStorage ? at?.storage : this.#profile.statusReportStorage;
        if (at && storage) void this.#readStored(storage, at.index, true);
        else void this.scanStorage();
        return;
      }
      case '+CMT':
      case '+CDS':
        if (urc.pdu) {
          const sms: IncomingSms = { pdu: urc.pdu, statusReport: urc.name === '+CDS' };
          this.emit('sms', sms);
        } else {
          this.#log.warn({ line: urc.line }, 'direct SMS without its PDU line');
        }
        return;
      case '+CIEV':
      case '^SMMEMFULL':
      case '+QIND':
        if (urc.name === '^SMMEMFULL' || /smsfull|"MEMFULL"/i.test(urc.args)) {
          this.#log.warn({ line: urc.line }, 'SMS storage full; reading it out');
          void this.scanStorage(true);
        }
        return;
      case '+CREG':
      case '+CEREG': {
        const reg = parseCreg(urc.line, false);
        if (!reg) return;
        if (urc.name === '+CREG') this.#csReg = reg.registration;
        else this.#epsReg = reg.registration;
        const update: Partial<NetworkState> = { registration: this.#combinedRegistration() };
        if (reg.technology) update.technology = reg.technology;
        this.#setNetwork(update);
        return;
      }
      case '^RSSI':
      case '+CSQ': {
        const n = Number(splitParams(urc.args)[0]);
        this.#setNetwork({ signalDbm: csqToDbm(n) });
        return;
      }
      case '+CPIN': {
        const v = urc.args.trim();
        const sim: SimState =
          v === 'READY'
            ? 'ready'
            : v === 'SIM PIN'
              ? 'pin'
              : v === 'SIM PUK'
                ? 'puk'
                : /NOT INSERTED/.test(v)
                  ? 'absent'
                  : 'error';
        this.#setNetwork({ sim });
        return;
      }
      case '+CUSD':
        this.#ussdWaiter?.(parseCusd(urc.args, { packedGsm7: this.#profile.ussdPackedGsm7 }));
        return;
      case 'RING':
      case '+CRING':
        this.#onRing();
        return;
      case '+CLIP': {
        const c = parseClip(urc.args);
        this.#lastCaller = c;
        if (!this.#clipSeen && this.#callState === 'ringing') {
          this.#clipSeen = true;
          this.#ringTimer?.cancel();
          this.emit('ring', { ...c });
        }
        return;
      }
      case 'NO CARRIER':
      case 'BUSY':
      case 'NO ANSWER':
      case 'HANGUP':
        this.#callEnded(urc.line);
        return;
      case '^CEND': {
        const p = splitParams(urc.args);
        this.#callEnded(`^CEND cause ${p[3] ?? p[2] ?? '?'}`);
        return;
      }
      case '^CONN':
      case 'MO CONNECTED':
        this.#callAnswered();
        return;
      case 'VOICE CALL':
        if (/BEGIN/i.test(urc.args)) this.#callAnswered();
        else if (/END/i.test(urc.args)) this.#callEnded(urc.line);
        return;
      case '^DSCI':
      case '+CLCC':
        this.#onCallStatus(urc.args);
        return;
      default:
        return;
    }
  }

  #onBanner(name: string): void {
    if (this.#clock.now() < this.#ownResetUntilMs || this.#state !== 'ready') return;
    this.#log.warn({ banner: name }, 'boot banner: the modem rebooted by itself');
    // Banners come in a burst (RDY, +CPIN: READY, Call Ready, SMS Ready): recover once it settles.
    this.#ownResetUntilMs = this.#clock.now() + (this.#o.bannerSettleMs ?? 3000) + 60_000;
    this.#lose('modem rebooted (boot banner)', true);
  }

  // ---------------------------------------------------------------- calls

  #setCallState(s: CallState): void {
    this.#callState = s;
    if (s === 'idle') {
      this.#endCallTimers();
      return;
    }
    if (!this.#callPoll) {
      this.#callPoll = this.#clock.setInterval(this.#o.callPollMs ?? 1000, () => void this.#pollCalls());
    }
  }

  #endCallTimers(): void {
    this.#callPoll?.cancel();
    this.#callPoll = undefined;
    this.#ringTimer?.cancel();
    this.#ringEndTimer?.cancel();
  }

  async #pollCalls(): Promise<void> {
    if (this.#state !== 'ready' || this.#callState === 'idle') return;
    let r: AtResponse | undefined;
    try {
      r = await this.#tryCmd('AT+CLCC', { timeoutMs: 3000 });
    } catch {
      return;
    }
    if (!r) return;
    const voice = r.lines.filter((l) => l.startsWith('+CLCC:'));
    if (voice.length === 0) {
      // 27.007 lists an incoming call (stat 4) while it rings: an empty list means the caller gave up.
      this.#callEnded(this.#callState === 'ringing' ? 'missed' : 'no call listed');
      return;
    }
    for (const l of voice) this.#onCallStatus(l.replace(/^\+CLCC:\s*/, ''));
  }

  /** +CLCC / ^DSCI: <id>,<dir>,<stat>,<mode>,... with stat 0 active, 2/3 dialing/alerting, 4 incoming, 6 ended. */
  #onCallStatus(args: string): void {
    const stat = Number(splitParams(args)[2]);
    if (stat === 0) this.#callAnswered();
    else if (stat === 6) this.#callEnded('call disconnected');
  }

  #onRing(): void {
    const first = this.#callState === 'idle';
    if (first) {
      this.#clipSeen = false;
      this.#lastCaller = {};
      this.#setCallState('ringing');
    } else if (this.#callState !== 'ringing') {
      return;
    }
    // Without +CLIP after RING (withheld or CLIP off), report the ring anyway.
    if (first) {
      this.#ringTimer?.cancel();
      this.#ringTimer = this.#clock.setTimer(1500, () => {
        if (!this.#clipSeen) this.emit('ring', { absence: 'unavailable' });
        this.#clipSeen = true;
      });
    } else if (this.#clipSeen) {
      this.emit('ring', { ...this.#lastCaller });
    }
    // RINGs repeat every ~5 s; silence for 10 s means the caller gave up.
    this.#ringEndTimer?.cancel();
    this.#ringEndTimer = this.#clock.setTimer(this.#o.ringTimeoutMs ?? 10_000, () => {
      if (this.#callState === 'ringing') this.#callEnded('missed');
    });
  }

  #callAnswered(): void {
    if (this.#callState !== 'dialing') return;
    this.#setCallState('active');
    this.emit('callAnswered');
  }

  #callEnded(reason: string): void {
    if (this.#callState === 'idle') return;
    this.#setCallState('idle');
    this.emit('callEnded', reason);
  }

  // ---------------------------------------------------------------- supervisor

  #scheduleHealth(): void {
    this.#healthTimer?.cancel();
    this.#healthTimer = this.#clock.setInterval(this.#o.healthIntervalMs ?? 30_000, () => void this.#probe());
  }

  async #probe(): Promise<void> {
    if (this.#state !== 'ready') return;
    // A send or dial may legitimately keep the modem silent for a long time; probe after it.
    const busy = this.#engine.inFlightCommand;
    if (busy && /^AT(\+CMGS|\+CMSS|D|\+COPS=\?|\+CUSD)/i.test(busy)) return;
    try {
      const r = await this.#cmd('AT+CSQ', {
        timeoutMs: this.#o.probeTimeoutMs ?? 5000,
        timeoutFromEnqueue: true,
        allowError: true,
      });
      this.#probeFailures = 0;
      const dbm = parseCsq(r.lines[0] ?? '');
      this.#setNetwork({ signalDbm: dbm });
      if (this.#network.sim === 'ready') {
        const cpms = await this.#tryCmd('AT+CPMS?', { timeoutMs: this.#o.probeTimeoutMs ?? 5000 });
        const use = cpms ? parseCpms(cpms.lines[0] ?? '') : undefined;
        if (use && use.total > 0 && use.used >= use.total) {
          this.#log.warn(use, 'SMS storage full; reading it out');
          await this.scanStorage(true);
        }
      }
    } catch (err) {
      this.#noteCommandFailure(err);
    }
  }

  /** A command that timed out counts as a failed probe; two in a row mean the modem is lost. */
  #noteCommandFailure(err: unknown): void {
    if (!isLinegateError(err, 'AT_TIMEOUT')) return;
    this.#probeFailures++;
    if (this.#probeFailures >= (this.#o.probeFailuresBeforeLost ?? 2)) {
      this.#lose('modem does not answer');
    } else {
      void this.#probe();
    }
  }

  #lose(reason: string, rebooted = false): void {
    if (this.#state !== 'ready') return;
    this.#state = 'recovering';
    const lostAtMs = this.#clock.now();
    this.#log.warn({ reason }, 'modem lost; recovering');
    this.#endCallTimers();
    if (this.#callState !== 'idle') {
      this.#callState = 'idle';
      this.emit('callEnded', 'modem lost');
    }
    this.emit('lost', reason);
    // Whatever waits in the AT queue belongs to the modem we lost.
    this.#engine.abortAll(reason);
    const signal = this.#life.signal;
    this.#recovering = (async () => {
      try {
        if (rebooted) await sleep(this.#clock, this.#o.bannerSettleMs ?? 3000, signal);
        const outcome = await this.#ladder().run(signal, this.#stream?.isOpen ? 0 : 2);
        this.lastRecovery = { ...outcome, durationMs: this.#clock.now() - lostAtMs, reason };
        this.#ownResetUntilMs = 0;
        this.#setReady();
        this.#log.info(this.lastRecovery, 'modem recovered');
        this.emit('recovered');
        void this.scanStorage(true);
      } catch (err) {
        if (!signal.aborted) this.#log.error({ err: errorMessage(err) }, 'modem recovery stopped');
      } finally {
        this.#recovering = undefined;
      }
    })();
  }

  #ladder(): RecoveryLadder {
    const portOpen = () => this.#stream?.isOpen === true;
    const rebootWaitMs = this.#o.rebootWaitMs ?? this.#profile.rebootTimeMs;
    const reopen = async (signal: AbortSignal, totalMs: number) => {
      await this.#disconnect();
      const deadline = this.#clock.now() + totalMs;
      for (;;) {
        try {
          await this.#connect();
          break;
        } catch (err) {
          if (signal.aborted || this.#clock.now() >= deadline) throw err;
          await sleep(this.#clock, this.#o.reopenRetryMs ?? 1000, signal);
        }
      }
      await this.#initialise();
    };
    return new RecoveryLadder({
      clock: this.#clock,
      logger: this.#log,
      baseBackoffMs: this.#o.recoveryBackoffMs?.baseMs ?? 5_000,
      maxBackoffMs: this.#o.recoveryBackoffMs?.maxMs ?? 300_000,
      steps: [
        { name: 'reinit', applicable: portOpen, run: () => this.#initialise().then(() => {}) },
        {
          name: 'cfun-reset',
          applicable: portOpen,
          run: async (signal) => {
            this.#ownResetUntilMs = this.#clock.now() + rebootWaitMs + 30_000;
            await this.#cmd('AT+CFUN=1,1', { timeoutMs: this.#o.probeTimeoutMs ?? 5000 }).catch(() => {});
            await sleep(this.#clock, rebootWaitMs, signal);
            // USB modems re-enumerate on reset: always reopen the port.
            await reopen(signal, this.#o.reopenTimeoutMs ?? 60_000);
          },
        },
        {
          name: 'reopen',
          applicable: () => true,
          run: (signal) => reopen(signal, this.#o.reopenTimeoutMs ?? 60_000),
        },
        {
          name: 'hard-reset',
          applicable: () => this.#o.hardReset !== undefined,
          run: async (signal) => {
            await this.#disconnect();
            this.#ownResetUntilMs = this.#clock.now() + rebootWaitMs + 30_000;
            await this.#o.hardReset?.();
            await sleep(this.#clock, rebootWaitMs, signal);
            await reopen(signal, this.#o.reopenTimeoutMs ?? 60_000);
          },
        },
      ],
    });
  }

  /** Resolves once an in-progress recovery ends (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#recovering;
  }
}

function firstInfoLine(r: AtResponse | undefined): string {
  return (r?.lines[0] ?? '')
    .replace(/^\+\w+:\s*/, '')
    .replace(/^"|"$/g, '')
    .trim();
}

/**
 * +CMS ERROR codes that will fail again however often they are retried
 * (27.005 §3.2.5: 0-127 RP causes of 24.011 Annex E-2, 128-255 TP-FCS of
 * 23.040 §9.2.3.22, 300+ ME/SIM/SMSC). Everything else (network out of order,
 * congestion, temporary failure, SC busy, no network service, network timeout,
 * unknown 500, vendor 512+) is worth a retry with back-off.
 */
const PERMANENT_CMS = new Set([
  1, 8, 10, 21, 29, 30, 50, 69, 95, 96, 97, 98, 99, 111, 127, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x8f, 0x90,
  0x91, 0x9f, 0xa0, 0xa1, 0xa2, 0xaf, 0xb0, 0xc1, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc,
  302, 303, 304, 305, 310, 311, 312, 315, 316, 330,
]);

function isRetryableCms(err: LinegateError): boolean {
  if (err.details?.kind !== 'cms')
    return err.details?.kind !== 'error' && err.details?.kind !== 'unsupported';
  return !PERMANENT_CMS.has(Number(err.details.code));
}
