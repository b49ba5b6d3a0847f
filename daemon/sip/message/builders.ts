import { randomBytes } from 'node:crypto';
import { SipHeaders } from './headers.ts';
import { SIP_VERSION, type SipRequest, type SipResponse } from './message.ts';
import type { SipUri } from './uri.ts';
import { BRANCH_MAGIC_COOKIE } from './via.ts';

const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 300 ? 'OK' : 'Error');
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** An RFC 3261 branch (magic cookie + 72 random bits). */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomToken(9)}`;
}

export function newTag(): string {
  return randomToken(6);
}

export function newCallId(host: string): string {
  return `${randomToken(12)}@${host}`;
}

export interface ResponseOptions {
  reason?: string;
  /** Added to To when the request had no To tag (ignored for 100). */
  toTag?: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
  contentType?: string;
}

/** A response to `req` per RFC 3261 §8.2.6: Via, From, To, Call-ID and CSeq copied. */
export function createResponse(req: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const headers = new SipHeaders();
  for (const via of req.headers.getLines('via')) headers.append('Via', via);
  const from = req.headers.get('from');
  if (from !== undefined) headers.append('From', from);
  let to = req.headers.get('to');
  if (to !== undefined && options.toTag !== undefined && status > 100 && !/;\s*tag\s*=/i.test(to)) {
    to = `${to};tag=${options.toTag}`;
  }
  if (to !== undefined) headers.append('To', to);
  const callId = req.headers.get('call-id');
  if (callId !== undefined) headers.append('Call-ID', callId);
  const cseq = req.headers.get('cseq');
  if (cseq !== undefined) headers.append('CSeq', cseq);
  if (status === 100) {
    const ts = req.headers.get('timestamp');
    if (ts !== undefined) headers.append('Timestamp', ts);
  }
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.append('Content-Type', options.contentType);
  return {
    kind: 'response',
    version: SIP_VERSION,
    status,
    reason: options.reason ?? reasonPhrase(status),
    headers,
    body,
  };
}

export interface RequestOptions {
  method: string;
  uri: SipUri;
  headers: Array<[string, string]>;
  body?: Buffer;
  contentType?: string;
}

export function createRequest(options: RequestOptions): SipRequest {
  const headers = new SipHeaders();
  for (const [name, value] of options.headers) headers.append(name, value);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.append('Content-Type', options.contentType);
  return { kind: 'request', method: options.method, uri: options.uri, version: SIP_VERSION, headers, body };
}
