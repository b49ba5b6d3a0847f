import type { TypedEmitter } from '../base/typed-emitter.ts';
import type { AudioDevice } from '../audio/types.ts';

/** Caller identity as presented to an analog phone or received from a line or modem. */
export interface CallerId {
  /** Digits (may include + * #); absent when withheld or unavailable. */
  number?: string;
  /** Display name; absent when not sent. */
  name?: string;
  /** Local time of the call as sent in caller ID (MMDDhhmm fields). */
  time?: { month: number; day: number; hour: number; minute: number };
  /** Why the number is absent: P = private/withheld, O = out of area/unavailable. */
  absence?: 'private' | 'unavailable';
}

/** A ring cadence: alternating on/off durations in ms, repeated. E.g. US [2000, 4000]. */
export interface RingCadence {
  name: string;
  patternMs: number[];
}

export type PortState = 'idle' | 'ringing' | 'offHook' | 'failed';

export interface FxsPortEvents extends Record<string, unknown[]> {
  offHook: [];
  onHook: [];
  /** A dialed digit, decoded from pulses or in-band DTMF. */
  digit: [string];
  flash: [];
  /** A rotary digit or hook break that could not be classified (bad speed or ratio): reported, not guessed. */
  dialError: [string];
  /** The port failed (device vanished) or recovered. */
  failed: [string];
  recovered: [];
}

/** Per-call ringing options; defaults come from the port's configuration. */
export interface RingOptions {
  /** How caller ID is sent (see CallerIdStandard in line-signals.ts). */
  callerIdStandard?: 'bell' | 'etsi' | 'dtmf';
}

export interface FxsPort extends TypedEmitter<FxsPortEvents> {
  readonly id: string;
  readonly hook: 'on' | 'off';
  readonly state: PortState;
  /** Starts ringing (and caller ID); resolves once started. Off hook → PORT_BUSY; failed → DEVICE_FAILED. */
  ring(cadence: RingCadence, callerId?: CallerId, options?: RingOptions): Promise<void>;
  stopRinging(): Promise<void>;
  reversePolarity(): Promise<void>;
  /** Message-waiting indication (FSK VMWI and/or stutter dial tone handled by the caller). */
  setMessageWaiting(waiting: boolean): Promise<void>;
  readonly audio: AudioDevice;
}

export interface FxoPortEvents extends Record<string, unknown[]> {
  /** One ring cycle detected (a double ring counts once). */
  ring: [];
  /** The caller gave up: no ring for longer than any cadence's silence, before the port seized. */
  ringStopped: [];
  callerId: [CallerId];
  /** The far end hung up (loop current drop, polarity reversal or busy tone). */
  lineDrop: [string];
  failed: [string];
  recovered: [];
}

export interface FxoPort extends TypedEmitter<FxoPortEvents> {
  readonly id: string;
  readonly state: PortState;
  seize(): Promise<void>;
  release(): Promise<void>;
  /** Dials digits into the line (DTMF), after seizing. */
  dial(digits: string): Promise<void>;
  readonly audio: AudioDevice;
}
