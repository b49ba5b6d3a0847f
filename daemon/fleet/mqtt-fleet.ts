/**
 * The MQTT fleet interface (`linegate/<deviceId>/...`):
 *
 * - `status` retained, birth on every connect and last will offline;
 * - `state/<component>` retained, on change (at most once per
 *   `stateMinIntervalMs` per component) and on a heartbeat;
 * - `event/<type>` at QoS 1 through a SQLite outbox, in order, removed only
 *   after PUBACK;
 * - `request/<method>` → `response/<method>` echoing `transaction`;
 * - optional Home Assistant discovery.
 *
 * After every (re)connect, and whenever Home Assistant announces itself
 * online, status, every retained state and discovery are published again:
 * a broker restarted without persistence has forgotten them all.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { LinegateError, errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import { type Service, type ServiceHealth, once } from '../../drivers/base/service.ts';
import {
  type ConfigAccess,
  type ConfigRequestPolicy,
  DEFAULT_REMOTE_WRITABLE,
  registerConfigHandlers,
} from '../api/config-requests.ts';
import type { AnyGatewayEvent, GatewayEventBus } from '../api/events.ts';
import {
  type RequestContext,
  RequestRouter,
  type ResponseEnvelope,
  errorResponse,
  parseRequestBody,
  splitEnvelope,
} from '../api/requests.ts';
import { COMPONENT_ID_PATTERN, type StateRegistry } from '../api/state.ts';
import type { Store } from '../store/database.ts';
import { EventOutbox } from './event-outbox.ts';
import { buildDiscovery } from './ha-discovery.ts';
import type { MetricsRegistry } from './metrics.ts';

export interface MqttTlsOptions {
  /** PEM text or a file path. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface HomeAssistantOptions {
  enabled: boolean;
  /** Discovery prefix, default `homeassistant`. */
  prefix?: string;
  /** Each number gets a notify entity that sends it an SMS (needs remoteCommands). */
  smsRecipients?: string[];
}

export interface MqttFleetOptions {
  /** mqtt://host:1883 or mqtts://host:8883. */
  url: string;
  username?: string;
  password?: string;
  tls?: MqttTlsOptions;
  /** Default `linegate`. */
  baseTopic?: string;
  deviceId: string;
  /** MQTT keep-alive; the broker declares us gone (last will) after 1.5× this. Default 30. */
  keepaliveS?: number;
  /** Serve `request/<method>`; when false every request gets a FORBIDDEN response. */
  remoteCommands: boolean;
  homeAssistant?: HomeAssistantOptions;
  version: string;
  /** Minimum gap between two publications of the same component's state. Default 1000. */
  stateMinIntervalMs?: number;
  /** Status and every state are re-published this often. Default 300. */
  heartbeatS?: number;
  /** Events kept while the broker is unreachable; the oldest are dropped beyond. Default 10000. */
  outboxMaxEvents?: number;
  /** Events in flight (published, not yet acknowledged). Default 64. */
  outboxWindow?: number;
  /**
   * First reconnect delay; it doubles per failed attempt up to `reconnectMaxMs`,
   * each delay randomised to 50–100 % so that 10,000 boxes do not return in
   * one wave after a broker restart. Default 2000.
   */
  reconnectPeriodMs?: number;
  /** Default 60000. */
  reconnectMaxMs?: number;
  /** MQTT 5 by default; 4 (3.1.1) for brokers without 5 (and aedes in unit tests). */
  protocolVersion?: 4 | 5;
  connectTimeoutMs?: number;
  /** Requests handled at once; more get RATE_LIMITED. Default 8. */
  maxConcurrentRequests?: number;
  /** Which config paths `config/set` may change over MQTT. */
  remoteConfig?: ConfigRequestPolicy;

  clock: Clock;
  logger: Logger;
  store: Store;
  bus: GatewayEventBus;
  states: StateRegistry;
  router: RequestRouter;
  /** When given, MQTT `config/get`/`config/set` are served from it with the remote policy. */
  configAccess?: ConfigAccess;
  metrics?: MetricsRegistry;
  /** Client factory (tests inject a broker-less or instrumented client). Default `mqtt.connect`. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface StatusPayload {
  state: 'online' | 'offline';
  version: string;
  /** Seconds since this daemon started. */
  uptimeS?: number;
  /** Increments at every daemon start (persisted). */
  session: number;
  /** Increments at every broker connection within the session. */
  connection?: number;
  reason?: string;
}

