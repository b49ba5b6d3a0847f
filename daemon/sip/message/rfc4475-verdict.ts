import { parseSipMessage } from './parser.ts';
import { checkRequest } from './validation.ts';

export interface IncomingVerdict {
  /** The parser accepted the bytes. */
  parsed: boolean;
  /** Status our user agent answers with, or null (proceed normally, or drop when unparsed). */
  status: number | null;
  reason: string;
}

/**
 * What this stack does with one datagram, as a user agent: parse, then the
 * §8.2 request checks. Used for the RFC 4475 table and its closing-note report.
 */
export function rfc4475Verdict(bytes: Buffer): IncomingVerdict {
  const result = parseSipMessage(bytes, { mode: 'datagram' });
  if (!result.ok) {
    return {
      parsed: false,
      status: result.error.isResponse || !result.error.request ? null : result.error.status,
      reason: result.error.reason,
    };
  }
  if (result.message.kind === 'response') return { parsed: true, status: null, reason: '' };
  const rejection = checkRequest(result.message);
  if (rejection) return { parsed: true, status: rejection.status, reason: rejection.detail };
  // Our registrar answers credentials in a scheme it does not know with a Digest challenge.
  const authorization = result.message.headers.get('authorization');
  if (result.message.method === 'REGISTER' && authorization && !/^\s*digest\s/i.test(authorization)) {
    return { parsed: true, status: 401, reason: 'unknown authorization scheme' };
  }
  return { parsed: true, status: null, reason: '' };
}
