import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CallManager } from './call-manager.ts';
import type { Router } from './router.ts';

/** The route tester and the list of calls in progress. */
export function registerCallRoutes(
  app: FastifyInstance,
  deps: { router: Router; manager: CallManager },
): void {
  app.get(
    '/api/v1/calls/route',
    {
      schema: {
        summary: 'Route tester: where a number dialed from an endpoint goes, and why',
        tags: ['calls'],
        querystring: Type.Object(
          {
            source: Type.String({ minLength: 1, maxLength: 64, description: 'endpoint id, e.g. fxs1' }),
            number: Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9*#+]+$' }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { source, number } = req.query as { source: string; number: string };
      const d = deps.router.resolve(source, number);
      return d.kind === 'route'
        ? {
            result: 'route',
            route: d.route,
            why: d.why,
            targets: d.targets.map((t) => ({ endpoint: t.endpoint.id, number: t.to })),
          }
        : {
            result: 'reject',
            route: d.route,
            why: d.why,
            cause: d.cause.name,
            sipStatus: d.cause.sipStatus,
            tone: d.cause.tone,
          };
    },
  );
  app.get(
    '/api/v1/calls/active',
    { schema: { summary: 'Calls in progress', tags: ['calls'] } },
    async () => ({
      items: deps.manager.active,
    }),
  );
}
