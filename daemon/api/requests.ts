/**
 * One typed request/response map, shared by MQTT (`request/<method>` →
 * `response/<method>`) and the web UI WebSocket. Each method has a TypeBox
 * schema for its parameters; `RequestRouter.handle()` validates, runs the
 * handler a room registered and always answers with an envelope: unknown
 * methods, bad payloads, missing handlers, throwing or slow handlers all get
 * an error response with a code, never silence.
 *
 * Envelope on the wire (as in zigbee2mqtt's bridge API):
 *   request:  { "transaction": "abc", ...params }
 *   response: { "status": "ok", "data": {...}, "transaction": "abc" }
 *             { "status": "error", "error": { "code": "BAD_REQUEST", "message": "..." }, "transaction": "abc" }
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Clock } from '../../drivers/base/clock.ts';
import { type ErrorCode, LinegateError, errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { ComponentState } from './state.ts';

const PhoneNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^\\+?[0-9*#]{1,31}$' });
const EndpointRef = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:@+-]+$' });

/** Parameter schemas, one per method. `additionalProperties: false` so a typo is an error, not ignored. */
export const RequestSchemas = {
  'sms/send': Type.Object(
    {
      to: PhoneNumber,
      text: Type.String({ minLength: 1, maxLength: 2000 }),
      modem: Type.Optional(EndpointRef),
      /** A retried request with the same key sends nothing twice. */
      idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    },
    { additionalProperties: false },
  ),
  'call/originate': Type.Object(
    {
      /** The endpoint that rings first: fxs1, gsm1, a SIP account... */
      from: EndpointRef,
      /** The number dialled once `from` answers (or directly on a line). */
      to: PhoneNumber,
      timeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
    },
    { additionalProperties: false },
  ),
  'call/hangup': Type.Object(
    { callId: Type.String({ minLength: 1, maxLength: 128 }) },
    { additionalProperties: false },
  ),
  'modem/ussd': Type.Object(
    {
      modem: Type.Optional(EndpointRef),
      code: Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9*#]+$' }),
    },
    { additionalProperties: false },
  ),
  'config/get': Type.Object(
    { path: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
    { additionalProperties: false },
  ),
  'config/set': Type.Object(
    { patch: Type.Record(Type.String(), Type.Unknown()) },
    { additionalProperties: false },
  ),
  'system/restart': Type.Object(
    { delayS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })) },
    { additionalProperties: false },
  ),
  'diagnostics/ping': Type.Object({}, { additionalProperties: false }),
  'diagnostics/state': Type.Object({}, { additionalProperties: false }),
  'diagnostics/modem': Type.Object({ modem: EndpointRef }, { additionalProperties: false }),
  'diagnostics/sip_options': Type.Object(
    { target: Type.String({ minLength: 3, maxLength: 256 }) },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>;

export type RequestMethod = keyof typeof RequestSchemas;
export type RequestParams<M extends RequestMethod> = Static<(typeof RequestSchemas)[M]>;

export const REQUEST_METHODS = Object.keys(RequestSchemas) as RequestMethod[];

/** What each method answers with in `data`. */
export interface ResponseDataMap {
  'sms/send': { id: string; status: string; segments: number };
  'call/originate': { callId: string };
  'call/hangup': { ended: boolean };
  'modem/ussd': { modem: string; response: string };
  'config/get': { config: unknown };
  'config/set': { ok: true; requiresRestart: boolean };
  'system/restart': { restartingInS: number };
  'diagnostics/ping': { pong: true; uptimeS: number; version: string };
  'diagnostics/state': { states: Record<string, ComponentState> };
  'diagnostics/modem': { modem: string; info: Record<string, unknown> };
  'diagnostics/sip_options': { target: string; reachable: boolean; rttMs?: number; status?: number };
}

export type ResponseData<M extends RequestMethod> = ResponseDataMap[M];

export type Transaction = string | number;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ResponseEnvelope<D = unknown> =
  | { status: 'ok'; data: D; transaction?: Transaction }
  | { status: 'error'; error: ErrorBody; transaction?: Transaction };

/** Who asked. Handlers use `origin` to apply remote-only restrictions (see config-requests.ts). */
export interface RequestContext {
  origin: 'mqtt' | 'websocket' | 'http' | 'cli' | 'internal';
  /** True when the request came from off the box's admin UI (MQTT fleet). */
  remote: boolean;
  /** The authenticated user, when the transport has one. */
  user?: string;
  signal?: AbortSignal;
}

export type RequestHandler<M extends RequestMethod> = (
  params: RequestParams<M>,
  ctx: RequestContext,
) => Promise<ResponseData<M>> | ResponseData<M>;

export interface RequestRouterOptions {
  clock: Clock;
  logger: Logger;
  /** A handler that has not answered by then gets a TIMEOUT response. Default 30 s. */
  timeoutMs?: number;
}

const TRANSACTION_MAX_LENGTH = 128;

export class RequestRouter {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #checks = new Map<string, TypeCheck<TSchema>>();
  readonly #handlers = new Map<string, RequestHandler<RequestMethod>>();

  constructor(options: RequestRouterOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Registers the handler of `method`; returns a function that removes it. One handler per method. */
  register<M extends RequestMethod>(method: M, handler: RequestHandler<M>): () => void {
    if (!(method in RequestSchemas)) throw new LinegateError('INTERNAL', `unknown request method ${method}`);
    if (this.#handlers.has(method))
      throw new LinegateError('CONFLICT', `request method ${method} already has a handler`);
    this.#handlers.set(method, handler as unknown as RequestHandler<RequestMethod>);
    return () => {
      if (this.#handlers.get(method) === (handler as unknown)) this.#handlers.delete(method);
    };
  }

  has(method: string): boolean {
    return this.#handlers.has(method);
  }

  /**
   * Validates `payload` (the decoded JSON body, `transaction` included) and
   * runs the handler. Never throws; every outcome is an envelope.
   */
  async handle(method: string, payload: unknown, ctx: RequestContext): Promise<ResponseEnvelope> {
    const { transaction, params, error } = splitEnvelope(payload);
    const fail = (code: ErrorCode, message: string, details?: Record<string, unknown>): ResponseEnvelope =>
      withTransaction(
        { status: 'error', error: details ? { code, message, details } : { code, message } },
        transaction,
      );
    if (error) return fail('BAD_REQUEST', error);
    if (!isRequestMethod(method))
      return fail('NOT_FOUND', `unknown request method ${JSON.stringify(method)}`);
    const check = this.#check(method);
    if (!check.Check(params)) {
      const problems = [...check.Errors(params)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
      return fail('BAD_REQUEST', `invalid ${method} request: ${problems.join('; ')}`, { problems });
    }
    const handler = this.#handlers.get(method);
    if (!handler) return fail('UNAVAILABLE', `${method} is not available on this gateway`);
    let timer: { cancel(): void } | undefined;
    try {
      const data = await Promise.race([
        Promise.resolve().then(() => handler(params as RequestParams<RequestMethod>, ctx)),
        new Promise<never>((_, reject) => {
          timer = this.#clock.setTimer(this.#timeoutMs, () =>
            reject(new LinegateError('TIMEOUT', `${method} did not answer within ${this.#timeoutMs} ms`)),
          );
        }),
      ]);
      return withTransaction({ status: 'ok', data }, transaction);
    } catch (err) {
      if (err instanceof LinegateError) return fail(err.code, err.message, err.details);
      this.#logger.error({ method, err: errorMessage(err) }, 'request handler failed');
      return fail('INTERNAL', `${method} failed: ${errorMessage(err)}`);
    } finally {
      timer?.cancel();
    }
  }

  #check(method: RequestMethod): TypeCheck<TSchema> {
    let check = this.#checks.get(method);
    if (!check) {
      check = TypeCompiler.Compile(RequestSchemas[method] as TSchema);
      this.#checks.set(method, check);
    }
    return check;
  }
}

export function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(RequestSchemas, method);
}

/** Separates the caller's `transaction` from the parameters. */
export function splitEnvelope(payload: unknown): {
  transaction?: Transaction;
  params: Record<string, unknown>;
  error?: string;
} {
  if (payload === undefined || payload === null || payload === '') return { params: {} };
  if (typeof payload !== 'object' || Array.isArray(payload))
    return { params: {}, error: 'request payload must be a JSON object' };
  const { transaction, ...params } = payload as Record<string, unknown>;
  if (transaction === undefined) return { params };
  if (
    (typeof transaction === 'string' && transaction.length <= TRANSACTION_MAX_LENGTH) ||
    (typeof transaction === 'number' && Number.isFinite(transaction))
  )
    return { transaction, params };
  return { params, error: `transaction must be a string (≤ ${TRANSACTION_MAX_LENGTH} chars) or a number` };
}

/** Parses a raw MQTT/WebSocket body; an empty body is an empty request. */
export function parseRequestBody(body: string | Uint8Array): { payload?: unknown; error?: string } {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.trim() === '') return { payload: {} };
  try {
    return { payload: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: `request body is not JSON: ${errorMessage(err)}` };
  }
}

export function errorResponse(
  code: ErrorCode,
  message: string,
  transaction?: Transaction,
): ResponseEnvelope<never> {
  return withTransaction(
    { status: 'error', error: { code, message } },
    transaction,
  ) as ResponseEnvelope<never>;
}

function withTransaction(envelope: ResponseEnvelope, transaction: Transaction | undefined): ResponseEnvelope {
  return transaction === undefined ? envelope : { ...envelope, transaction };
}
