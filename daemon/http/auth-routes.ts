import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LinegateError } from '../../drivers/base/errors.ts';
import type { AuthService } from '../security/auth.ts';
import { SESSION_COOKIE, readCookie, sessionCookie } from './server.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const SetupBody = Type.Object(
  {
    setupCode: Type.String({ minLength: 1, maxLength: 32 }),
    newPassword: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const PasswordBody = Type.Object(
  {
    currentPassword: Type.String({ maxLength: 256 }),
    newPassword: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const TokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 80 }) },
  { additionalProperties: false },
);
const LoginReply = Type.Object({ token: Type.String(), csrfToken: Type.String(), expiresAt: Type.Integer() });

export function registerAuthRoutes(app: FastifyInstance, auth: AuthService): void {
  app.get(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        summary: 'Whether first-boot setup is still required',
        tags: ['auth'],
        response: { 200: Type.Object({ setupRequired: Type.Boolean() }) },
      },
    },
    async () => ({ setupRequired: auth.setupRequired }),
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        summary: 'Log in: sets the session cookie and returns a bearer token',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: LoginReply },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      if (auth.setupRequired) {
        throw new LinegateError(
          'FORBIDDEN',
          'no admin password is set yet: complete setup with the setup code',
          {
            details: { setupRequired: true },
          },
        );
      }
      const session = await auth.login(req.ip, username, password);
      const maxAgeS = Math.floor((session.expiresAt - Date.now()) / 1000);
      reply.header('set-cookie', sessionCookie(session.sessionId, maxAgeS, req.protocol === 'https'));
      return { token: session.sessionId, csrfToken: session.csrf, expiresAt: session.expiresAt };
    },
  );

  app.post(
    '/api/v1/auth/setup',
    {
      config: { public: true },
      schema: {
        summary: 'First boot: set the admin password with the one-time setup code',
        tags: ['auth'],
        body: SetupBody,
      },
    },
    async (req) => {
      const { setupCode, newPassword } = req.body as { setupCode: string; newPassword: string };
      await auth.completeSetup(req.ip, setupCode, newPassword);
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/auth/session',
    { schema: { summary: 'Who is logged in', tags: ['auth'] } },
    async (req) => ({
      username: req.principal?.username,
      kind: req.principal?.kind,
      csrfToken: req.principal?.csrf,
    }),
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { summary: 'End this session', tags: ['auth'] } },
    async (req, reply) => {
      const id = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (id) auth.logout(id);
      reply.header('set-cookie', sessionCookie('', 0, req.protocol === 'https'));
      return { ok: true };
    },
  );

  app.post(
    '/api/v1/auth/logout-everywhere',
    { schema: { summary: 'End every session', tags: ['auth'] } },
    async (req, reply) => {
      const ended = auth.logoutEverywhere();
      reply.header('set-cookie', sessionCookie('', 0, req.protocol === 'https'));
      return { ok: true, ended };
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        summary: 'Change the admin password (ends every session)',
        tags: ['auth'],
        body: PasswordBody,
      },
    },
    async (req) => {
      const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string };
      await auth.changePassword(currentPassword, newPassword, req.ip);
      return { ok: true };
    },
  );

  app.get('/api/v1/auth/tokens', { schema: { summary: 'API tokens', tags: ['auth'] } }, async () => ({
    items: auth.listTokens(),
  }));
  app.post(
    '/api/v1/auth/tokens',
    { schema: { summary: 'Create an API token (shown once)', tags: ['auth'], body: TokenBody } },
    async (req) => auth.createToken((req.body as { name: string }).name),
  );
  app.delete(
    '/api/v1/auth/tokens/:id',
    {
      schema: { summary: 'Revoke an API token', tags: ['auth'], params: Type.Object({ id: Type.Integer() }) },
    },
    async (req) => {
      if (!auth.revokeToken((req.params as { id: number }).id))
        throw new LinegateError('NOT_FOUND', 'no such token');
      return { ok: true };
    },
  );
}
