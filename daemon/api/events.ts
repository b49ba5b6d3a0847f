/**
 * The gateway's typed event map: what happened on the box, published by the
 * rooms (calls, sms, modems, lines, sip, system) into one bus. The MQTT fleet
 * layer forwards every event to `linegate/<deviceId>/event/<type>` at QoS 1;
 * the web UI socket forwards the same payloads. Payloads are plain JSON
 * (no Date, no Buffer) so they cross every transport unchanged.
 */
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';

/** Fields every event carries. `time` is wall-clock epoch milliseconds (clock.wallClockMs()). */
export interface EventBase {
  time: number;
}

export type CallDirection = 'inbound' | 'outbound' | 'internal';
/** An endpoint id: fxs1, fxo1, gsm1, or a SIP account / peer name. */
export type EndpointId = string;

export interface CallStartedEvent extends EventBase {
  callId: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** The legs' endpoints, e.g. ["sip:trunk1", "fxs1"]. */
  endpoints: EndpointId[];
}

export interface CallAnsweredEvent extends EventBase {
  callId: string;
}

export interface CallEndedEvent extends EventBase {
  callId: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** normal, busy, no_answer, failed, cancelled, ... */
  reason: string;
  durationS: number;
  /** Seconds from answer to hang-up; 0 when never answered. */
  billableS: number;
  quality?: CallQuality;
}

export interface CallQuality {
  /** Estimated MOS (1..4.5). */
  mos?: number;
  jitterMs?: number;
  lossPct?: number;
  rttMs?: number;
}

export interface SmsReceivedEvent extends EventBase {
  id: string;
  modem: EndpointId;
  from: string;
  text: string;
  /** Time stamp of the SMSC, epoch ms, when known. */
  smscTime?: number;
  segments: number;
}

export interface SmsSentEvent extends EventBase {
  id: string;
  modem: EndpointId;
  to: string;
  segments: number;
  /** Message references from the modem, one per segment. */
  references: number[];
}

export interface SmsFailedEvent extends EventBase {
  id: string;
  modem?: EndpointId;
  to: string;
  error: string;
  attempts: number;
}

export interface SmsDeliveredEvent extends EventBase {
  id: string;
  modem: EndpointId;
  to: string;
  /** delivered, expired, rejected, ... (decoded from the status report). */
  status: string;
}

export interface VoicemailEvent extends EventBase {
  id: string;
  mailbox: string;
  from: string;
  durationS: number;
}

export interface ModemLostEvent extends EventBase {
  modem: EndpointId;
  reason: string;
}

export interface ModemRecoveredEvent extends EventBase {
  modem: EndpointId;
  /** How long the modem was gone. */
  downtimeS: number;
}

export interface RegistrationChangedEvent extends EventBase {
  /** A SIP account id or a modem id. */
  subject: EndpointId;
  kind: 'sip' | 'gsm';
  registered: boolean;
  /** For GSM: home, roaming, searching, denied...; for SIP: the status line or error. */
  detail?: string;
}

export interface PortFailedEvent extends EventBase {
  port: EndpointId;
  reason: string;
}

export type AlarmSeverity = 'info' | 'warning' | 'critical';

export interface AlarmEvent extends EventBase {
  /** port_failed, registration_lost, disk_low, temperature_high, ... */
  alarm: string;
  severity: AlarmSeverity;
  /** `true` when raised, `false` when cleared. */
  active: boolean;
  subject?: string;
  message: string;
}

/** The event map: event type → payload. Topic: `event/<type>`. */
export interface GatewayEvents {
  call_started: CallStartedEvent;
  call_answered: CallAnsweredEvent;
  call_ended: CallEndedEvent;
  sms_received: SmsReceivedEvent;
  sms_sent: SmsSentEvent;
  sms_failed: SmsFailedEvent;
  sms_delivered: SmsDeliveredEvent;
  voicemail: VoicemailEvent;
  modem_lost: ModemLostEvent;
  modem_recovered: ModemRecoveredEvent;
  registration_changed: RegistrationChangedEvent;
  port_failed: PortFailedEvent;
  alarm: AlarmEvent;
}

export type GatewayEventType = keyof GatewayEvents;

/** Every event type, in a stable order (documentation, discovery, tests). */
export const GATEWAY_EVENT_TYPES: readonly GatewayEventType[] = [
  'call_started',
  'call_answered',
  'call_ended',
  'sms_received',
  'sms_sent',
  'sms_failed',
  'sms_delivered',
  'voicemail',
  'modem_lost',
  'modem_recovered',
  'registration_changed',
  'port_failed',
  'alarm',
];

/** The TypedEmitter map form of GatewayEvents: one payload argument per event. */
export type GatewayEventArgs = { [K in GatewayEventType]: [GatewayEvents[K]] };

/** One envelope for consumers that want every event through one listener. */
export type AnyGatewayEvent = {
  [K in GatewayEventType]: { type: K; payload: GatewayEvents[K] };
}[GatewayEventType];

/**
 * The bus every room publishes into. `publish()` emits the typed event and
 * the catch-all `event` so that the fleet layer and the web UI socket need
 * one listener each. A listener that throws never breaks the publisher
 * (TypedEmitter catches it).
 */
export class GatewayEventBus extends TypedEmitter<GatewayEventArgs & { event: [AnyGatewayEvent] }> {
  publish<K extends GatewayEventType>(type: K, payload: GatewayEvents[K]): void {
    // TypeScript cannot narrow the intersection's K-indexed tuple; the map guarantees it.
    (this.emit as (event: string, ...args: unknown[]) => boolean)(type, payload);
    this.emit('event', { type, payload } as AnyGatewayEvent);
  }
}
