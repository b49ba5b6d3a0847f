/** What every inbound route receives: one reassembled (or timed-out, incomplete) SMS. */
export interface InboundSms {
  id: string;
  direction: 'in';
  modem: string;
  /** Originator: '+' international number, digits, or an alphanumeric name. */
  number: string | null;
  text: string;
  /** When the SMSC received it (TP-SCTS, with its zone), null when unreadable. */
  sentTime: string | null;
  /** When we stored it (ISO, UTC). */
  time: string;
  segments: number;
  partsExpected: number;
  /** False when the reassembly timed out and only some parts arrived. */
  complete: boolean;
  encoding: string | null;
  smsc: string | null;
  /** 0 for a flash SMS. */
  messageClass: number | null;
  /** Problems the decoder flagged (truncated, wrong UDL, unknown DCS...). */
  errors: string[];
}

/** An inbound delivery target; `deliver` resolves once the target has accepted the message. */
export interface InboundRoute {
  readonly name: string;
  deliver(sms: InboundSms): Promise<void>;
}
