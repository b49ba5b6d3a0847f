import { readFileSync, statSync } from 'node:fs';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Clock, SystemClock } from '../drivers/base/clock.ts';
import { LinegateError } from '../drivers/base/errors.ts';
import type { Logger } from '../drivers/base/logger.ts';
import type { Service } from '../drivers/base/service.ts';
import { type BoardProfile, loadBoard } from '../drivers/board/board-profile.ts';
import { HardwareLines } from '../drivers/line/hardware-lines.ts';
import { SimulatedLines } from '../drivers/line/sim/simulated-lines.ts';
import { registerCallRoutes } from './calls/call-routes.ts';
import { CallsRoom } from './calls/calls-room.ts';
import { registerCdrRoutes } from './calls/cdr-routes.ts';
import { ConfigStore } from './config/config-store.ts';
import { FIELD_FLAGS } from './config/redact.ts';
import type { ConfigAccess } from './api/config-requests.ts';
import { GatewayEventBus } from './api/events.ts';
import { GatewayApi } from './api/gateway-api.ts';
import { RequestRouter } from './api/requests.ts';
import { StateRegistry } from './api/state.ts';
import { MetricsRegistry, registerProcessMetrics } from './fleet/metrics.ts';
import { MqttFleet } from './fleet/mqtt-fleet.ts';
import { registerWebSocketRoutes } from './http/websocket-routes.ts';
import { ModemsRoom } from './modems/modems-room.ts';
import { registerModemSimRoutes } from './simulator/modems-routes.ts';
import { registerSmsRoutes } from './sms/http-routes.ts';
import { SmsService } from './sms/sms-service.ts';
import type { LoadedConfig } from './config/load.ts';
import type { LinegateConfig } from './config/schema.ts';
import { registerAuthRoutes } from './http/auth-routes.ts';
import { buildHttpServer } from './http/server.ts';
import { registerSystemRoutes } from './http/system-routes.ts';
import { AuthService } from './security/auth.ts';
import { loadOrCreateDeviceCertificate } from './security/device-certificate.ts';
import { Store } from './store/database.ts';
import { Lifecycle } from './system/lifecycle.ts';
import { EventLoopMonitor } from './system/liveness.ts';
import { SdNotifier } from './system/sd-notify.ts';
import { WatchdogService } from './system/watchdog.ts';
import { registerPhoneSimRoutes } from './simulator/phones-routes.ts';
import { registerPstnSimRoutes } from './simulator/pstn-routes.ts';
import { createSignalKit } from './simulator/signal-kit.ts';
import { VERSION } from './version.ts';
import { boardsDir } from './install-paths.ts';

export interface GatewayOptions {
  loaded: LoadedConfig;
  logger: Logger;
  sim: boolean;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Called when the API asks for a restart. */
  onRestartRequested?: () => void;
}

export interface Gateway {
  readonly lifecycle: Lifecycle;
  readonly store: Store;
  readonly http: FastifyInstance;
  readonly auth: AuthService;
  readonly config: ConfigStore;
  readonly notifier: SdNotifier;
  /** The one-time setup code, when no admin password is set yet. */
  readonly setupCode: string | undefined;
  /** Where the web UI answers. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Where the built web UI is: next to the bundle (dist/web-ui) or in a source checkout (web-ui/dist). */
function webUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'web-ui'), join(here, '..', 'web-ui', 'dist'), resolve('web-ui', 'dist')];
  return candidates.find((d) => existsSyncSafe(join(d, 'index.html'))) ?? (candidates[1] as string);
}

