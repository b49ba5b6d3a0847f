import type { FastifyInstance, FastifyReply } from 'fastify';
import { encodeWav, parseWav8kMono } from '../../drivers/audio/wav-pcm.ts';
import { errorMessage, isLinegateError } from '../../drivers/base/errors.ts';
import type { SimulatedPhone } from '../../drivers/line/sim/simulated-phone.ts';

/**
 * Simulator API for analog phones (only on the `sim` board; auth is applied globally).
 *
 *   GET  /api/v1/sim/phones/:id                 → {"hook","ringing","callerId","heard":{"tone","digits"}}
 *   POST /api/v1/sim/phones/:id/hook  {"state":"off"|"on"}          → 200 status
 *   POST /api/v1/sim/phones/:id/flash {"breakMs"?: 100-1000}        → 202 {"durationMs"}
 *   POST /api/v1/sim/phones/:id/dial  {"digits","mode":"dtmf"|"pulse"} → 202 {"durationMs"}
 *   POST /api/v1/sim/phones/:id/audio  body: WAV 8 kHz mono 16-bit  → 202 {"durationMs"}
 *   GET  /api/v1/sim/phones/:id/recording.wav?seconds=N (default 10, max 60) → audio/wav
 *
 * Dialling, flashing and audio run in the background (they take real line
 * time); 202 answers as soon as they have started. A phone busy dialling
 * answers 409; on hook, dialling answers 409.
 */
export function registerPhoneSimRoutes(
  app: FastifyInstance,
  phones: ReadonlyMap<string, SimulatedPhone>,
): void {
  const base = '/api/v1/sim/phones/:id';
  ensureWavBodies(app);
  type Req = { Params: { id: string } };

  app.get<Req>(base, async (req, reply) => {
    const phone = phones.get(req.params.id);
    if (!phone) return notFound(reply, 'phone', req.params.id);
    return phone.status();
  });

  app.post<Req>(`${base}/hook`, async (req, reply) => {
    const phone = phones.get(req.params.id);
    if (!phone) return notFound(reply, 'phone', req.params.id);
    const state = objectBody(req.body)?.state;
    if (state !== 'off' && state !== 'on') return badRequest(reply, '"state" must be "off" or "on"');
    try {
      phone.setHook(state);
    } catch (err) {
      return sendError(reply, err);
    }
    return phone.status();
  });

  app.post<Req>(`${base}/flash`, async (req, reply) => {
    const phone = phones.get(req.params.id);
    if (!phone) return notFound(reply, 'phone', req.params.id);
    const breakMs = objectBody(req.body)?.breakMs ?? 300;
    if (typeof breakMs !== 'number' || !Number.isFinite(breakMs) || breakMs < 100 || breakMs > 1000) {
      return badRequest(reply, '"breakMs" must be a number from 100 to 1000');
    }
    try {
      void phone.flash(breakMs);
    } catch (err) {
      return sendError(reply, err);
    }
    return reply.code(202).send({ durationMs: breakMs });
  });

  app.post<Req>(`${base}/dial`, async (req, reply) => {
    const phone = phones.get(req.params.id);
    if (!phone) return notFound(reply, 'phone', req.params.id);
    const body = objectBody(req.body);
    const digits = body?.digits;
    const mode = body?.mode ?? 'dtmf';
    if (typeof digits !== 'string' || !/^[0-9*#A-D]{1,32}$/.test(digits)) {
      return badRequest(reply, '"digits" must be 1-32 of 0-9 * # A-D');
    }
    if (mode !== 'dtmf' && mode !== 'pulse') return badRequest(reply, '"mode" must be "dtmf" or "pulse"');
    if (mode === 'pulse' && !/^[0-9]+$/.test(digits))
      return badRequest(reply, 'pulse dialling has only digits 0-9');
    let done: Promise<void>;
    try {
      done = phone.dial(digits, mode);
    } catch (err) {
      return sendError(reply, err);
    }
    done.catch((err: unknown) => req.log.warn({ err }, 'sim phone dial failed'));
    return reply.code(202).send({ digits, mode });
  });

  registerAudioRoutes(app, base, phones, { what: 'phone', recordingSuffix: 'earpiece' });
}

// --- helpers shared with pstn-routes.ts (WAV bodies, error answers) ---

const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  WAV_INVALID: 400,
  CONFLICT: 409,
  PORT_BUSY: 409,
  UNAVAILABLE: 503,
  DEVICE_FAILED: 503,
};

