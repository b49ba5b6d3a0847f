/** Builds an in-process MqttFleet with its own in-memory store, bus, states and router. */
import mqtt, { type MqttClient } from 'mqtt';
import { type Clock, SystemClock } from '../../drivers/base/clock.ts';
import { type Logger, silentLogger } from '../../drivers/base/logger.ts';
import { GatewayEventBus } from '../../daemon/api/events.ts';
import { RequestRouter } from '../../daemon/api/requests.ts';
import { StateRegistry } from '../../daemon/api/state.ts';
import { type MqttFleetOptions, MqttFleet } from '../../daemon/fleet/mqtt-fleet.ts';
import { Store } from '../../daemon/store/database.ts';

export interface FleetFixture {
  fleet: MqttFleet;
  bus: GatewayEventBus;
  states: StateRegistry;
  router: RequestRouter;
  store: Store;
  /** SMS the stub modem "sent" through the `sms/send` handler. */
  sentSms: { to: string; text: string }[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function makeFleet(
  options: Partial<MqttFleetOptions> & { url: string; deviceId: string },
  deps: { clock?: Clock; logger?: Logger; dataDir?: string } = {},
): FleetFixture {
  const clock = deps.clock ?? new SystemClock();
  const logger = deps.logger ?? silentLogger();
  const store = Store.open({ dataDir: deps.dataDir ?? ':memory:', logger, clock });
  const bus = new GatewayEventBus();
  const states = new StateRegistry();
  const router = new RequestRouter({ clock, logger });
  const sentSms: { to: string; text: string }[] = [];
  let n = 0;
  router.register('sms/send', async ({ to, text }) => {
    sentSms.push({ to, text });
    return { id: `sms-${++n}`, status: 'sent', segments: 1 };
  });
  const fleet = new MqttFleet({
    remoteCommands: true,
    version: '0.1.0-test',
    keepaliveS: 2,
    reconnectPeriodMs: 300,
    ...options,
    clock,
    logger,
    store,
    bus,
    states,
    router,
  });
  const abort = new AbortController();
  return {
    fleet,
    bus,
    states,
    router,
    store,
    sentSms,
    start: () => fleet.start(abort.signal),
    stop: async () => {
      await fleet.stop();
      store.close();
    },
  };
}

/** A plain test client that records every message it receives. */
export class Recorder {
  readonly client: MqttClient;
  readonly messages: { topic: string; payload: string; retain: boolean; atMs: number }[] = [];

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      this.messages.push({
        topic,
        payload: payload.toString('utf8'),
        retain: packet.retain,
        atMs: Date.now(),
      });
    });
  }

  static async connect(url: string, topics: string[], options: mqtt.IClientOptions = {}): Promise<Recorder> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 200, ...options });
    const r = new Recorder(client);
    if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
    return r;
  }

  on(topic: string): { topic: string; payload: string; retain: boolean; atMs: number }[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export async function waitUntil(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