function existsSyncSafe(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
/**
 * The composition root: builds every room from the configuration, in
 * dependency order. Constructors only assign; the Lifecycle starts them in
 * the order added (HTTP last, so READY means everything answers) and stops
 * them in reverse.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { loaded, logger } = options;
  const config = loaded.config;
  const env = options.env ?? process.env;
  const clock = options.clock ?? new SystemClock();
  const startedAtMs = Date.now();
  const configStore = new ConfigStore(loaded, logger);
  configStore.persistMigration();

  const store = Store.open({ dataDir: config.dataDir ?? './var', logger, clock });
  const lifecycle = new Lifecycle(logger);
  try {
    const auth = new AuthService({
      store,
      clock,
      logger,
      sessionHours: config.security.sessionHours,
      loginMaxFailures: config.security.loginMaxFailures,
      loginLockoutS: config.security.loginLockoutS,
    });
    const { setupCode } = await auth.init(env.LINEGATE_ADMIN_PASSWORD || undefined);

    const notifier = new SdNotifier(logger, env);
    const loop = new EventLoopMonitor();
    lifecycle.add(
      new WatchdogService({
        clock,
        logger: logger.child({ ns: 'watchdog' }),
        notifier,
        loop,
        intervalMs: SdNotifier.watchdogIntervalMs(env),
        storeWritable: () => store.isWritable(),
      }),
    );

    // The board: simulated hardware under --sim, the profile's GPIO and sound cards otherwise.
    const board = loadBoardOrExplain(config.board);
    const signals = createSignalKit();
    const lines = board.simulated
      ? new SimulatedLines({ board, signals, clock, logger, country: config.country })
      : new HardwareLines({ board, signals, clock, logger, country: config.country });
    lifecycle.add(lines);

    const modems = new ModemsRoom({ modems: board.modems, config, clock, logger });
    lifecycle.add(modems);

    // The shared API maps: one event bus, one state registry, one request router for MQTT and the UI socket.
    const bus = new GatewayEventBus();
    const states = new StateRegistry();
    const router = new RequestRouter({ clock, logger: logger.child({ ns: 'requests' }) });
    const metrics = new MetricsRegistry();
    registerProcessMetrics(metrics);

    const sms = new SmsService({
      store,
      clock,
      logger,
      modems: modems.modems,
      options: {
        paceMs: config.modems[0]?.smsIntervalMs ?? 6000,
        routes: {
          event: true,
          ...(config.sms.webhooks[0]
            ? {
                webhook: {
                  url: config.sms.webhooks[0].url,
                  ...(config.sms.webhooks[0].secret ? { secret: config.sms.webhooks[0].secret } : {}),
                },
              }
            : {}),
          ...(config.sms.email
            ? {
                email: {
                  host: config.sms.email.smtpHost,
                  port: config.sms.email.smtpPort,
                  from: config.sms.email.from,
                  to: [config.sms.email.to],
                  ...(config.sms.email.username ? { username: config.sms.email.username } : {}),
                  ...(config.sms.email.password ? { password: config.sms.email.password } : {}),
                },
              }
            : {}),
        },
      },
      onEvent: (type, payload) => bus.publish(type, { time: clock.wallClockMs(), ...payload } as never),
    });
    lifecycle.add(sms);

    let api: GatewayApi | undefined;
    const calls = new CallsRoom({
      config,
      clock,
      logger,
      store,
      fxsPorts: lines.fxsPorts,
      fxoPorts: lines.fxoPorts,
      modems: modems.modems,
      on: {
        started: (c) => api?.callStarted(c),
        answered: (c) => api?.callAnswered(c),
        ended: (c, r) => api?.callEnded(c, r),
      },
    });
    lifecycle.add(calls);
    api = new GatewayApi({
      clock,
      version: VERSION,
      startedAtMs,
      bus,
      states,
      router,
      fxsPorts: lines.fxsPorts,
      fxoPorts: lines.fxoPorts,
      extensionOf: (id) => calls.extensionOf(id),
      modems: modems.modems,
      sms,
      activeCalls: () => calls.manager.active,
      restart: () => options.onRestartRequested?.(),
    });
    lifecycle.add(api);
    const configAccess: ConfigAccess = {
      get: () => configStore.redacted() as unknown as Record<string, unknown>,
      set: async (patch) => {
        const r = await configStore.set(patch, { remote: true });
        return r.ok
          ? { ok: true, requiresRestart: (r.requiresRestart ?? []).length > 0 }
          : { ok: false, errors: (r.problems ?? []).map((p) => ({ path: p.path, message: p.message })) };
      },
    };
    if (config.mqtt.enabled) {
      lifecycle.add(
        new MqttFleet({
          url: config.mqtt.url,
          ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
          ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
          ...(config.mqtt.caFile || config.mqtt.certFile
            ? {
                tls: {
                  ...(config.mqtt.caFile ? { ca: config.mqtt.caFile } : {}),
                  ...(config.mqtt.certFile ? { cert: config.mqtt.certFile } : {}),
                  ...(config.mqtt.keyFile ? { key: config.mqtt.keyFile } : {}),
                },
              }
            : {}),
          baseTopic: config.mqtt.baseTopic,
          deviceId: config.deviceId ?? 'linegate',
          keepaliveS: config.mqtt.keepaliveS,
          remoteCommands: config.mqtt.remoteCommands,
          homeAssistant: { enabled: config.mqtt.homeAssistant },
          version: VERSION,
          clock,
          logger,
          store,
          bus,
          states,
          router,
          configAccess,
          remoteConfig: { remoteWritable: remoteWritableFields() },
          metrics,
        }),
      );
    }

    const { app } = buildHttpServer({
      logger,
      auth,
      version: VERSION,
      webUiDir: webUiDir(),
    });
    registerAuthRoutes(app, auth);
    registerSystemRoutes(app, {
      version: VERSION,
      startedAtMs,
      deviceId: config.deviceId ?? 'linegate',
      board: config.board,
      health: () => lifecycle.health(),
      metrics: () => metrics.render(),
      config: configStore,
      restart: () => options.onRestartRequested?.(),
    });
    registerCdrRoutes(app, calls.cdr);
    registerCallRoutes(app, { router: calls.router, manager: calls.manager });
    registerSmsRoutes(app, sms);
    await registerWebSocketRoutes(app, { states, bus, router });
    if (lines instanceof SimulatedLines) {
      registerPhoneSimRoutes(app, lines.phones);
      registerPstnSimRoutes(app, lines.pstnLines);
    }
    if (modems.simulated.size > 0) registerModemSimRoutes(app, modems.simulated);
    const host = config.http.host;
    const tls = config.http.httpsPort > 0 ? httpsMaterial(config, logger) : undefined;
    lifecycle.add(
      httpService(app, host, config.http.port, tls ? { port: config.http.httpsPort, ...tls } : undefined),
    );

    const gateway: Gateway = {
      lifecycle,
      store,
      http: app,
      auth,
      config: configStore,
      notifier,
      setupCode,
      get url() {
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.http.port;
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
      },
      stop: async () => {
        await lifecycle.stop();
        store.close();
      },
    };
    return gateway;
  } catch (err) {
    store.close();
    throw err;
  }
}

/** Fields MQTT config/set may change: those the schema marks `remote`. */
function remoteWritableFields(): string[] {
  return [...FIELD_FLAGS.entries()].filter(([, f]) => f.remote && !f.secret).map(([path]) => path);
}

function loadBoardOrExplain(name: string): BoardProfile {
  try {
    return loadBoard(name, { boardsDir: boardsDir() });
  } catch (err) {
    const problems = (err as LinegateError).details?.problems as
      | { field: string; line?: number; message: string }[]
      | undefined;
    if (!problems) throw err;
    const list = problems
      .map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.field}: ${p.message}`)
      .join('\n  ');
    throw new LinegateError('BOARD_INVALID', `board ${name} is invalid:\n  ${list}`);
  }
}

/** The configured certificate, or the device certificate made on first start. */
function httpsMaterial(config: LinegateConfig, logger: Logger): { cert: string; key: string } {
  const { certFile, keyFile } = config.http;
  if (certFile && keyFile) {
    try {
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    } catch (err) {
      throw new LinegateError(
        'CONFIG_INVALID',
        `http.certFile/keyFile: cannot read ${certFile} or ${keyFile}: ${(err as Error).message}`,
      );
    }
  }
  const host = hostname();
  const device = loadOrCreateDeviceCertificate(config.dataDir ?? '.', {
    commonName: host,
    dnsNames: [host, `${host}.local`, 'localhost'],
    ipAddresses: ['127.0.0.1', '::1', ...localAddresses()],
  });
  logger.info(
    { fingerprintSha256: device.fingerprintSha256, created: device.created },
    'HTTPS device certificate',
  );
  return { cert: device.certPem, key: device.keyPem };
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => a !== undefined && !a.internal)
    .map((a) => a.address);
}

/** HTTP, and HTTPS on a second socket feeding the same routes (fastify's `routing`). */
function httpService(
  app: FastifyInstance,
  host: string,
  port: number,
  tls: { port: number; cert: string; key: string } | undefined,
): Service {
  let listening = false;
  let https: HttpsServer | undefined;
  return {
    name: 'http',
    async start() {
      await app.listen({ host, port });
      if (tls) {
        https = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => app.routing(req, res));
        const server = https;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(tls.port, host, () => resolve());
        });
      }
      listening = true;
    },
    async stop() {
      if (!listening) return;
      listening = false;
      if (https) {
        const server = https;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await app.close();
    },
    health: () => ({ status: listening ? 'ok' : 'failed' }),
  };
}
