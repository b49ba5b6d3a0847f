/**
 * The shapes of the daemon's API as the UI reads them (mirrors the HTTP
 * contract and daemon/api/state.ts; the UI imports nothing from daemon/).
 * Everything optional that a half-built back end may leave out is optional here.
 */

export interface SessionInfo {
  username?: string;
  kind?: 'session' | 'token';
  csrfToken?: string;
}

export interface LoginReply {
  token: string;
  csrfToken: string;
  expiresAt: number;
}

export interface SystemInfo {
  version: string;
  deviceId: string;
  board: string;
  uptimeS: number;
  node?: string;
}

export interface HealthReply {
  status: 'ok' | 'degraded';
  checks: Record<string, unknown>;
}

export interface PortState {
  kind: 'fxs' | 'fxo';
  hook: 'on' | 'off';
  ringing: boolean;
  inCall: boolean;
  failed: boolean;
  failure?: string;
  number?: string;
}

export interface ModemState {
  kind: 'modem';
  online: boolean;
  sim: string;
  registration: string;
  operator?: string;
  technology?: string;
  signalDbm?: number;
  smsQueueDepth?: number;
  model?: string;
}

export interface SipAccountState {
  kind: 'sip';
  registered: boolean;
  registrar?: string;
  expiresS?: number;
  lastError?: string;
}

export interface SystemState {
  kind: 'system';
  version: string;
  uptimeS: number;
  cpuPct?: number;
  memUsedPct?: number;
  diskUsedPct?: number;
  temperatureC?: number;
  loadAvg1?: number;
}

export interface CallQuality {
  mos?: number;
  jitterMs?: number;
  lossPct?: number;
  rttMs?: number;
}

export interface ActiveCall {
  callId: string;
  direction: 'inbound' | 'outbound' | 'internal';
  from: string;
  to: string;
  endpoints: string[];
  startedAt: number;
  answered: boolean;
  quality?: CallQuality;
}

export interface CallsState {
  kind: 'calls';
  active: ActiveCall[];
}

export type ComponentState = PortState | ModemState | SipAccountState | SystemState | CallsState;

export interface SmsItem {
  id: string;
  direction: 'in' | 'out';
  number: string;
  text: string;
  status?: string;
  time: string;
  segments?: number;
  modem?: string;
  error?: string;
}

export interface SmsPreview {
  encoding: string;
  segments: number;
  charsLeft: number;
}

export interface ApiToken {
  id: number;
  name: string;
  createdAt?: number | string;
  lastUsedAt?: number | string | null;
}

/** A call in progress as GET /api/v1/calls/active lists it. */
export interface ActiveCallInfo {
  callId: string;
  /** Endpoint ids (fxs1, fxo1, gsm1, sip:...). */
  from: string;
  to: string;
  callerNumber: string;
  dialed: string;
  state: 'routing' | 'ringing' | 'answered';
  startedAt: number;
  answeredAt: number | null;
  quality?: CallQuality;
}

/** One row of GET /api/v1/calls/cdr. */
export interface CdrRecord {
  id: number;
  callId: string;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  direction: 'inbound' | 'outbound' | 'internal';
  source: string;
  destination: string;
  callerNumber: string;
  callerName: string | null;
  dialedNumber: string;
  route: string | null;
  disposition: string;
  mos: number | null;
  jitterMs?: number | null;
  lossPct?: number | null;
  durationS: number;
  billableS: number;
}

export interface RouteDecision {
  result: 'route' | 'reject';
  route: string | null;
  why: string;
  targets?: { endpoint: string; number: string }[];
  cause?: string;
  sipStatus?: number;
  tone?: string;
}

export interface SimPhoneState {
  hook: 'on' | 'off';
  ringing: boolean;
  callerId?: { number?: string; name?: string } | string | null;
  heard?: { tone?: string | null; digits?: string };
}

export interface SimPstnState {
  offHook: boolean;
  dialed?: string;
  ringing?: boolean;
  callerId?: string;
}

export type SimModemState = Record<string, unknown>;
