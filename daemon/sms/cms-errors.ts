/**
 * Which send failures are worth retrying. +CMS ERROR codes from 3GPP
 * TS 27.005 §3.2.5 and the TS 24.011 RP causes they carry: subscriber and
 * format problems are final; network congestion, temporary failures, a
 * busy SIM/ME or a modem that stopped answering are retried.
 */

/** Codes that will fail again however often we try. */
const PERMANENT_CMS = new Set([
  1, // unassigned (unallocated) number
  8, // operator determined barring
  10, // call barred
  21, // short message transfer rejected
  27, // destination out of service
  28, // unidentified subscriber
  29, // facility rejected
  30, // unknown subscriber
  50, // requested facility not subscribed
  69, // requested facility not implemented
  96, // invalid mandatory information
  165, // TP-VPF not supported
  176, // TP-DA / invalid destination (some modems)
  304, // invalid PDU mode parameter
  305, // invalid text mode parameter
  330, // SMSC address unknown
]);

/** The +CMS ERROR code in an error's message or details, when there is one. */
export function cmsErrorCode(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'details' in err) {
    const details = (err as { details?: Record<string, unknown> }).details;
    const cms = details?.cms ?? details?.cmsError;
    if (typeof cms === 'number') return cms;
  }
  const message = err instanceof Error ? err.message : String(err);
  const m = /\+CMS ERROR:\s*(\d+)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** True unless the error is a +CMS ERROR known to be final. */
export function isRetryableSendError(err: unknown): boolean {
  const code = cmsErrorCode(err);
  return code === undefined || !PERMANENT_CMS.has(code);
}
