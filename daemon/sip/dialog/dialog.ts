import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isGrammarError } from '../message/grammar.ts';
import { SipHeaders } from '../message/headers.ts';
import {
  callIdOf,
  cseqOf,
  nameAddrList,
  SIP_VERSION,
  type SipRequest,
  type SipResponse,
  tagOf,
} from '../message/message.ts';
import { parseNameAddr } from '../message/name-addr.ts';
import { parseUri, type SipUri, socketHost } from '../message/uri.ts';
import type { SipEndpoint, TransportKind } from '../transport/transport-layer.ts';

/** RFC 3261 §12 dialog state. */
export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From (UAC) / To (UAS) header value, tag included. */
  local: string;
  /** The peer's header value, tag included. */
  remote: string;
  localSeq: number;
  /** Highest CSeq seen from the peer (undefined: none yet). */
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  /** Route set as header values, in the order requests must carry them. */
  routeSet: string[];
  secure: boolean;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function contactUri(msg: SipRequest | SipResponse): SipUri | undefined {
  const contacts = nameAddrList(msg, 'contact');
  if (isGrammarError(contacts)) return undefined;
  return contacts[0]?.uri;
}

function recordRoutes(msg: SipRequest | SipResponse): string[] {
  const values = nameAddrList(msg, 'record-route');
  if (isGrammarError(values)) return [];
  return msg.headers.getLines('record-route').flatMap((l) => l.split(/,(?=\s*<)/).map((s) => s.trim()));
}

/** UAS side, from the INVITE we answer (RFC 3261 §12.1.1). */
export function createUasDialog(invite: SipRequest, localTag: string): Dialog | undefined {
  const target = contactUri(invite);
  if (!target) return undefined;
  const to = invite.headers.get('to') ?? '';
  return {
    callId: callIdOf(invite),
    localTag,
    remoteTag: tagOf(invite, 'from') ?? '',
    local: /;\s*tag\s*=/i.test(to) ? to : `${to};tag=${localTag}`,
    remote: invite.headers.get('from') ?? '',
    localSeq: Math.floor(Math.random() * 10_000) + 1,
    remoteSeq: cseqOf(invite)?.seq,
    remoteTarget: target,
    routeSet: recordRoutes(invite),
    secure: invite.uri.scheme === 'sips',
  };
}

/** UAC side, from our INVITE and the 2xx (or tagged 1xx) that answered it (RFC 3261 §12.1.2). */
export function createUacDialog(invite: SipRequest, response: SipResponse): Dialog | undefined {
  const target = contactUri(response);
  const remoteTag = tagOf(response, 'to');
  if (!target || remoteTag === undefined) return undefined;
  return {
    callId: callIdOf(invite),
    localTag: tagOf(invite, 'from') ?? '',
    remoteTag,
    local: invite.headers.get('from') ?? '',
    remote: response.headers.get('to') ?? '',
    localSeq: cseqOf(invite)?.seq ?? 1,
    remoteSeq: undefined,
    remoteTarget: target,
    routeSet: recordRoutes(response).reverse(),
    secure: invite.uri.scheme === 'sips',
  };
}

/** A request inside the dialog (RFC 3261 §12.2.1.1). ACK and CANCEL reuse `cseq`; others take the next number. */
export function createDialogRequest(
  dialog: Dialog,
  method: string,
  options: {
    cseq?: number;
    contact?: string;
    headers?: Array<[string, string]>;
    body?: Buffer;
    contentType?: string;
  } = {},
): SipRequest {
  const headers = new SipHeaders();
  for (const route of dialog.routeSet) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', dialog.local);
  headers.append('To', dialog.remote);
  headers.append('Call-ID', dialog.callId);
  const seq = options.cseq ?? ++dialog.localSeq;
  headers.append('CSeq', `${seq} ${method}`);
  if (options.contact) headers.append('Contact', options.contact);
  for (const [n, v] of options.headers ?? []) headers.append(n, v);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.append('Content-Type', options.contentType);
  return { kind: 'request', method, uri: dialog.remoteTarget, version: SIP_VERSION, headers, body };
}

/** The URI the request is physically sent to: the first loose route, else the remote target. */
export function nextHopUri(dialog: Dialog): SipUri {
  const first = dialog.routeSet[0];
  if (first) {
    const na = parseNameAddr(first);
    if (!isGrammarError(na)) return na.uri;
  }
  return dialog.remoteTarget;
}

/** Updates the remote target from a target-refresh request or response (re-INVITE, UPDATE). */
export function refreshTarget(dialog: Dialog, msg: SipRequest | SipResponse): void {
  const target = contactUri(msg);
  if (target) dialog.remoteTarget = target;
}

/**
 * Where to send a request for `uri` (RFC 3263 reduced to what a LAN
 * gateway needs: transport parameter, IP literal or A/AAAA lookup, default
 * ports; no NAPTR/SRV yet).
 */
export async function resolveUri(uri: SipUri): Promise<SipEndpoint | undefined> {
  const param = (uri.params.get('transport') ?? '').toLowerCase();
  const transport: TransportKind =
    uri.scheme === 'sips' || param === 'tls' ? 'tls' : param === 'tcp' ? 'tcp' : 'udp';
  const maddr = uri.params.get('maddr');
  let host = socketHost(maddr ?? uri.host);
  if (!host) return undefined;
  if (isIP(host) === 0) {
    try {
      host = (await lookup(host)).address;
    } catch {
      return undefined;
    }
  }
  return { transport, address: host, port: uri.port ?? (transport === 'tls' ? 5061 : 5060) };
}

/** Parses a target given by the calls layer ('sip:201@192.0.2.1', '<sip:...>', 'tel:...'). */
export function parseTarget(text: string): SipUri | undefined {
  const trimmed = text.trim();
  if (trimmed.includes('<')) {
    const na = parseNameAddr(trimmed);
    return isGrammarError(na) ? undefined : na.uri;
  }
  const uri = parseUri(trimmed);
  return isGrammarError(uri) ? undefined : uri;
}
