import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CdrQuery, CdrStore } from './cdr-store.ts';

const Query = Type.Object(
  {
    from: Type.Optional(
      Type.String({ description: 'ISO time or epoch ms: records that started at or after' }),
    ),
    to: Type.Optional(Type.String({ description: 'ISO time or epoch ms: records that started before' })),
    number: Type.Optional(Type.String({ maxLength: 32 })),
    endpoint: Type.Optional(Type.String({ maxLength: 64 })),
    disposition: Type.Optional(
      Type.Union(
        ['answered', 'busy', 'no_answer', 'failed', 'cancelled', 'rejected'].map((d) => Type.Literal(d)),
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

type QueryString = {
  from?: string;
  to?: string;
  number?: string;
  endpoint?: string;
  disposition?: CdrQuery['disposition'];
  limit?: number;
  before?: number;
};

function toQuery(q: QueryString): CdrQuery {
  const time = (v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const out: CdrQuery = {};
  const from = time(q.from);
  const to = time(q.to);
  if (from !== undefined) out.fromMs = from;
  if (to !== undefined) out.toMs = to;
  if (q.number) out.number = q.number;
  if (q.endpoint) out.endpoint = q.endpoint;
  if (q.disposition) out.disposition = q.disposition;
  if (q.limit) out.limit = q.limit;
  if (q.before) out.before = q.before;
  return out;
}

export function registerCdrRoutes(app: FastifyInstance, cdr: CdrStore): void {
  app.get(
    '/api/v1/calls/cdr',
    {
      schema: {
        summary: 'Call detail records, newest first (page with `before`)',
        tags: ['calls'],
        querystring: Query,
      },
    },
    async (req) => cdr.list(toQuery(req.query as QueryString)),
  );
  app.get(
    '/api/v1/calls/cdr.csv',
    { schema: { summary: 'Call detail records as CSV', tags: ['calls'], querystring: Query } },
    async (req, reply) => {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="linegate-cdr.csv"');
      return cdr.csv(toQuery(req.query as QueryString));
    },
  );
}
