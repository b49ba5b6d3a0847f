import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { LinegateError, errorMessage } from '../../drivers/base/errors.ts';
import type { Logger } from '../../drivers/base/logger.ts';
import type { AuthService, Principal } from '../security/auth.ts';
import { HTTP_STATUS_BY_CODE } from './error-statuses.ts';
import { collectOpenApi } from './openapi.ts';

export const SESSION_COOKIE = 'linegate_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifySchema {
    /** OpenAPI summary, description and tags (read by openapi.ts). */
    summary?: string;
    description?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    /** Route answers without authentication (only /health and the login routes). */
    public?: boolean;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  auth: AuthService;
  version: string;
  /** Where the built web UI lives (index.html + assets); a notice page is served when absent. */
  webUiDir: string;
  /** Largest JSON body in bytes. */
  bodyLimitBytes?: number;
}

/**
 * The HTTP server: build (routes, hooks) is separate from listen, so tests
 * use `app.inject()`. Every route except `/health` and the login routes
 * requires a session cookie or a bearer token; cookie-authenticated writes
 * must carry the session's CSRF token.
 */
export function buildHttpServer(options: HttpServerOptions): { app: FastifyInstance; openApi: () => object } {
  const app = Fastify({
    loggerInstance: options.logger.child({ ns: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, allErrors: false, strict: false } },
  }) as unknown as FastifyInstance;
  const openApi = collectOpenApi(app, { title: 'Linegate API', version: options.version });

  // Raw bodies for audio uploads (simulator, prompts) and firmware files.
  app.addContentTypeParser(
    ['audio/wav', 'audio/x-wav', 'audio/wave', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 32 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    ['text/yaml', 'application/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  app.addHook('onRequest', async (req, reply) => {
    setSecurityHeaders(reply, req.protocol === 'https');
    const path = req.url.split('?')[0] ?? '';
    const needsAuth = path.startsWith('/api/') || path === '/metrics';
    if (!needsAuth || req.routeOptions.config?.public) return;
    const principal = authenticate(req, options.auth);
    if (!principal) {
      return reply.code(401).send({ error: 'UNAUTHORIZED', message: 'log in or send a bearer token' });
    }
    if (principal.kind === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      if (req.headers[CSRF_HEADER] !== principal.csrf) {
        return reply
          .code(403)
          .send({ error: 'FORBIDDEN', message: `missing or wrong ${CSRF_HEADER} header` });
      }
    }
    if (principal.kind === 'token' && principal.tokenId !== undefined)
      options.auth.touchToken(principal.tokenId);
    req.principal = principal;
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof LinegateError) {
      const status = HTTP_STATUS_BY_CODE[err.code] ?? 500;
      const retry = err.details?.retryAfterS;
      if (typeof retry === 'number') reply.header('retry-after', String(retry));
      return reply
        .code(status)
        .send({ error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    const e = err as { statusCode?: number; validation?: unknown; code?: string; message?: string };
    if (e.validation) {
      return reply.code(400).send({ error: 'BAD_REQUEST', message: e.message ?? 'invalid request' });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply
        .code(e.statusCode)
        .send({ error: e.code ?? 'BAD_REQUEST', message: e.message ?? 'bad request' });
    }
    req.log.error({ err: errorMessage(err), url: req.url, method: req.method }, 'request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
  });

  app.get('/api/v1/openapi.json', { schema: { summary: 'This document', tags: ['system'] } }, async () =>
    openApi(),
  );

  // The web UI: static files, and index.html for any other GET so client-side routes reload.
  const indexFile = join(options.webUiDir, 'index.html');
  if (existsSync(indexFile)) {
    app.register(fastifyStatic, {
      root: options.webUiDir,
      wildcard: false,
      index: ['index.html'],
      maxAge: '1h',
      immutable: false,
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (req.method !== 'GET' || path.startsWith('/api/') || path === '/metrics') {
      return reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${path}` });
    }
    if (existsSync(indexFile)) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply
      .type('text/html')
      .send(
        '<!doctype html><meta charset="utf-8"><title>Linegate</title><h1>Linegate</h1><p>The web UI has not been built (run <code>npm run build</code>). The API is at <code>/api/v1/</code>.</p>',
      );
  });

  return { app, openApi };
}

function authenticate(req: FastifyRequest, auth: AuthService): Principal | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return auth.tokenPrincipal(header.slice(7).trim());
  const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
  return sessionId ? auth.sessionPrincipal(sessionId) : undefined;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

function setSecurityHeaders(reply: FastifyReply, https: boolean): void {
  reply.header(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  );
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('permissions-policy', 'camera=(), geolocation=(), microphone=(self)');
  if (https) reply.header('strict-transport-security', 'max-age=31536000');
}
