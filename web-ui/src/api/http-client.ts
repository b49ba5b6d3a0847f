/**
 * The one way the UI talks HTTP to the daemon: same-origin fetch with the
 * session cookie, the CSRF header on every write, and errors turned into
 * `ApiError` (status, code, server message, field problems, Retry-After).
 * A 401 on anything but the login routes tells the shell to show the login.
 */

export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: FieldProblem[];
  readonly retryAfterS: number | undefined;

  constructor(status: number, code: string, message: string, problems: FieldProblem[], retryAfterS?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.retryAfterS = retryAfterS;
  }

  /** The back end for this page has not landed (route missing). */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === 'NOT_FOUND' && this.message.startsWith('no route');
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  /** Raw body (YAML, WAV); JSON-encoded otherwise. */
  rawBody?: string | Blob;
  contentType?: string;
  /** Do not call the global 401 handler (login and session probes). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (options.rawBody !== undefined) {
    payload = options.rawBody;
    headers['content-type'] = options.contentType ?? 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  if (WRITE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(payload !== undefined ? { body: payload } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'the box did not answer (network error or restarting)', []);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const obj = (data && typeof data === 'object' ? data : {}) as {
      error?: string;
      message?: string;
      problems?: FieldProblem[];
    };
    const retry = Number(res.headers.get('retry-after'));
    const error = new ApiError(
      res.status,
      obj.error ?? `HTTP_${res.status}`,
      obj.message ?? (typeof data === 'string' && data ? data : res.statusText),
      Array.isArray(obj.problems) ? obj.problems : [],
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
    if (res.status === 401 && !options.quiet401) onUnauthorized?.();
    throw error;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, body ?? {}, options),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** A human message for any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429)
      return `${err.message}${err.retryAfterS ? ` (locked out: try again in ${err.retryAfterS} s)` : ''}`;
    if (err.notAvailable) return 'not available yet on this firmware';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A random key (works outside secure contexts, unlike crypto.randomUUID). */
export function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
