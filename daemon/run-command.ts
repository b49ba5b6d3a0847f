import { errorMessage, isLinegateError } from '../drivers/base/errors.ts';
import type { CliCommand, CliIo } from './cli/command.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { type Gateway, createGateway } from './gateway.ts';
import { createRootLogger } from './logging.ts';
import { VERSION } from './version.ts';

/** Exit codes of `linegate run` (also in the README). */
export const EXIT = {
  ok: 0,
  startFailed: 1,
  usage: 2,
  /** The API or MQTT asked for a restart; systemd (RestartForceExitStatus=3) and scripts/start start us again. */
  restart: 3,
  /** A second SIGTERM/SIGINT cut the graceful stop short. */
  forced: 130,
} as const;

const GRACEFUL_STOP_BUDGET_MS = 4000;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the gateway daemon',
  usage: `linegate run [--config FILE] [--sim]

Runs the gateway until SIGTERM/SIGINT. --sim selects the simulated board (two
phones fxs1/fxs2, a PSTN line fxo1, a GSM modem gsm1), binds everything to
127.0.0.1 and keeps data in ./var. The configuration comes from --config,
LINEGATE_CONFIG or /etc/linegate/linegate.yaml; LINEGATE_* variables override it.

Exit codes: 0 stopped cleanly, 1 could not start (the reason is printed),
2 usage error, 3 restart requested, 130 forced stop (second signal).`,
  async run(args: string[], io: CliIo): Promise<number> {
    let file: string | undefined;
    let sim = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--sim') sim = true;
      else if (a === '--config') {
        file = args[++i];
        if (!file) {
          io.stderr.write('linegate run: --config needs a file\n');
          return EXIT.usage;
        }
      } else if (a?.startsWith('--config=')) file = a.slice(9);
      else {
        io.stderr.write(`linegate run: unknown argument ${a}\n${this.usage}\n`);
        return EXIT.usage;
      }
    }
    return runDaemon({ file, sim, io });
  },
};

async function runDaemon(options: { file: string | undefined; sim: boolean; io: CliIo }): Promise<number> {
  const t0 = performance.now();
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig({ ...(options.file ? { file: options.file } : {}), sim: options.sim });
  } catch (err) {
    options.io.stderr.write(`linegate: ${err instanceof ConfigError ? err.message : errorMessage(err)}\n`);
    return EXIT.startFailed;
  }
  const logger = createRootLogger(loaded.config.log.level);
  logger.info(
    { version: VERSION, config: loaded.file ?? '(defaults)', sim: options.sim, env: loaded.envApplied },
    'starting Linegate',
  );

  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  let gateway: Gateway | undefined;
  let stopping = false;
  const shutdown = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    gateway?.notifier.stopping();
    const budget = setTimeout(() => {
      logger.warn({ budgetMs: GRACEFUL_STOP_BUDGET_MS }, 'graceful stop took too long; exiting');
      try {
        gateway?.store.close();
      } finally {
        resolveExit(code);
      }
    }, GRACEFUL_STOP_BUDGET_MS);
    budget.unref();
    try {
      await gateway?.stop();
    } catch (err) {
      logger.error({ err: errorMessage(err) }, 'error while stopping');
    }
    clearTimeout(budget);
    logger.info('stopped');
    resolveExit(code);
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting immediately');
      logger.flush();
      process.exit(EXIT.forced);
    }
    void shutdown(EXIT.ok, sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    gateway = await createGateway({
      loaded,
      logger,
      sim: options.sim,
      onRestartRequested: () => void shutdown(EXIT.restart, 'restart requested'),
    });
    await gateway.lifecycle.start();
  } catch (err) {
    const message = isLinegateError(err) ? err.message : errorMessage(err);
    logger.fatal({ err: message }, 'could not start');
    options.io.stderr.write(`linegate: could not start: ${message}\n`);
    await gateway?.stop().catch(() => {});
    logger.flush();
    return EXIT.startFailed;
  }

  const readyMs = Math.round(performance.now() - t0);
  gateway.notifier.ready(`serving ${gateway.url}`);
  logger.info({ url: gateway.url, readyMs }, 'ready');
  if (gateway.setupCode) {
    const banner = [
      '',
      '  ┌──────────────────────────────────────────────────────────────┐',
      `  │  Linegate is ready: open ${gateway.url.padEnd(36)}│`,
      `  │  No admin password is set. One-time setup code: ${gateway.setupCode}     │`,
      '  └──────────────────────────────────────────────────────────────┘',
      '',
    ].join('\n');
    options.io.stderr.write(`${banner}\n`);
    logger.warn(
      { setupCode: gateway.setupCode },
      'no admin password set: use this one-time setup code in the web UI',
    );
  } else {
    options.io.stderr.write(`\n  Linegate is ready: open ${gateway.url} and log in as admin.\n\n`);
  }

  const code = await exited;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  logger.flush();
  return code;
}
