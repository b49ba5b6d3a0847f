import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { GatewayEventBus } from '../api/events.ts';
import type { RequestRouter } from '../api/requests.ts';
import type { StateRegistry } from '../api/state.ts';

/**
 * `GET /api/v1/ws`: the web UI's live channel, speaking the same typed maps
 * as MQTT. On connect the client gets every component's state; then state
 * changes and events as they happen; `{"type":"request"}` messages go to the
 * shared request router and are answered with the caller's transaction.
 * Authentication is the server's global hook (cookie or bearer).
 */
export async function registerWebSocketRoutes(
  app: FastifyInstance,
  deps: { states: StateRegistry; bus: GatewayEventBus; router: RequestRouter },
): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.get(
    '/api/v1/ws',
    { websocket: true, schema: { summary: 'Live state, events and requests (WebSocket)', tags: ['system'] } },
    (socket, req) => {
      const send = (msg: object) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      };
      for (const [component, state] of Object.entries(deps.states.snapshot()))
        send({ type: 'state', component, state });
      const offState = deps.states.on('change', (component: string, state: unknown) =>
        send({ type: 'state', component, state }),
      );
      const offEvent = deps.bus.on('event', (e) =>
        send({ type: 'event', event: e.type, payload: e.payload }),
      );
      socket.on('message', (raw: Buffer) => {
        let msg: { type?: unknown; method?: unknown; transaction?: unknown; payload?: unknown };
        try {
          msg = JSON.parse(raw.toString('utf8'));
        } catch {
          send({ type: 'error', error: { code: 'BAD_REQUEST', message: 'not JSON' } });
          return;
        }
        if (msg.type !== 'request' || typeof msg.method !== 'string') {
          send({
            type: 'error',
            error: { code: 'BAD_REQUEST', message: 'expected {"type":"request","method":...}' },
          });
          return;
        }
        const method = msg.method;
        void deps.router
          .handle(method, msg.payload ?? {}, {
            origin: 'websocket',
            remote: false,
            ...(req.principal ? { user: req.principal.username } : {}),
          })
          .then((env) =>
            send(
              env.status === 'ok'
                ? { type: 'response', method, transaction: msg.transaction, ok: true, result: env.data }
                : { type: 'response', method, transaction: msg.transaction, ok: false, error: env.error },
            ),
          );
      });
      socket.on('close', () => {
        offState();
        offEvent();
      });
    },
  );
}
