import type { FastifyInstance } from 'fastify';
import type { SimulatedPstnLine } from '../../drivers/line/sim/simulated-pstn-line.ts';
import {
  badRequest,
  registerAudioRoutes,
  ensureWavBodies,
  notFound,
  objectBody,
  sendError,
} from './phones-routes.ts';

/**
 * Simulator API for PSTN lines (only on the `sim` board; auth is applied globally).
 *
 *   GET  /api/v1/sim/pstn/:id                  → {"offHook","dialed","state"}
 *   POST /api/v1/sim/pstn/:id/call {"from","name"?,"standard"?: "bell"|"etsi"|"dtmf"} → 202
 *                                               rings the FXO port and sends caller ID
 *   POST /api/v1/sim/pstn/:id/hangup            → 202  the far end hangs up (loop drop, then busy tone)
 *   POST /api/v1/sim/pstn/:id/audio  body: WAV 8 kHz mono 16-bit → 202 {"durationMs"}
 *   GET  /api/v1/sim/pstn/:id/recording.wav?seconds=N → audio/wav (what the gateway sent into the line)
 */
export function registerPstnSimRoutes(
  app: FastifyInstance,
  lines: ReadonlyMap<string, SimulatedPstnLine>,
): void {
  const base = '/api/v1/sim/pstn/:id';
  ensureWavBodies(app);
  type Req = { Params: { id: string } };

  app.get<Req>(base, async (req, reply) => {
    const line = lines.get(req.params.id);
    if (!line) return notFound(reply, 'PSTN line', req.params.id);
    return line.status();
  });

  app.post<Req>(`${base}/call`, async (req, reply) => {
    const line = lines.get(req.params.id);
    if (!line) return notFound(reply, 'PSTN line', req.params.id);
    const body = objectBody(req.body);
    const from = body?.from;
    const name = body?.name;
    const standard = body?.standard;
    if (typeof from !== 'string' || !/^\+?[0-9]{1,20}$/.test(from)) {
      return badRequest(reply, '"from" must be a phone number (digits, optional leading +)');
    }
    if (name !== undefined && (typeof name !== 'string' || !/^[\x20-\x7e]{1,15}$/.test(name))) {
      return badRequest(reply, '"name" must be 1-15 printable ASCII characters (caller ID limit)');
    }
    if (standard !== undefined && standard !== 'bell' && standard !== 'etsi' && standard !== 'dtmf') {
      return badRequest(reply, '"standard" must be "bell", "etsi" or "dtmf"');
    }
    try {
      line.call(from.replace(/^\+/, ''), {
        ...(typeof name === 'string' ? { name } : {}),
        ...(standard ? { standard } : {}),
      });
    } catch (err) {
      return sendError(reply, err);
    }
    return reply.code(202).send(line.status());
  });

  app.post<Req>(`${base}/hangup`, async (req, reply) => {
    const line = lines.get(req.params.id);
    if (!line) return notFound(reply, 'PSTN line', req.params.id);
    line.hangup();
    return reply.code(202).send(line.status());
  });

  registerAudioRoutes(app, base, lines, { what: 'PSTN line', recordingSuffix: 'line' });
}
