/**
 * The SMS part of the HTTP API (contract: POST/GET /api/v1/sms).
 *
 *   POST /api/v1/sms {"to","text","idempotencyKey"?,"modem"?} → 202 {"id","status","segments"}
 *     202 Accepted: the message is stored and queued, not yet sent. Repeating the request
 *     with the same idempotencyKey answers 202 with the same id and its current status.
 *   GET  /api/v1/sms?direction=in|out&limit=N&before=ISO → 200 {"items":[...]}
 *   GET  /api/v1/sms/:id → 200 item | 404
 *   POST /api/v1/sms/preview {"text"} → 200 {"encoding","segments","charsLeft"}
 *   POST /api/v1/ussd {"modem","code"} → 200 {"modem","code","response"}
 * Errors answer {"error": CODE, "message": reason}: 400 bad input, 404 unknown id or modem,
 * 503/504/502 when the modem is not ready / times out / refuses. Auth is applied globally.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ErrorCode, errorMessage, isLinegateError } from '../../drivers/base/errors.ts';
import type { SmsService } from './sms-service.ts';

const SendBody = Type.Object(
  {
    to: Type.String({
      minLength: 1,
      maxLength: 32,
      description: 'destination number, +international or national',
    }),
    text: Type.String({ description: 'message text; long texts are sent as several segments' }),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    modem: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({
  direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  before: Type.Optional(Type.String({ maxLength: 40 })),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const PreviewBody = Type.Object({ text: Type.String() }, { additionalProperties: false });
const UssdBody = Type.Object(
  {
    modem: Type.String({ minLength: 1, maxLength: 64 }),
    code: Type.String({ minLength: 1, maxLength: 160 }),
  },
  { additionalProperties: false },
);

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  SMS_INVALID: 400,
  PDU_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  MODEM_NOT_READY: 503,
  UNAVAILABLE: 503,
  DEVICE_MISSING: 503,
  DEVICE_FAILED: 503,
  AT_ERROR: 502,
  AT_TIMEOUT: 504,
  TIMEOUT: 504,
};

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (isLinegateError(err)) {
    return reply.code(HTTP_STATUS[err.code] ?? 500).send({ error: err.code, message: err.message });
  }
  return reply.code(500).send({ error: 'INTERNAL', message: errorMessage(err) });
}

export function registerSmsRoutes(app: FastifyInstance, sms: SmsService): void {
  app.post<{ Body: Static<typeof SendBody> }>(
    '/api/v1/sms',
    { schema: { body: SendBody } },
    async (request, reply) => {
      try {
        const b = request.body;
        const result = sms.send({
          to: b.to,
          text: b.text,
          ...(b.idempotencyKey !== undefined ? { idempotencyKey: b.idempotencyKey } : {}),
          ...(b.modem !== undefined ? { modem: b.modem } : {}),
        });
        return reply.code(202).send(result);
      } catch (err) {
        return sendError(reply, err);
      }
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/sms',
    { schema: { querystring: ListQuery } },
    async (request, reply) => {
      try {
        const q = request.query;
        return reply.send(
          sms.list({
            ...(q.direction ? { direction: q.direction } : {}),
            ...(q.limit !== undefined ? { limit: q.limit } : {}),
            ...(q.before !== undefined ? { before: q.before } : {}),
          }),
        );
      } catch (err) {
        return sendError(reply, err);
      }
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/sms/:id',
    { schema: { params: IdParams } },
    async (request, reply) => {
      const item = sms.get(request.params.id);
      if (!item)
        return reply.code(404).send({ error: 'NOT_FOUND', message: `no SMS "${request.params.id}"` });
      return reply.send(item);
    },
  );

  app.post<{ Body: Static<typeof PreviewBody> }>(
    '/api/v1/sms/preview',
    { schema: { body: PreviewBody } },
    async (request, reply) => {
      const p = sms.preview(request.body.text);
      return reply.send({ encoding: p.encoding, segments: p.segments, charsLeft: p.charsLeft });
    },
  );

  app.post<{ Body: Static<typeof UssdBody> }>(
    '/api/v1/ussd',
    { schema: { body: UssdBody } },
    async (request, reply) => {
      try {
        return reply.send(await sms.ussd(request.body.modem, request.body.code));
      } catch (err) {
        return sendError(reply, err);
      }
    },
  );
}
