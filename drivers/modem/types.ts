import type { TypedEmitter } from '../base/typed-emitter.ts';
import type { AudioDevice } from '../audio/types.ts';
import type { CallerId } from '../line/types.ts';

export interface ModemInfo {
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  /** SIM serial; absent without a SIM. */
  iccid?: string;
  imsi?: string;
  /** Which vendor profile drives this modem (generic, sim800, sim7600, quectel, huawei). */
  profile: string;
}

export type SimState = 'ready' | 'pin' | 'puk' | 'absent' | 'error' | 'unknown';
export type Registration = 'home' | 'roaming' | 'searching' | 'denied' | 'unregistered' | 'unknown';

export interface NetworkState {
  sim: SimState;
  registration: Registration;
  operator?: string;
  /** gsm, gprs, edge, umts, hspa, lte... */
  technology?: string;
  /** Signal strength in dBm from AT+CSQ; absent when unknown (CSQ 99). */
  signalDbm?: number;
}

/**
 * A received SMS PDU as the modem stored or delivered it (decoding is the SMS layer's job).
 * A stored message is emitted again after a restart or a modem recovery until
 * deleteSms() removed it: the SMS layer dedups by modem + storage + PDU hash.
 */
export interface IncomingSms {
  /** Hex PDU including the SMSC prefix (as in +CMGR / +CMT). */
  pdu: string;
  /** Storage and index it was read from; absent for directly delivered (+CMT / +CDS) messages. */
  storage?: string;
  index?: number;
  /** True when it is a status report (+CDS / from "SR"). */
  statusReport: boolean;
}

export interface GsmModemEvents extends Record<string, unknown[]> {
  sms: [IncomingSms];
  ring: [CallerId];
  /** The voice call ended; the argument is the reason (NO CARRIER, BUSY, ^CEND cause...). */
  callEnded: [string];
  /** The far end answered an outgoing call. */
  callAnswered: [];
  network: [NetworkState];
  /** The modem stopped answering or its port vanished; the supervisor is recovering it. */
  lost: [string];
  recovered: [];
}

export interface GsmModem extends TypedEmitter<GsmModemEvents> {
  readonly id: string;
  readonly network: NetworkState;
  open(signal: AbortSignal): Promise<ModemInfo>;
  close(): Promise<void>;
  /**
   * Sends the PDUs (hex, SMSC prefix "00" included) in order; resolves with each message reference.
   * Waits for a recovering modem (up to its readyWaitMs). On failure rejects with a LinegateError
   * (AT_ERROR with details.kind/code for +CMS ERROR, AT_TIMEOUT, DEVICE_MISSING, MODEM_NOT_READY)
   * whose details carry `sentReferences` (parts already sent), `failedIndex` and `retryable`.
   */
  sendSms(pdus: string[]): Promise<number[]>;
  /**
   * Deletes a stored message once the SMS layer has persisted it. Pass the PDU you
   * persisted: the slot is checked first, so a repeated or late delete never removes
   * a newer message that reused the slot (optional for compatibility).
   */
  deleteSms(storage: string, index: number, pdu?: string): Promise<void>;
  dial(number: string): Promise<void>;
  answer(): Promise<void>;
  hangup(): Promise<void>;
  sendDtmf(digits: string): Promise<void>;
  ussd(code: string): Promise<string>;
  readonly audio: AudioDevice;
}
