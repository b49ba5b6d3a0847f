/**
 * Component state snapshots: what each port, modem, SIP account, the system
 * and the calls in progress look like right now. Rooms call
 * `states.set(component, state)`; the registry keeps the last snapshot of
 * each component and emits a change only when the snapshot differs. The MQTT
 * layer publishes each snapshot retained on `state/<component>`; the web UI
 * socket sends the same objects.
 */
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import { LinegateError } from '../../drivers/base/errors.ts';
import type { Registration, SimState } from '../../drivers/modem/types.ts';
import type { CallQuality } from './events.ts';

/** An analog port (FXS towards a phone, FXO towards a PSTN line). */
export interface PortState {
  kind: 'fxs' | 'fxo';
  /** FXS: the phone's hook; FXO: whether we hold the line seized. */
  hook: 'on' | 'off';
  ringing: boolean;
  inCall: boolean;
  failed: boolean;
  /** Why the port failed (self-test, hardware), when `failed`. */
  failure?: string;
  /** Extension (FXS) or line number (FXO), when configured. */
  number?: string;
}

export interface ModemState {
  kind: 'modem';
  /** False while the modem is lost and being recovered. */
  online: boolean;
  sim: SimState;
  registration: Registration;
  operator?: string;
  technology?: string;
  signalDbm?: number;
  /** Outgoing SMS waiting in the queue for this modem. */
  smsQueueDepth: number;
  model?: string;
}

export interface SipAccountState {
  kind: 'sip';
  registered: boolean;
  /** The registrar or trunk host (no credentials). */
  registrar?: string;
  /** Seconds left of the current registration. */
  expiresS?: number;
  lastError?: string;
}

export interface SystemState {
  kind: 'system';
  version: string;
  uptimeS: number;
  cpuPct: number;
  memUsedPct: number;
  diskUsedPct: number;
  temperatureC?: number;
  loadAvg1?: number;
  /** Primary interface, as systeminformation reports it. */
  network?: { iface: string; ip4?: string; rxBps?: number; txBps?: number };
}

export interface ActiveCall {
  callId: string;
  direction: 'inbound' | 'outbound' | 'internal';
  from: string;
  to: string;
  endpoints: string[];
  /** Wall-clock epoch ms. */
  startedAt: number;
  answered: boolean;
  quality?: CallQuality;
}

export interface CallsState {
  kind: 'calls';
  active: ActiveCall[];
}

export type ComponentState = PortState | ModemState | SipAccountState | SystemState | CallsState;
export type ComponentKind = ComponentState['kind'];

/**
 * Component ids are topic segments: `fxs1`, `fxo1`, `gsm1`, `sip-trunk1`,
 * `system`, `calls`. Letters, digits, `-` and `_` only (no `/`, `+`, `#`).
 */
export const COMPONENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertComponentId(component: string): void {
  if (!COMPONENT_ID_PATTERN.test(component))
    throw new LinegateError(
      'BAD_REQUEST',
      `component id ${JSON.stringify(component)} is not a topic segment`,
    );
}

export interface StateRegistryEvents extends Record<string, unknown[]> {
  /** A component's snapshot changed (or appeared). */
  change: [component: string, state: ComponentState];
  /** A component went away (port removed from config, modem unplugged for good). */
  removed: [component: string];
}

/** The latest snapshot of every component, emitting on change. */
export class StateRegistry extends TypedEmitter<StateRegistryEvents> {
  readonly #states = new Map<string, { state: ComponentState; json: string }>();

  /** Stores the snapshot; emits `change` only when it differs from the stored one. Returns whether it changed. */
  set(component: string, state: ComponentState): boolean {
    assertComponentId(component);
    const json = JSON.stringify(state);
    const previous = this.#states.get(component);
    if (previous?.json === json) return false;
    // A copy, so a room mutating its object later cannot change what was published.
    this.#states.set(component, { state: JSON.parse(json) as ComponentState, json });
    this.emit('change', component, this.get(component)!);
    return true;
  }

  /** Merges `partial` into the current snapshot of the same kind (a convenience for rooms). */
  update<S extends ComponentState>(component: string, kind: S['kind'], partial: Partial<S>): boolean {
    const current = this.get(component);
    if (!current) throw new LinegateError('NOT_FOUND', `no state for ${component} to update`);
    if (current.kind !== kind)
      throw new LinegateError('CONFLICT', `state of ${component} is ${current.kind}, not ${kind}`);
    return this.set(component, { ...current, ...partial } as ComponentState);
  }

  get(component: string): ComponentState | undefined {
    const entry = this.#states.get(component);
    return entry ? (JSON.parse(entry.json) as ComponentState) : undefined;
  }

  /** The stored JSON text of a snapshot (what MQTT publishes), without re-serialising. */
  json(component: string): string | undefined {
    return this.#states.get(component)?.json;
  }

  delete(component: string): boolean {
    const had = this.#states.delete(component);
    if (had) this.emit('removed', component);
    return had;
  }

  components(): string[] {
    return [...this.#states.keys()].sort();
  }

  snapshot(): Record<string, ComponentState> {
    const out: Record<string, ComponentState> = {};
    for (const id of this.components()) out[id] = this.get(id)!;
    return out;
  }
}
