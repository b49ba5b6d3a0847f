import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LinegateError } from '../../drivers/base/errors.ts';
import type { ConfigStore } from '../config/config-store.ts';
import { ConfigSchema } from '../config/schema.ts';

export interface SystemRouteDeps {
  version: string;
  startedAtMs: number;
  deviceId: string;
  board: string;
  health: () => { status: 'ok' | 'degraded'; checks: Record<string, unknown> };
  metrics: () => string | Promise<string>;
  config: ConfigStore;
  /** Asks the daemon to restart (exits with the restart code; systemd or scripts/start bring it back). */
  restart: () => void;
}

export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness and per-service health (no authentication)',
        tags: ['system'],
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
            checks: Type.Record(Type.String(), Type.Unknown()),
          }),
        },
      },
    },
    async () => deps.health(),
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['system'] } },
    async (_req, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return deps.metrics();
    },
  );

  app.get(
    '/api/v1/system',
    { schema: { summary: 'Version, uptime and identity', tags: ['system'] } },
    async () => ({
      version: deps.version,
      deviceId: deps.deviceId,
      board: deps.board,
      uptimeS: Math.round((Date.now() - deps.startedAtMs) / 1000),
      node: process.version,
    }),
  );

  app.post(
    '/api/v1/system/restart',
    { schema: { summary: 'Restart the daemon', tags: ['system'] } },
    async () => {
      setTimeout(deps.restart, 200).unref();
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/config',
    { schema: { summary: 'The running configuration (secrets redacted)', tags: ['config'] } },
    async () => deps.config.redacted(),
  );

  app.get(
    '/api/v1/config/schema',
    { schema: { summary: 'The configuration JSON Schema', tags: ['config'] } },
    async () => ConfigSchema,
  );

  app.patch(
    '/api/v1/config',
    {
      schema: {
        summary: 'Change configuration fields (deep merge; null removes; ******** keeps a secret)',
        tags: ['config'],
        body: Type.Record(Type.String(), Type.Unknown()),
      },
    },
    async (req, reply) => {
      const result = await deps.config.set(req.body as Record<string, unknown>);
      if (!result.ok) {
        return reply
          .code(400)
          .send({ error: 'CONFIG_INVALID', message: 'invalid configuration', problems: result.problems });
      }
      return result;
    },
  );

  app.get(
    '/api/v1/config/file',
    { schema: { summary: 'Back up: the configuration as YAML (secrets redacted)', tags: ['config'] } },
    async (_req, reply) => {
      const { stringify } = await import('yaml');
      reply.type('text/yaml').header('content-disposition', 'attachment; filename="linegate.yaml"');
      return stringify(deps.config.redacted());
    },
  );

  app.put(
    '/api/v1/config/file',
    { schema: { summary: 'Restore: replace the configuration from YAML', tags: ['config'] } },
    async (req, reply) => {
      if (typeof req.body !== 'string')
        throw new LinegateError('BAD_REQUEST', 'send the YAML with content-type text/yaml');
      const { parse } = await import('yaml');
      let parsed: unknown;
      try {
        parsed = parse(req.body);
      } catch (err) {
        throw new LinegateError('CONFIG_INVALID', `YAML syntax: ${(err as Error).message.split('\n')[0]}`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new LinegateError('CONFIG_INVALID', 'the file must be a YAML mapping');
      const result = await deps.config.set(parsed as Record<string, unknown>, { replace: true });
      if (!result.ok)
        return reply
          .code(400)
          .send({ error: 'CONFIG_INVALID', message: 'invalid configuration', problems: result.problems });
      return result;
    },
  );
}