export interface MqttFleetStats {
  connected: boolean;
  connections: number;
  published: { status: number; state: number; event: number; discovery: number; response: number };
  bytesPublished: number;
  requests: number;
  outboxDepth: number;
  outboxDropped: number;
  eventsRejected: number;
}

export const DEFAULT_BASE_TOPIC = 'linegate';

export class MqttFleet implements Service {
  readonly name = 'mqtt';
  readonly #o: MqttFleetOptions;
  readonly #log: Logger;
  readonly #root: string;
  readonly #haPrefix: string;
  readonly #outbox: EventOutbox;
  readonly #timers = new Set<Timer>();
  readonly #offs: (() => void)[] = [];
  readonly #lastStateMs = new Map<string, number>();
  readonly #pendingState = new Map<string, Timer>();
  readonly #inflight = new Set<number>();
  #configRouter: RequestRouter | undefined;
  #client: MqttClient | undefined;
  #online = false;
  #stopping = false;
  #cursor = 0;
  #startedMs = 0;
  #session = 0;
  #discoveryKey = '';
  #discoveryTopics = new Set<string>();
  #activeRequests = 0;
  #reconnectAttempt = 0;
  #reconnectTimer: Timer | undefined;
  #stats: MqttFleetStats = {
    connected: false,
    connections: 0,
    published: { status: 0, state: 0, event: 0, discovery: 0, response: 0 },
    bytesPublished: 0,
    requests: 0,
    outboxDepth: 0,
    outboxDropped: 0,
    eventsRejected: 0,
  };

  constructor(options: MqttFleetOptions) {
    this.#o = options;
    this.#log = options.logger.child({ ns: 'mqtt' });
    this.#root = `${options.baseTopic ?? DEFAULT_BASE_TOPIC}/${options.deviceId}`;
    this.#haPrefix = options.homeAssistant?.prefix ?? 'homeassistant';
    this.#outbox = new EventOutbox({
      store: options.store,
      clock: options.clock,
      maxEvents: options.outboxMaxEvents ?? 10_000,
    });
  }

  /** `<baseTopic>/<deviceId>`. */
  get topicRoot(): string {
    return this.#root;
  }

  get connected(): boolean {
    return this.#online;
  }

  async start(signal: AbortSignal): Promise<void> {
    const o = this.#o;
    if (!COMPONENT_ID_PATTERN.test(o.deviceId))
      throw new LinegateError(
        'CONFIG_INVALID',
        `mqtt deviceId ${JSON.stringify(o.deviceId)} must be [A-Za-z0-9_-]`,
      );
    const base = o.baseTopic ?? DEFAULT_BASE_TOPIC;
    if (base === '' || /[+#\0]/.test(base) || base.startsWith('/') || base.endsWith('/'))
      throw new LinegateError(
        'CONFIG_INVALID',
        `mqtt baseTopic ${JSON.stringify(base)} is not a usable topic prefix`,
      );
    this.#outbox.open();
    this.#session = this.#outbox.increment('session');
    this.#startedMs = o.clock.now();
    if (o.configAccess) {
      this.#configRouter = new RequestRouter({ clock: o.clock, logger: this.#log });
      registerConfigHandlers(
        this.#configRouter,
        o.configAccess,
        o.remoteConfig ?? { remoteWritable: DEFAULT_REMOTE_WRITABLE },
      );
    }
    this.#registerMetrics();

    this.#offs.push(o.bus.on('event', (e) => this.#onEvent(e)));
    this.#offs.push(o.states.on('change', (component) => this.#onStateChange(component)));
    this.#offs.push(o.states.on('removed', (component) => this.#onStateRemoved(component)));
    this.#timers.add(o.clock.setInterval((o.heartbeatS ?? 300) * 1000, () => this.#heartbeat()));

    const connect = o.connect ?? mqtt.connect;
    const client = connect(o.url, this.#clientOptions());
    this.#client = client;
    client.on('connect', () => this.#onConnect());
    client.on('close', () => {
      if (this.#online) this.#log.warn('« broker connection lost');
      this.#online = false;
      this.#stats.connected = false;
      this.#scheduleReconnect();
    });
    client.on('error', (err) => this.#log.warn({ err: errorMessage(err) }, 'mqtt error'));
    client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet));
    this.#log.info({ url: redactUrl(o.url), root: this.#root, session: this.#session }, 'mqtt fleet started');
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  stop = once(async () => {
    this.#stopping = true;
    for (const off of this.#offs.splice(0)) off();
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    for (const t of this.#pendingState.values()) t.cancel();
    this.#pendingState.clear();
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
    const client = this.#client;
    if (!client) return;
    try {
      if (this.#online) {
        // A clean shutdown says so itself; the will only fires on a lost connection.
        await this.#publishAsync(
          `${this.#root}/status`,
          JSON.stringify(this.#status('offline', 'stopped')),
          true,
          1000,
        );
      }
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'offline status not sent');
    }
    this.#online = false;
    this.#stats.connected = false;
    try {
      await client.endAsync(true);
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'mqtt end failed');
    }
  });

  health(): ServiceHealth {
    const depth = this.#outbox.size;
    if (this.#online) return { status: 'ok', outboxDepth: depth };
    return { status: 'degraded', detail: 'broker unreachable', outboxDepth: depth };
  }

  stats(): MqttFleetStats {
    return {
      ...this.#stats,
      published: { ...this.#stats.published },
      outboxDepth: this.#outbox.size,
      outboxDropped: this.#outbox.dropped,
    };
  }

  /** Re-publishes status, every state and discovery (also used after reconnect and HA birth). */
  republishAll(): void {
    if (!this.#online) return;
    this.#publishStatus();
    for (const component of this.#o.states.components()) this.#publishState(component);
    this.#publishDiscovery(true);
  }

  #clientOptions(): IClientOptions {
    const o = this.#o;
    const opts: IClientOptions = {
      clientId: `linegate_${o.deviceId}`,
      protocolVersion: o.protocolVersion ?? 5,
      clean: true,
      keepalive: o.keepaliveS ?? 30,
      // Reconnection is ours (#scheduleReconnect): backoff with jitter instead of a fixed period.
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      resubscribe: false,
      will: {
        topic: `${this.#root}/status`,
        payload: Buffer.from(JSON.stringify(this.#status('offline', 'connection lost'))),
        qos: 1,
        retain: true,
      },
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.tls) {
      if (o.tls.ca) opts.ca = pem(o.tls.ca);
      if (o.tls.cert) opts.cert = pem(o.tls.cert);
      if (o.tls.key) opts.key = pem(o.tls.key);
      opts.rejectUnauthorized = o.tls.rejectUnauthorized ?? true;
    }
    return opts;
  }

  #status(state: 'online' | 'offline', reason?: string): StatusPayload {
    const s: StatusPayload = { state, version: this.#o.version, session: this.#session };
    if (state === 'online') {
      s.uptimeS = Math.round((this.#o.clock.now() - this.#startedMs) / 1000);
      s.connection = this.#stats.connections;
    }
    if (reason) s.reason = reason;
    return s;
  }

  #scheduleReconnect(): void {
    if (this.#stopping || this.#reconnectTimer) return;
    const baseMs = this.#o.reconnectPeriodMs ?? 2000;
    const maxMs = this.#o.reconnectMaxMs ?? 60_000;
    const ceilingMs = Math.min(maxMs, baseMs * 2 ** Math.min(this.#reconnectAttempt, 16));
    const delayMs = Math.round(ceilingMs * (0.5 + Math.random() * 0.5));
    this.#reconnectAttempt++;
    this.#log.debug({ attempt: this.#reconnectAttempt, delayMs }, 'reconnecting');
    this.#reconnectTimer = this.#o.clock.setTimer(delayMs, () => {
      this.#reconnectTimer = undefined;
      if (this.#stopping) return;
      this.#client?.reconnect();
    });
  }

  #onConnect(): void {
    if (this.#stopping) return;
    this.#reconnectAttempt = 0;
    this.#online = true;
    this.#stats.connected = true;
    this.#stats.connections++;
    this.#log.info({ connection: this.#stats.connections }, '« connected to broker');
    const client = this.#client!;
    const topics: Record<string, { qos: 0 | 1 }> = { [`${this.#root}/request/#`]: { qos: 1 } };
    if (this.#o.homeAssistant?.enabled) topics[`${this.#haPrefix}/status`] = { qos: 1 };
    client.subscribe(topics, (err) => {
      if (err) this.#log.warn({ err: errorMessage(err) }, 'subscribe failed');
    });
    this.republishAll();
    this.#drain();
  }

  #heartbeat(): void {
    if (!this.#online) return;
    this.#publishStatus();
    for (const component of this.#o.states.components()) this.#publishState(component);
  }

  #publish(topic: string, payload: string, retain: boolean, kind: keyof MqttFleetStats['published']): void {
    const client = this.#client;
    if (!client || !this.#online) return;
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err && !this.#stopping) this.#log.debug({ topic, err: errorMessage(err) }, 'publish failed');
    });
    this.#stats.published[kind]++;
    this.#stats.bytesPublished += Buffer.byteLength(payload) + topic.length;
    this.#log.trace({ topic, bytes: payload.length }, '» publish');
  }

  #publishAsync(topic: string, payload: string, retain: boolean, timeoutMs: number): Promise<void> {
    const client = this.#client!;
    return new Promise<void>((resolve, reject) => {
      const timer = this.#o.clock.setTimer(timeoutMs, () =>
        reject(new LinegateError('TIMEOUT', 'publish timed out')),
      );
      client.publish(topic, payload, { qos: 1, retain }, (err) => {
        timer.cancel();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  #publishStatus(): void {
    this.#publish(`${this.#root}/status`, JSON.stringify(this.#status('online')), true, 'status');
  }

  #publishState(component: string): void {
    const json = this.#o.states.json(component);
    if (json === undefined) return;
    this.#lastStateMs.set(component, this.#o.clock.now());
    this.#publish(`${this.#root}/state/${component}`, json, true, 'state');
  }

  #onStateChange(component: string): void {
    this.#publishDiscovery(false);
    if (!this.#online || this.#pendingState.has(component)) return;
    const minMs = this.#o.stateMinIntervalMs ?? 1000;
    const last = this.#lastStateMs.get(component);
    const waitMs = last === undefined ? 0 : last + minMs - this.#o.clock.now();
    if (waitMs <= 0) {
      this.#publishState(component);
      return;
    }
    // Coalesce: one publication of the newest snapshot when the interval has passed.
    const timer = this.#o.clock.setTimer(waitMs, () => {
      this.#pendingState.delete(component);
      this.#publishState(component);
    });
    this.#pendingState.set(component, timer);
  }

  #onStateRemoved(component: string): void {
    this.#pendingState.get(component)?.cancel();
    this.#pendingState.delete(component);
    this.#lastStateMs.delete(component);
    // An empty retained message deletes the retained state at the broker.
    this.#publish(`${this.#root}/state/${component}`, '', true, 'state');
    this.#publishDiscovery(false);
  }

  #publishDiscovery(force: boolean): void {
    const ha = this.#o.homeAssistant;
    if (!ha?.enabled) return;
    const snapshot = this.#o.states.snapshot();
    const messages = buildDiscovery(
      {
        prefix: this.#haPrefix,
        baseTopic: this.#root,
        deviceId: this.#o.deviceId,
        version: this.#o.version,
        smsRecipients: this.#o.remoteCommands ? (ha.smsRecipients ?? []) : [],
      },
      snapshot,
    );
    const key = JSON.stringify(messages.map((m) => m.topic));
    if (!force && key === this.#discoveryKey) return;
    if (!this.#online) return;
    this.#discoveryKey = key;
    const topics = new Set(messages.map((m) => m.topic));
    for (const old of this.#discoveryTopics) if (!topics.has(old)) this.#publish(old, '', true, 'discovery');
    this.#discoveryTopics = topics;
    for (const m of messages) this.#publish(m.topic, JSON.stringify(m.config), true, 'discovery');
  }

  #onEvent(event: AnyGatewayEvent): void {
    try {
      this.#outbox.enqueue(event.type, JSON.stringify(event.payload));
    } catch (err) {
      // The bus must never see a throw; an unwritable database is the store's alarm to raise.
      this.#log.error({ type: event.type, err: errorMessage(err) }, 'event not stored');
      return;
    }
    this.#drain();
  }

  /** Sends outbox rows in id order, keeping at most `outboxWindow` unacknowledged. */
  #drain(): void {
    const client = this.#client;
    if (!client || !this.#online || this.#stopping) return;
    const window = this.#o.outboxWindow ?? 64;
    while (this.#inflight.size < window) {
      const rows = this.#outbox.next(this.#cursor, window - this.#inflight.size);
      if (rows.length === 0) return;
      for (const row of rows) {
        this.#cursor = row.id;
        this.#inflight.add(row.id);
        const topic = `${this.#root}/event/${row.type}`;
        this.#stats.published.event++;
        this.#stats.bytesPublished += Buffer.byteLength(row.payload) + topic.length;
        // mqtt.js keeps an unacknowledged QoS 1 message and re-sends it itself
        // after a reconnect (before 'connect'), so the cursor never rewinds here.
        client.publish(topic, row.payload, { qos: 1 }, (err) => this.#onEventAck(row.id, err));
      }
    }
  }

  #onEventAck(id: number, err: Error | undefined): void {
    this.#inflight.delete(id);
    if (err) {
      if (this.#stopping) return; // stays in the outbox for the next start
      // The broker refused it (MQTT 5 reason code, e.g. not authorised): retrying would loop forever.
      this.#stats.eventsRejected++;
      this.#log.warn({ id, err: errorMessage(err) }, 'event rejected by broker; dropped');
    }
    try {
      this.#outbox.remove(id);
    } catch (e) {
      this.#log.error({ id, err: errorMessage(e) }, 'outbox row not removed');
    }
    this.#drain();
  }

  #onMessage(topic: string, payload: Buffer, _packet: IPublishPacket): void {
    try {
      if (topic === `${this.#haPrefix}/status` && this.#o.homeAssistant?.enabled) {
        if (payload.toString('utf8').trim() === 'online') {
          this.#log.info('« Home Assistant online; re-publishing');
          this.republishAll();
        }
        return;
      }
      const prefix = `${this.#root}/request/`;
      if (topic.startsWith(prefix)) void this.#onRequest(topic.slice(prefix.length), payload);
    } catch (err) {
      this.#log.error({ topic, err: errorMessage(err) }, 'message handling failed');
    }
  }

  async #onRequest(method: string, body: Buffer): Promise<void> {
    this.#stats.requests++;
    const parsed = parseRequestBody(body);
    const transaction = parsed.error ? undefined : splitEnvelope(parsed.payload).transaction;
    this.#log.info({ method, transaction }, '« request');
    let response: ResponseEnvelope;
    if (method === '' || method.length > 64 || !/^[A-Za-z0-9_/-]+$/.test(method)) {
      this.#log.warn({ length: method.length }, 'request on an unusable topic ignored');
      return; // no topic to answer on
    }
    if (!this.#o.remoteCommands) {
      response = errorResponse('FORBIDDEN', 'remote commands are disabled on this gateway', transaction);
    } else if (parsed.error) {
      response = errorResponse('BAD_REQUEST', parsed.error);
    } else if (this.#activeRequests >= (this.#o.maxConcurrentRequests ?? 8)) {
      response = errorResponse('RATE_LIMITED', 'too many requests in progress', transaction);
    } else {
      this.#activeRequests++;
      try {
        const ctx: RequestContext = { origin: 'mqtt', remote: true };
        const router =
          this.#configRouter && method.startsWith('config/') ? this.#configRouter : this.#o.router;
        response = await router.handle(method, parsed.payload, ctx);
      } finally {
        this.#activeRequests--;
      }
    }
    if (response.status === 'error')
      this.#log.info({ method, code: response.error.code }, '» error response');
    this.#publish(`${this.#root}/response/${method}`, JSON.stringify(response), false, 'response');
  }

  #registerMetrics(): void {
    const m = this.#o.metrics;
    if (!m) return;
    m.collect('mqtt', () => {
      const s = this.stats();
      return [
        {
          name: 'linegate_mqtt_connected',
          help: 'Whether the MQTT broker is connected',
          type: 'gauge',
          value: s.connected ? 1 : 0,
        },
        {
          name: 'linegate_mqtt_connections_total',
          help: 'Broker connections since start',
          type: 'counter',
          value: s.connections,
        },
        {
          name: 'linegate_mqtt_outbox_events',
          help: 'Events waiting in the MQTT outbox',
          type: 'gauge',
          value: s.outboxDepth,
        },
        {
          name: 'linegate_mqtt_outbox_dropped_total',
          help: 'Events dropped because the outbox was full',
          type: 'counter',
          value: s.outboxDropped,
        },
        {
          name: 'linegate_mqtt_published_bytes_total',
          help: 'Bytes published to the broker (topic and payload)',
          type: 'counter',
          value: s.bytesPublished,
        },
        ...Object.entries(s.published).map(([kind, value]) => ({
          name: 'linegate_mqtt_published_messages_total',
          help: 'Messages published to the broker',
          type: 'counter' as const,
          labels: { kind },
          value,
        })),
        {
          name: 'linegate_mqtt_requests_total',
          help: 'Requests received over MQTT',
          type: 'counter',
          value: s.requests,
        },
      ];
    });
    this.#offs.push(() => m.removeCollector('mqtt'));
  }
}

function pem(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** The broker URL without credentials, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    return u.toString();
  } catch {
    return '(unparsable url)';
  }
}
