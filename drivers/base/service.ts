/**
 * A long-running part of the daemon. Constructors only assign; `start`
 * does the work and resolves once the service is ready; `stop` is
 * idempotent and releases every timer, socket and listener.
 */
export interface Service {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Liveness for /health: `ok`, or `degraded` with a reason. Optional. */
  health?(): ServiceHealth;
}

export interface ServiceHealth {
  status: 'ok' | 'degraded' | 'failed';
  detail?: string;
  [key: string]: unknown;
}

/** Makes `stop()` idempotent: the first call runs `fn`, later calls share its promise. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= fn();
    return promise;
  };
}
