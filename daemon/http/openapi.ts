import type { FastifyInstance, RouteOptions } from 'fastify';

interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  public: boolean;
}

/**
 * Builds the OpenAPI 3.1 document from the routes' own JSON schemas, so the
 * document cannot drift from what the server validates.
 */
export function collectOpenApi(app: FastifyInstance, info: { title: string; version: string }): () => object {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') && route.url !== '/health' && route.url !== '/metrics') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: route.schema as Record<string, unknown> | undefined,
        public: (route.config as { public?: boolean } | undefined)?.public === true,
      });
    }
  });
  let cached: object | undefined;
  return () => {
    cached ??= build(routes, info);
    return cached;
  };
}

function build(routes: CollectedRoute[], info: { title: string; version: string }): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const s = r.schema ?? {};
    const op: Record<string, unknown> = {
      summary: s.summary ?? `${r.method.toUpperCase()} ${path}`,
      tags: s.tags,
      security: r.public ? [] : undefined,
      parameters: [...params(s.params, 'path'), ...params(s.querystring, 'query')],
      requestBody: s.body
        ? { required: true, content: { 'application/json': { schema: s.body } } }
        : undefined,
      responses: Object.fromEntries(
        Object.entries((s.response as Record<string, unknown> | undefined) ?? { 200: {} }).map(
          ([code, schema]) => [code, { description: code, content: { 'application/json': { schema } } }],
        ),
      ),
    };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[r.method] = JSON.parse(JSON.stringify(op));
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'linegate_session' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}

function params(schema: unknown, where: 'path' | 'query'): object[] {
  const props = (schema as { properties?: Record<string, unknown>; required?: string[] } | undefined)
    ?.properties;
  if (!props) return [];
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}
