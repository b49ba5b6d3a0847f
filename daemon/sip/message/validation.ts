import { isGrammarError } from './grammar.ts';
import { headerValues, nameAddrOf, parseCSeq, SIP_VERSION, type SipRequest } from './message.ts';

/** What this user agent understands; used for 405/415/416/420/501 answers. */
export interface RequestPolicy {
  /** Methods we implement (others get 501 Not Implemented). */
  methods: readonly string[];
  /** Option tags we support (Require with others gets 420 Bad Extension). */
  supported: readonly string[];
  /** Body types we accept (others get 415 Unsupported Media Type). */
  acceptedBodyTypes: readonly string[];
}

export const DEFAULT_REQUEST_POLICY: RequestPolicy = {
  methods: [
    'INVITE',
    'ACK',
    'BYE',
    'CANCEL',
    'OPTIONS',
    'REGISTER',
    'MESSAGE',
    'REFER',
    'NOTIFY',
    'INFO',
    'UPDATE',
    'PRACK',
  ],
  supported: ['timer'],
  acceptedBodyTypes: [
    'application/sdp',
    'text/plain',
    'message/sipfrag',
    'application/dtmf-relay',
    'message/cpim',
  ],
};

export interface RequestRejection {
  status: number;
  reason: string;
  /** Extra headers the answer must carry (Allow, Unsupported, Accept). */
  headers: Array<[string, string]>;
  /** Human explanation for a Warning header / log. */
  detail: string;
}

const SINGLE_HEADERS = ['to', 'from', 'call-id', 'cseq', 'max-forwards', 'content-type'];
const NO_REQUIRE_CHECK = new Set(['ACK', 'CANCEL']);

function reject(
  status: number,
  reason: string,
  detail: string,
  headers: Array<[string, string]> = [],
): RequestRejection {
  return { status, reason, detail, headers };
}

/**
 * The semantic checks a UAS applies to a well-formed request before any
 * transaction work (RFC 3261 §8.2). Returns undefined when the request may
 * proceed. RFC 4475 §3.3 cases land here (416, 420, 415, 406, 400, 505, 501).
 */
export function checkRequest(
  req: SipRequest,
  policy: RequestPolicy = DEFAULT_REQUEST_POLICY,
): RequestRejection | undefined {
  if (req.version !== SIP_VERSION) return reject(505, 'Version Not Supported', `version ${req.version}`);
  for (const name of ['via', 'to', 'from', 'call-id', 'cseq']) {
    if (!req.headers.has(name)) return reject(400, 'Bad Request', `missing ${name} header`);
  }
  for (const name of SINGLE_HEADERS) {
    if (req.headers.count(name) > 1) return reject(400, 'Bad Request', `duplicate ${name} header`);
  }
  const allow: Array<[string, string]> = [['Allow', policy.methods.join(', ')]];
  if (!policy.methods.includes(req.method)) {
    return reject(501, 'Not Implemented', `method ${req.method} not implemented`, allow);
  }
  const cseq = parseCSeq(req.headers.get('cseq') ?? '');
  if (isGrammarError(cseq) || cseq.method !== req.method) {
    return reject(400, 'Bad Request', 'CSeq method does not match the request method');
  }
  if (req.uri.scheme !== 'sip' && req.uri.scheme !== 'sips' && req.uri.scheme !== 'tel') {
    return reject(416, 'Unsupported URI Scheme', `scheme ${req.uri.scheme}`);
  }
  if (!NO_REQUIRE_CHECK.has(req.method)) {
    const required = headerValues(req, 'require');
    const unsupported = isGrammarError(required)
      ? []
      : required.filter((tag) => !policy.supported.includes(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return reject(420, 'Bad Extension', `unsupported ${unsupported.join(',')}`, [
        ['Unsupported', unsupported.join(', ')],
      ]);
    }
  }
  if (req.body.length > 0) {
    const type = (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const isMultipart = type.startsWith('multipart/');
    if (!isMultipart && !policy.acceptedBodyTypes.includes(type) && req.method !== 'MESSAGE') {
      return reject(415, 'Unsupported Media Type', `body type ${type || '(none)'}`, [
        ['Accept', policy.acceptedBodyTypes.join(', ')],
      ]);
    }
  }
  if (req.method === 'INVITE' && req.headers.has('accept')) {
    const accepted = headerValues(req, 'accept');
    const types = isGrammarError(accepted) ? [] : accepted.map((a) => a.split(';')[0]?.trim().toLowerCase());
    if (!types.some((t) => t === 'application/sdp' || t === '*/*' || t === 'application/*')) {
      return reject(406, 'Not Acceptable', 'Accept does not include application/sdp');
    }
  }
  if (req.method === 'REGISTER') {
    const to = nameAddrOf(req, 'to');
    if (!to || (to.uri.scheme !== 'sip' && to.uri.scheme !== 'sips')) {
      return reject(400, 'Bad Request', 'REGISTER To is not a SIP or SIPS address of record');
    }
  }
  return undefined;
}
