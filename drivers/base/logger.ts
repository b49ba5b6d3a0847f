import { pino, type Logger as PinoLogger } from 'pino';

/** The logger every room takes by injection: pino, namespaced with `child({ ns })`. */
export type Logger = PinoLogger;

/** Paths whose values never reach a log line. */
export const REDACTED_LOG_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'pin',
  '*.pin',
  '*.*.pin',
  'puk',
  '*.puk',
  'token',
  '*.token',
  'secret',
  '*.secret',
  '*.*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** A logger that writes nothing: for tests and for libraries used without a daemon. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A namespaced child logger (`ns` shows which room or port wrote the line). */
export function childLogger(parent: Logger, ns: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ ns, ...bindings });
}