/** Lets raw WAV bodies through when the server has not registered a parser (bare test apps). */
/** What both a simulated phone and a simulated line offer: play a WAV in, record what comes out. */
interface AudioEnd {
  play(samples: Int16Array): Promise<void>;
  recording(seconds?: number): Int16Array;
}

/** `POST {base}/audio` (WAV body) and `GET {base}/recording.wav?seconds=N`, shared by phones and lines. */
export function registerAudioRoutes(
  app: FastifyInstance,
  base: string,
  ends: ReadonlyMap<string, AudioEnd>,
  names: { what: string; recordingSuffix: string },
): void {
  type Req = { Params: { id: string } };
  app.post<Req>(`${base}/audio`, async (req, reply) => {
    const end = ends.get(req.params.id);
    if (!end) return notFound(reply, names.what, req.params.id);
    let samples: Int16Array;
    try {
      samples = wavBody(req.body);
    } catch (err) {
      if ((err as { badRequest?: boolean }).badRequest) return badRequest(reply, (err as Error).message);
      return sendError(reply, err);
    }
    end.play(samples).catch((err: unknown) => req.log.warn({ err }, `sim ${names.what} audio failed`));
    return reply.code(202).send({ durationMs: durationMs(samples) });
  });

  app.get<Req>(`${base}/recording.wav`, async (req, reply) => {
    const end = ends.get(req.params.id);
    if (!end) return notFound(reply, names.what, req.params.id);
    const seconds = secondsParam(req.query, reply);
    if (seconds === undefined) return reply;
    return sendWav(reply, end.recording(seconds), `${req.params.id}-${names.recordingSuffix}.wav`);
  });
}

export function ensureWavBodies(app: FastifyInstance): void {
  for (const type of ['audio/wav', 'audio/x-wav', 'audio/wave', 'application/octet-stream']) {
    if (app.hasContentTypeParser(type)) continue;
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: 32 * 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
  }
}

export function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'BAD_REQUEST', message });
}

export function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return reply.code(404).send({ error: 'NOT_FOUND', message: `no simulated ${what} "${id}"` });
}

/** Answers a driver error with its status; anything unexpected is a 500 without internals. */
export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (isLinegateError(err)) {
    return reply.code(STATUS_BY_CODE[err.code] ?? 500).send({ error: err.code, message: err.message });
  }
  reply.log.error({ err: errorMessage(err) }, 'simulator route failed');
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
}

export function objectBody(raw: unknown): Record<string, unknown> | undefined {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !Buffer.isBuffer(raw)
    ? (raw as Record<string, unknown>)
    : undefined;
}

/** Reads an 8 kHz mono 16-bit WAV body; throws WAV_INVALID / BAD_REQUEST with the reason. */
export function wavBody(raw: unknown): Int16Array {
  if (!Buffer.isBuffer(raw)) {
    throw Object.assign(new Error('send the WAV as the body with Content-Type audio/wav'), {
      badRequest: true,
    });
  }
  return parseWav8kMono(raw);
}

export function sendWav(reply: FastifyReply, samples: Int16Array, filename: string): FastifyReply {
  return reply
    .header('content-type', 'audio/wav')
    .header('content-disposition', `inline; filename="${filename}"`)
    .send(encodeWav(samples));
}

/** `?seconds=N`: 0 < N ≤ 60, default 10. Returns undefined (and answers 400) when invalid. */
export function secondsParam(query: unknown, reply: FastifyReply): number | undefined {
  const raw = objectBody(query)?.seconds;
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n <= 0 || n > 60) {
    badRequest(reply, '"seconds" must be a number above 0 and at most 60');
    return undefined;
  }
  return n;
}

export function durationMs(samples: Int16Array): number {
  return Math.round(samples.length / 8);
}
