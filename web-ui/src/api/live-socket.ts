/**
 * The live link to the daemon: one WebSocket (`/api/v1/ws`, cookie auth)
 * feeding a small store of component snapshots and recent events, plus
 * request/response over the same socket. When the socket cannot be opened
 * (back end not wired, proxy in the way) the store says so, and the pages
 * fall back to polling REST. Reconnects with backoff, never throws.
 */
import type { ComponentState } from './types.ts';

export type LinkStatus = 'connecting' | 'live' | 'unavailable';

export interface LiveEvent {
  event: string;
  payload: Record<string, unknown>;
  receivedAtMs: number;
}

export interface LiveSnapshot {
  status: LinkStatus;
  components: Record<string, ComponentState>;
  events: LiveEvent[];
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_EVENTS = 200;
const REQUEST_TIMEOUT_MS = 30_000;

export class LiveLink {
  #snapshot: LiveSnapshot = { status: 'connecting', components: {}, events: [] };
  readonly #listeners = new Set<() => void>();
  readonly #pending = new Map<string, Pending>();
  #socket: WebSocket | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs = 1000;
  #transaction = 0;
  #stopped = true;

  get snapshot(): LiveSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.close();
    this.#socket = undefined;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error('disconnected'));
      this.#pending.delete(id);
    }
    this.#set({ status: 'connecting', components: {}, events: [] });
  }

  /** Sends a request over the socket; rejects when the socket is not live or the server says no. */
  request<T>(method: string, payload: Record<string, unknown> = {}): Promise<T> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.#snapshot.status !== 'live')
      return Promise.reject(new Error('live link unavailable'));
    const transaction = `ui${++this.#transaction}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new Error(`${method}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(transaction, { resolve: resolve as (v: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ type: 'request', method, transaction, payload }));
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws`);
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#retryDelayMs = 1000;
      this.#set({ ...this.#snapshot, status: 'live' });
    };
    socket.onmessage = (msg) => this.#onMessage(msg.data);
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (!opened || this.#snapshot.status === 'live')
        this.#set({ ...this.#snapshot, status: 'unavailable' });
      this.#scheduleRetry();
    };
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), this.#retryDelayMs);
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, 30_000);
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: Record<string, unknown>;
    try {
      const parsed = JSON.parse(data) as unknown;
      if (!parsed || typeof parsed !== 'object') return;
      msg = parsed as Record<string, unknown>;
    } catch {
      return; // a garbled frame is dropped, the link stays up
    }
    if (
      msg.type === 'state' &&
      typeof msg.component === 'string' &&
      msg.state &&
      typeof msg.state === 'object'
    ) {
      this.#set({
        ...this.#snapshot,
        components: { ...this.#snapshot.components, [msg.component]: msg.state as ComponentState },
      });
    } else if (msg.type === 'removed' && typeof msg.component === 'string') {
      const { [msg.component]: _gone, ...rest } = this.#snapshot.components;
      this.#set({ ...this.#snapshot, components: rest });
    } else if (msg.type === 'event' && typeof msg.event === 'string') {
      const event: LiveEvent = {
        event: msg.event,
        payload: (msg.payload && typeof msg.payload === 'object' ? msg.payload : {}) as Record<
          string,
          unknown
        >,
        receivedAtMs: Date.now(),
      };
      this.#set({ ...this.#snapshot, events: [event, ...this.#snapshot.events].slice(0, MAX_EVENTS) });
    } else if (msg.type === 'response' && typeof msg.transaction === 'string') {
      const pending = this.#pending.get(msg.transaction);
      if (!pending) return;
      this.#pending.delete(msg.transaction);
      clearTimeout(pending.timer);
      // Both envelope spellings: {ok, result|error} and the router's {status, data|error}.
      const ok = msg.ok === true || msg.status === 'ok';
      if (ok) pending.resolve(msg.result ?? msg.data);
      else {
        const error = (msg.error ?? {}) as { code?: string; message?: string };
        pending.reject(new Error(`${error.code ?? 'ERROR'}: ${error.message ?? 'request failed'}`));
      }
    }
  }

  #set(next: LiveSnapshot): void {
    this.#snapshot = next;
    for (const l of this.#listeners) l();
  }
}

export const liveLink = new LiveLink();
