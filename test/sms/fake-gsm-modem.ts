/** A scriptable GsmModem for the SMS pipeline tests (no AT, no serial). */
import type { AudioDevice } from '../../drivers/audio/types.ts';
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import type {
  GsmModem,
  GsmModemEvents,
  IncomingSms,
  ModemInfo,
  NetworkState,
} from '../../drivers/modem/types.ts';

export interface SentCall {
  pdus: string[];
  atMs: number;
}

export class FakeGsmModem extends TypedEmitter<GsmModemEvents> implements GsmModem {
  readonly id: string;
  network: NetworkState = { sim: 'ready', registration: 'home', signalDbm: -71 };
  readonly sent: SentCall[] = [];
  readonly deleted: { storage: string; index: number }[] = [];
  /** Called on every send: return refs, or throw to fail. Default: incrementing references. */
  onSend: (pdus: string[]) => Promise<number[]> | number[];
  /** Called on delete, before it is recorded (tests check the store from here). */
  onDelete: (storage: string, index: number) => void = () => {};
  ussdAnswer = 'Balance: 5.00';
  #nextRef = 1;
  readonly #now: () => number;

  constructor(id: string, now: () => number) {
    super();
    this.id = id;
    this.#now = now;
    this.onSend = (pdus) => pdus.map(() => this.#nextRef++ & 0xff);
  }

  readonly audio: AudioDevice = {
    name: 'fake-modem-audio',
    open: async () => {
      throw new Error('no audio in the fake modem');
    },
  };

  async open(_signal: AbortSignal): Promise<ModemInfo> {
    return {
      manufacturer: 'fake',
      model: 'fake',
      revision: '1',
      imei: '000000000000000',
      profile: 'generic',
    };
  }
  async close(): Promise<void> {}

  async sendSms(pdus: string[]): Promise<number[]> {
    this.sent.push({ pdus, atMs: this.#now() });
    return this.onSend(pdus);
  }

  async deleteSms(storage: string, index: number): Promise<void> {
    this.onDelete(storage, index);
    this.deleted.push({ storage, index });
  }

  deliver(sms: IncomingSms): void {
    this.emit('sms', sms);
  }

  setRegistration(registration: NetworkState['registration']): void {
    this.network = { ...this.network, registration };
    this.emit('network', this.network);
  }

  async dial(): Promise<void> {}
  async answer(): Promise<void> {}
  async hangup(): Promise<void> {}
  async sendDtmf(): Promise<void> {}
  async ussd(_code: string): Promise<string> {
    return this.ussdAnswer;
  }
}
