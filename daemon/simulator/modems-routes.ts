import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SimulatedModem, SimModemStatus } from '../../drivers/modem/sim/simulated-modem.ts';

/**
 * Simulator API for modems (only on the `sim` board; auth is applied globally).
 *
 * Contract:
 *   POST /api/v1/sim/modems/:id/sms     {"from","text"}  → 202 {"parts"}   the network delivers an SMS
 *   GET  /api/v1/sim/modems/:id/sent                     → {"items":[{"to","text","reference","statusReportRequested","concat"?,"pdu","time"}]}
 *   POST /api/v1/sim/modems/:id/call    {"from"}         → 202             incoming call with CLIP
 *   POST /api/v1/sim/modems/:id/hangup                   → 202             the far end hangs up
 *   GET  /api/v1/sim/modems/:id                          → {"signal":{"csq","dbm"},"registration","sim","storage","call",...}
 *
 * Fault injection (ours, documented in the report):
 *   POST .../signal        {"csq": 0-31 | 99}
 *   POST .../registration  {"state": "home"|"roaming"|"searching"|"denied"|"unregistered"}
 *   POST .../storage-full                                 fills the receive storage
 *   POST .../cmgs          {"delayMs"?: number, "error"?: "+CMS ERROR: 38" | null}
 *   POST .../hang | .../unhang | .../reboot
 *   POST .../vanish        {"forMs"?: number}             the port disappears (and comes back after forMs)
 *   POST .../come-back
 *   POST .../answer                                       the far end answers our outgoing call
 *   POST .../pdu           {"pdu": hex}                   deliver a pre-encoded DELIVER PDU
 */
