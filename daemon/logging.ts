import { createRequire } from 'node:module';
import { pino } from 'pino';
import { type Logger, REDACTED_LOG_PATHS } from '../drivers/base/logger.ts';

/**
 * The daemon's root logger: JSON lines on stdout (journald under systemd);
 * pretty output only when stdout is a terminal outside production and
 * pino-pretty is installed (it is a development dependency).
 */
export function createRootLogger(level: string): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (process.stdout.isTTY && process.env.NODE_ENV !== 'production' && !process.env.LINEGATE_LOG_JSON) {
    try {
      // In-process stream rather than a transport: no worker thread, and it works from the bundle.
      const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => NodeJS.WritableStream;
      return pino(options, pretty({ colorize: true, ignore: 'pid,hostname', sync: true }));
    } catch {
      // pino-pretty not installed (production): JSON it is
    }
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
