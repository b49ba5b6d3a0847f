/**
 * The one table of call-end causes: ITU-T Q.850 cause value, the SIP status
 * a gateway sends for it (after RFC 3398 §7.2.4.1), and the tone an analog
 * caller hears. GSM call-control causes (3GPP TS 24.008 §10.5.4.11, reported
 * by AT+CEER) use the same numbering as Q.850, so they map through it.
 */
export type CallerTone = 'none' | 'busy' | 'congestion' | 'sit';

export interface CauseRow {
  name: string;
  q850: number;
  sipStatus: number;
  tone: CallerTone;
}

export const CAUSES: readonly CauseRow[] = [
  { name: 'unallocated_number', q850: 1, sipStatus: 404, tone: 'sit' },
  { name: 'no_route_to_network', q850: 2, sipStatus: 404, tone: 'congestion' },
  { name: 'no_route_to_destination', q850: 3, sipStatus: 404, tone: 'congestion' },
  { name: 'normal_clearing', q850: 16, sipStatus: 200, tone: 'none' },
  { name: 'user_busy', q850: 17, sipStatus: 486, tone: 'busy' },
  { name: 'no_user_responding', q850: 18, sipStatus: 408, tone: 'congestion' },
  { name: 'no_answer', q850: 19, sipStatus: 480, tone: 'congestion' },
  { name: 'subscriber_absent', q850: 20, sipStatus: 480, tone: 'congestion' },
  { name: 'call_rejected', q850: 21, sipStatus: 603, tone: 'busy' },
  { name: 'number_changed', q850: 22, sipStatus: 410, tone: 'sit' },
  { name: 'destination_out_of_order', q850: 27, sipStatus: 502, tone: 'congestion' },
  { name: 'invalid_number_format', q850: 28, sipStatus: 484, tone: 'sit' },
  { name: 'facility_rejected', q850: 29, sipStatus: 501, tone: 'congestion' },
  { name: 'normal_unspecified', q850: 31, sipStatus: 480, tone: 'congestion' },
  { name: 'no_circuit_available', q850: 34, sipStatus: 503, tone: 'congestion' },
  { name: 'network_out_of_order', q850: 38, sipStatus: 503, tone: 'congestion' },
  { name: 'temporary_failure', q850: 41, sipStatus: 503, tone: 'congestion' },
  { name: 'switching_congestion', q850: 42, sipStatus: 503, tone: 'congestion' },
  { name: 'resource_unavailable', q850: 47, sipStatus: 503, tone: 'congestion' },
  { name: 'outgoing_calls_barred', q850: 52, sipStatus: 403, tone: 'sit' },
  { name: 'incoming_calls_barred', q850: 54, sipStatus: 403, tone: 'sit' },
  { name: 'bearer_not_authorized', q850: 57, sipStatus: 403, tone: 'sit' },
  { name: 'bearer_not_available', q850: 58, sipStatus: 503, tone: 'congestion' },
  { name: 'service_not_implemented', q850: 79, sipStatus: 501, tone: 'congestion' },
  { name: 'incompatible_destination', q850: 88, sipStatus: 488, tone: 'congestion' },
  { name: 'invalid_message', q850: 95, sipStatus: 400, tone: 'congestion' },
  { name: 'recovery_on_timer_expiry', q850: 102, sipStatus: 504, tone: 'congestion' },
  { name: 'interworking', q850: 127, sipStatus: 500, tone: 'congestion' },
];

const BY_NAME = new Map(CAUSES.map((c) => [c.name, c]));
const BY_Q850 = new Map(CAUSES.map((c) => [c.q850, c]));

/** SIP final responses to causes (RFC 3398 §8.2.6.1, the direction SIP → ISUP). */
const SIP_TO_Q850: Record<number, number> = {
  400: 41,
  401: 21,
  402: 21,
  403: 21,
  404: 1,
  405: 63,
  406: 79,
  407: 21,
  408: 102,
  410: 22,
  413: 127,
  414: 127,
  415: 79,
  416: 127,
  420: 127,
  421: 127,
  423: 127,
  480: 18,
  481: 41,
  482: 25,
  483: 25,
  484: 28,
  485: 1,
  486: 17,
  487: 31,
  488: 88,
  500: 41,
  501: 79,
  502: 38,
  503: 41,
  504: 102,
  505: 127,
  513: 127,
  600: 17,
  603: 21,
  604: 1,
  606: 58,
};

export function causeByName(name: string): CauseRow {
  return BY_NAME.get(name) ?? (BY_NAME.get('normal_unspecified') as CauseRow);
}

/** A Q.850 (or GSM CC) cause value; unknown values fall in their class per Q.850 §2.2.7. */
export function causeFromQ850(value: number): CauseRow {
  const exact = BY_Q850.get(value);
  if (exact) return exact;
  if (value < 32) return causeByName('normal_unspecified');
  if (value < 48) return causeByName('temporary_failure');
  if (value < 64) return causeByName('bearer_not_available');
  if (value < 80) return causeByName('service_not_implemented');
  if (value < 96) return causeByName('invalid_message');
  return causeByName('interworking');
}

export function causeFromSipStatus(status: number): CauseRow {
  if (status >= 200 && status < 300) return causeByName('normal_clearing');
  const q850 = SIP_TO_Q850[status];
  if (q850 !== undefined) return causeFromQ850(q850);
  if (status >= 600) return causeByName('call_rejected');
  if (status >= 500) return causeByName('temporary_failure');
  return causeByName('interworking');
}

/**
 * A GSM release reason as the modem reports it: an AT+CEER line
 * ("+CEER: Normal call clearing", "+CEER: 17", "User busy"), or the
 * final result of ATD (BUSY, NO ANSWER, NO CARRIER).
 */
export function causeFromGsm(report: string): CauseRow {
  const text = report.replace(/^\+CEER:\s*/i, '').trim();
  const number = /(?:^|\D)(\d{1,3})(?:\D|$)/.exec(text);
  if (number && /^\d+$|cause/i.test(text)) return causeFromQ850(Number(number[1]));
  const t = text.toLowerCase();
  if (t.includes('busy')) return causeByName('user_busy');
  if (t.includes('no answer')) return causeByName('no_answer');
  if (t.includes('unassigned') || t.includes('unallocated')) return causeByName('unallocated_number');
  if (t.includes('congestion') || t.includes('no circuit') || t.includes('channel unavailable'))
    return causeByName('no_circuit_available');
  if (t.includes('barred')) return causeByName('outgoing_calls_barred');
  if (t.includes('rejected')) return causeByName('call_rejected');
  if (t.includes('invalid number') || t.includes('incomplete')) return causeByName('invalid_number_format');
  if (t.includes('normal') || t === 'no carrier' || t === '') return causeByName('normal_clearing');
  return causeByName('normal_unspecified');
}