export function registerModemSimRoutes(
  app: FastifyInstance,
  modems: ReadonlyMap<string, SimulatedModem>,
): void {
  const base = '/api/v1/sim/modems/:id';

  const bad = (reply: FastifyReply, message: string) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message });

  const find = (id: string, reply: FastifyReply): SimulatedModem | undefined => {
    const modem = modems.get(id);
    if (!modem) void reply.code(404).send({ error: 'NOT_FOUND', message: `no simulated modem "${id}"` });
    return modem;
  };

  const body = (raw: unknown): Record<string, unknown> =>
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};

  const isNumber = (v: unknown): v is string => typeof v === 'string' && /^\+?[0-9*#]{1,20}$/.test(v);
  const isSender = (v: unknown): v is string =>
    isNumber(v) || (typeof v === 'string' && /^[A-Za-z0-9 ._-]{1,11}$/.test(v) && /[A-Za-z]/.test(v));

  app.get<{ Params: { id: string } }>(base, async (req, reply) => {
    const m = find(req.params.id, reply);
    if (!m) return reply;
    return view(m.status());
  });

  app.post<{ Params: { id: string } }>(`${base}/sms`, async (req, reply) => {
    const m = find(req.params.id, reply);
    if (!m) return reply;
    const b = body(req.body);
    if (!isSender(b.from))
      return bad(reply, '"from" must be a phone number or an alphanumeric sender (max 11)');
    if (typeof b.text !== 'string' || b.text.length === 0)
      return bad(reply, '"text" must be a non-empty string');
    if (b.text.length > 5000) return bad(reply, '"text" is longer than 5000 characters');
    const parts = m.deliverSms(b.from, b.text);
    return reply.code(202).send({ parts: parts.length });
  });

  app.post<{ Params: { id: string } }>(`${base}/pdu`, async (req, reply) => {
    const m = find(req.params.id, reply);
    if (!m) return reply;
    const pdu = body(req.body).pdu;
    if (typeof pdu !== 'string' || !/^(?:[0-9A-Fa-f]{2}){8,200}$/.test(pdu)) {
      return bad(reply, '"pdu" must be a hex DELIVER PDU with its SMSC prefix');
    }
    m.deliverPdu(pdu.toUpperCase());
    return reply.code(202).send({ parts: 1 });
  });

  app.get<{ Params: { id: string } }>(`${base}/sent`, async (req, reply) => {
    const m = find(req.params.id, reply);
    if (!m) return reply;
    return {
      items: m.sent().map((s) => ({
        to: s.to,
        text: s.text,
        reference: s.reference,
        statusReportRequested: s.statusReportRequested,
        ...(s.concat ? { concat: s.concat } : {}),
        pdu: s.pdu,
        time: new Date(s.atMs).toISOString(),
      })),
    };
  });

  app.post<{ Params: { id: string } }>(`${base}/call`, async (req, reply) => {
    const m = find(req.params.id, reply);
    if (!m) return reply;
    const from = body(req.body).from;
    if (!isNumber(from)) return bad(reply, '"from" must be a phone number');
    if (m.status().call.state !== 'idle') {
      return reply.code(409).send({ error: 'CONFLICT', message: 'the modem already has a call' });
    }
    m.incomingCall(from);
    return reply.code(202).send({});
  });

  const action = (
    path: string,
    run: (m: SimulatedModem, b: Record<string, unknown>) => string | undefined | Promise<string | undefined>,
  ) => {
    app.post<{ Params: { id: string } }>(`${base}/${path}`, async (req, reply) => {
      const m = find(req.params.id, reply);
      if (!m) return reply;
      const problem = await run(m, body(req.body));
      if (problem) return bad(reply, problem);
      return reply.code(202).send({});
    });
  };

  action('hangup', (m) => {
    m.remoteHangup();
    return undefined;
  });
  action('answer', (m) => {
    m.remoteAnswer();
    return undefined;
  });
  action('signal', (m, b) => {
    const csq = b.csq;
    if (typeof csq !== 'number' || !Number.isInteger(csq) || !((csq >= 0 && csq <= 31) || csq === 99)) {
      return '"csq" must be an integer 0-31 or 99 (unknown)';
    }
    m.setSignal(csq);
    return undefined;
  });
  action('registration', (m, b) => {
    const states = ['home', 'roaming', 'searching', 'denied', 'unregistered'] as const;
    const state = b.state;
    if (typeof state !== 'string' || !(states as readonly string[]).includes(state)) {
      return `"state" must be one of ${states.join(', ')}`;
    }
    m.setRegistration(state as SimModemStatus['registration']);
    return undefined;
  });
  action('storage-full', (m) => {
    m.fillStorage();
    return undefined;
  });
  action('cmgs', (m, b) => {
    if (b.delayMs !== undefined && (typeof b.delayMs !== 'number' || b.delayMs < 0 || b.delayMs > 300_000)) {
      return '"delayMs" must be a number of milliseconds (0-300000)';
    }
    if (
      b.error !== undefined &&
      b.error !== null &&
      (typeof b.error !== 'string' || !/^(\+CMS ERROR: \d+|ERROR)$/.test(b.error))
    ) {
      return '"error" must be like "+CMS ERROR: 38", "ERROR" or null';
    }
    if (typeof b.delayMs === 'number') m.cmgsDelayMs = b.delayMs;
    if (b.error !== undefined) m.cmgsFailure = b.error === null ? undefined : (b.error as string);
    return undefined;
  });
  action('hang', (m) => {
    m.hang();
    return undefined;
  });
  action('unhang', (m) => {
    m.unhang();
    return undefined;
  });
  action('reboot', (m) => {
    m.reboot();
    return undefined;
  });
  action('vanish', async (m, b) => {
    const forMs = b.forMs;
    if (forMs !== undefined && (typeof forMs !== 'number' || forMs < 0 || forMs > 600_000)) {
      return '"forMs" must be a number of milliseconds (0-600000)';
    }
    await m.vanish();
    if (typeof forMs === 'number') m.clock.setTimer(forMs, () => void m.comeBack().catch(() => {}));
    return undefined;
  });
  action('come-back', async (m) => {
    await m.comeBack();
    return undefined;
  });
}

function view(s: SimModemStatus) {
  return {
    signal: { csq: s.signalCsq, dbm: s.signalDbm },
    registration: s.registration,
    sim: s.sim,
    storage: s.storage,
    call: s.call,
    hung: s.hung,
    portPresent: s.portPresent,
    sentCount: s.sentCount,
  };
}
