import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import { DigestClient } from '../auth/digest.ts';
import { createResponse, reasonPhrase } from '../message/builders.ts';
import { cseqOf, nameAddrOf, optionTags, type SipRequest, type SipResponse } from '../message/message.ts';
import type { NameAddr } from '../message/name-addr.ts';
import { formatUri } from '../message/uri.ts';
import { buildCancel } from '../transaction/client-transaction.ts';
import type { ServerTransaction } from '../transaction/server-transaction.ts';
import type { SipTimerConfig } from '../transaction/timers.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { SipEndpoint } from '../transport/transport-layer.ts';
import {
  createDialogRequest,
  createUacDialog,
  createUasDialog,
  type Dialog,
  dialogKey,
  nextHopUri,
  refreshTarget,
  resolveUri,
} from './dialog.ts';

export type CallState =
  /** Outbound: INVITE sent, nothing heard yet. */
  | 'calling'
  /** Outbound: 1xx received (180/183). */
  | 'early'
  /** Inbound: INVITE received, waiting for the calls layer. */
  | 'incoming'
  /** Inbound: 180/183 sent. */
  | 'ringing'
  | 'connected'
  | 'ended';

/** Why a call ended, for CDRs and the calls layer. `status` is the SIP status when one applies. */
export type CallEndCause =
  | 'local-hangup'
  | 'remote-hangup'
  | 'cancelled'
  | 'rejected'
  | 'busy'
  | 'no-answer'
  | 'not-found'
  | 'unavailable'
  | 'auth-failed'
  | 'media-mismatch'
  | 'timeout'
  | 'transport-error'
  | 'ack-timeout'
  /** RFC 4028: the refresher did not refresh the session in time. */
  | 'session-expired'
  | 'failed';

export interface CallEnd {
  cause: CallEndCause;
  status?: number;
  reason?: string;
}

export interface ReinviteOffer {
  sdp: string;
  accept(sdpAnswer: string): void;
  reject(status?: number): void;
}

export interface ReferRequest {
  referTo: string;
  /** Reports the transfer's progress to the referrer with a NOTIFY (sipfrag status). */
  notify(status: number): void;
}

export type SipCallEvents = {
  state: [CallState];
  progress: [{ status: number; sdp?: string }];
  answered: [{ sdp: string }];
  ended: [CallEnd];
  reinvite: [ReinviteOffer];
  refer: [ReferRequest];
  referProgress: [{ status: number }];
  info: [{ contentType: string; body: string }];
};

/** What a call needs from the stack. */
export interface CallContext {
  clock: Clock;
  logger: Logger;
  transactions: TransactionLayer;
  timers: SipTimerConfig;
  /** Contact header value for a request going to `to`. */
  contactFor(to: SipEndpoint): string;
  /** A top Via with a fresh branch, for requests sent outside a transaction (ACK for 2xx). */
  viaFor(to: SipEndpoint): string;
  userAgent: string;
  registerDialog(key: string, call: SipCall): void;
  unregister(call: SipCall): void;
}

let nextCallNumber = 1;

export function statusToCause(status: number): CallEndCause {
  if (status === 486 || status === 600) return 'busy';
  if (status === 404 || status === 604 || status === 484) return 'not-found';
  if (status === 408) return 'no-answer';
  if (status === 480 || status === 503) return 'unavailable';
  if (status === 487) return 'cancelled';
  if (status === 488 || status === 606) return 'media-mismatch';
  if (status === 401 || status === 407 || status === 403) return 'auth-failed';
  return 'rejected';
}

/**
 * One INVITE dialog usage, inbound or outbound. The calls layer drives it
 * with ringing/accept/reject/hangup/reinvite/refer and follows its events;
 * SDP stays a string here (sdp/offer-answer.ts helps build it).
 */
export class SipCall extends TypedEmitter<SipCallEvents> {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly callId: string;
  #state: CallState;
  #end: CallEnd | undefined;
  remoteSdp: string | undefined;
  localSdp: string | undefined;
  readonly #ctx: CallContext;
  dialog: Dialog | undefined;
  // outbound
  #invite: SipRequest | undefined;

  #destination: SipEndpoint | undefined;
  #digest: DigestClient | undefined;
  #authAttempts = 0;
  #provisionalSeen = false;
  #cancelWanted = false;
  #cancelSent = false;
  #cancelCause: CallEndCause = 'cancelled';
  #ringTimer: Timer | undefined;
  // inbound
  #serverTx: ServerTransaction | undefined;
  #source: SipEndpoint | undefined;
  readonly #localTag: string;
  #ok: SipResponse | undefined;
  #okTimer: Timer | undefined;
  #okGiveUp: Timer | undefined;
  #okIntervalMs = 0;
  #sessionTimer: Timer | undefined;
  #pendingReinvite: ((r: { ok: true; sdp: string } | { ok: false; status: number }) => void) | undefined;
  #incomingReinvite: ServerTransaction | undefined;

  constructor(
    ctx: CallContext,
    options: { direction: 'inbound' | 'outbound'; callId: string; localTag: string },
  ) {
    super();
    this.id = `call-${nextCallNumber++}`;
    this.#ctx = ctx;
    this.direction = options.direction;
    this.callId = options.callId;
    this.#localTag = options.localTag;
    this.#state = options.direction === 'inbound' ? 'incoming' : 'calling';
    this.onListenerError((event, err) => ctx.logger.warn({ event, err }, 'call listener threw'));
  }

  get state(): CallState {
    return this.#state;
  }

  get endReason(): CallEnd | undefined {
    return this.#end;
  }

  /** The peer: From of an inbound call, To of an outbound call. */
  get remoteIdentity(): NameAddr | undefined {
    const msg = this.#invite ?? this.#serverTx?.request;
    if (!msg) return undefined;
    return nameAddrOf(msg, this.direction === 'inbound' ? 'from' : 'to');
  }

  /** For inbound calls: the Request-URI (its user part is the dialled number, e.g. '*43' or '201'). */
  get requestUri(): string | undefined {
    const req = this.#serverTx?.request ?? this.#invite;
    if (!req) return undefined;
    return `${req.uri.scheme}:${req.uri.user ? `${req.uri.user}@` : ''}${req.uri.host}`;
  }

  get dialedUser(): string | undefined {
    return (this.#serverTx?.request ?? this.#invite)?.uri.user;
  }

  #setState(state: CallState): void {
    if (this.#state === state || this.#state === 'ended') return;
    this.#state = state;
    this.#ctx.logger.debug({ call: this.id, state }, 'call state');
    this.emit('state', state);
  }

  #finish(end: CallEnd): void {
    if (this.#state === 'ended') return;
    this.#end = end;
    this.#sessionTimer?.cancel();
    this.#ringTimer?.cancel();
    this.#okTimer?.cancel();
    this.#okGiveUp?.cancel();
    this.#setState('ended');
    this.#ctx.unregister(this);
    this.emit('ended', end);
  }

  // ---------------------------------------------------------------- outbound

  /** @internal Sends the initial INVITE (called by the stack). */
  startOutbound(
    invite: SipRequest,
    destination: SipEndpoint,
    credentials?: { username: string; password: string },
    ringTimeoutMs?: number,
  ): void {
    if (ringTimeoutMs !== undefined) {
      // Ring timeout: give up with CANCEL; the call ends as no-answer.
      this.#ringTimer = this.#ctx.clock.setTimer(ringTimeoutMs, () => {
        if (this.dialog || this.#state === 'ended') return;
        this.#cancelCause = 'no-answer';
        this.hangup();
      });
    }
    this.#invite = invite;
    this.#destination = destination;
    if (invite.body.length > 0) this.localSdp = invite.body.toString('utf8');
    if (credentials) this.#digest = new DigestClient(credentials);
    this.#sendInvite();
  }

  #sendInvite(): void {
    const invite = this.#invite;
    const destination = this.#destination;
    if (!invite || !destination) return;
    this.#ctx.transactions.sendRequest(invite, destination, {
      onResponse: (r) => this.#onInviteResponse(r),
      onTimeout: (reason) =>
        this.#finish(
          reason === 'timeout'
            ? { cause: 'timeout', status: 408 }
            : { cause: 'transport-error', status: 503 },
        ),
    });
  }

  #onInviteResponse(res: SipResponse): void {
    const status = res.status;
    if (status < 200) {
      if (status > 100) {
        this.#provisionalSeen = true;
        if (this.#cancelWanted) this.#sendCancel();
        const sdp = res.body.length > 0 ? res.body.toString('utf8') : undefined;
        if (sdp) this.remoteSdp = sdp;
        this.#setState('early');
        this.emit('progress', sdp ? { status, sdp } : { status });
      } else if (this.#cancelWanted) {
        this.#provisionalSeen = true;
        this.#sendCancel();
      }
      return;
    }
    if (status < 300) {
      if (this.dialog) {
        // Retransmitted 2xx (our ACK was lost) or a second fork: ACK again.
        this.#sendAck(res);
        return;
      }
      const invite = this.#invite;
      if (!invite) return;
      const dialog = createUacDialog(invite, res);
      if (!dialog) {
        this.#finish({ cause: 'failed', status, reason: '2xx without Contact or To tag' });
        return;
      }
      this.dialog = dialog;
      this.#ringTimer?.cancel();
      this.#ctx.registerDialog(dialogKey(dialog.callId, dialog.localTag, dialog.remoteTag), this);
      this.#sendAck(res);
      if (this.#cancelWanted) {
        this.#setState('connected');
        this.hangup();
        return;
      }
      this.remoteSdp = res.body.toString('utf8');
      this.#setState('connected');
      const se = parseSessionExpires(res.headers.get('session-expires'));
      if (se) this.#armSessionTimer(se.seconds, se.refresher === 'uac');
      this.emit('answered', { sdp: this.remoteSdp });
      return;
    }
    if ((status === 401 || status === 407) && this.#digest && this.#authAttempts < 2 && !this.#cancelWanted) {
      const header = res.headers.get(status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const invite = this.#invite;
      if (header && invite) {
        const auth = this.#digest.authorize(header, 'INVITE', formatRequestUri(invite));
        if (auth) {
          this.#authAttempts++;
          const next = cloneForRetry(invite);
          next.headers.remove('authorization').remove('proxy-authorization');
          next.headers.append(status === 401 ? 'Authorization' : 'Proxy-Authorization', auth);
          this.#invite = next;
          this.#provisionalSeen = false;
          this.#sendInvite();
          return;
        }
      }
    }
    this.#finish({
      cause: this.#cancelWanted ? this.#cancelCause : statusToCause(status),
      status,
      reason: res.reason,
    });
  }

  /** @internal A 2xx retransmission that arrived after the INVITE transaction ended: ACK it again. */
  receiveStrayOk(res: SipResponse): void {
    if (this.direction === 'outbound' && this.dialog) this.#sendAck(res);
  }

  #sendAck(res: SipResponse): void {
    const dialog = this.dialog;
    const invite = this.#invite;
    if (!dialog || !invite) return;
    const ack = createDialogRequest(dialog, 'ACK', { cseq: cseqOf(res)?.seq ?? dialog.localSeq });
    void this.#sendInDialogStateless(ack);
  }

  async #sendInDialogStateless(req: SipRequest): Promise<void> {
    const dialog = this.dialog;
    if (!dialog) return;
    const to = (await resolveUri(nextHopUri(dialog))) ?? this.#destination ?? this.#source;
    if (!to) return;
    req.headers.prepend('Via', this.#ctx.viaFor(to));
    await this.#ctx.transactions.sendStateless(req, to);
  }

  #sendCancel(): void {
    if (this.#cancelSent || !this.#invite || !this.#destination) return;
    this.#cancelSent = true;
    const cancel = buildCancel(this.#invite);
    this.#ctx.transactions.sendRequest(
      cancel,
      this.#destination,
      { onResponse: () => {}, onTimeout: () => {} },
      { keepVia: true },
    );
  }

  // ----------------------------------------------------------------- inbound

  /** @internal The stack hands over the INVITE's server transaction. */
  startInbound(tx: ServerTransaction, source: SipEndpoint): void {
    this.#serverTx = tx;
    this.#source = source;
    if (tx.request.body.length > 0) this.remoteSdp = tx.request.body.toString('utf8');
    tx.onCancel = () => {
      tx.respond(createResponse(tx.request, 487, { toTag: this.#localTag }));
      this.#finish({ cause: 'cancelled', status: 487 });
    };
  }

  /** Sends 180 Ringing (or 183 with early media SDP). */
  ringing(options: { sdp?: string; status?: 180 | 183 } = {}): void {
    const tx = this.#serverTx;
    if (!tx || tx.isFinal || this.#state === 'ended') return;
    const status = options.status ?? (options.sdp ? 183 : 180);
    const body = options.sdp ? Buffer.from(options.sdp) : undefined;
    const res = createResponse(tx.request, status, {
      toTag: this.#localTag,
      headers: [['Contact', this.#ctx.contactFor(tx.source)]],
      ...(body ? { body, contentType: 'application/sdp' } : {}),
    });
    tx.respond(res);
    this.#setState('ringing');
  }

  /** Answers with 200 OK; retransmits it until the ACK arrives (RFC 3261 §13.3.1.4). */
  accept(sdpAnswer: string): void {
    const tx = this.#serverTx;
    if (!tx || tx.isFinal || this.#state === 'ended') return;
    const dialog = createUasDialog(tx.request, this.#localTag);
    if (!dialog) {
      this.reject(400);
      return;
    }
    this.dialog = dialog;
    this.localSdp = sdpAnswer;
    this.#ctx.registerDialog(dialogKey(dialog.callId, dialog.localTag, dialog.remoteTag), this);
    this.#send2xx(tx, sdpAnswer);
    this.#setState('connected');
  }

  #send2xx(tx: ServerTransaction, sdp: string): void {
    const res = createResponse(tx.request, 200, {
      toTag: this.#localTag,
      headers: [
        ['Contact', this.#ctx.contactFor(tx.source)],
        ...tx.request.headers.getLines('record-route').map((v): [string, string] => ['Record-Route', v]),
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, REFER, NOTIFY, INFO'],
        ['Supported', 'timer'],
        ...this.#sessionTimerHeaders(tx.request),
      ],
      body: Buffer.from(sdp),
      contentType: 'application/sdp',
    });
    this.#ok = res;
    tx.respond(res);
    const se = parseSessionExpires(res.headers.get('session-expires'));
    if (se) this.#armSessionTimer(se.seconds, se.refresher === 'uas');
    else this.#sessionTimer?.cancel();
    this.#okIntervalMs = this.#ctx.timers.t1Ms;
    const retransmit = () => {
      this.#okTimer = this.#ctx.clock.setTimer(this.#okIntervalMs, () => {
        if (!this.#ok) return;
        tx.respond(this.#ok);
        this.#okIntervalMs = Math.min(this.#okIntervalMs * 2, this.#ctx.timers.t2Ms);
        retransmit();
      });
    };
    if (tx.source.transport === 'udp') retransmit();
    this.#okGiveUp?.cancel();
    this.#okGiveUp = this.#ctx.clock.setTimer(64 * this.#ctx.timers.t1Ms, () => {
      if (!this.#ok) return;
      this.#ok = undefined;
      this.#okTimer?.cancel();
      if (tx === this.#serverTx) {
        this.#sendBye();
        this.#finish({ cause: 'ack-timeout' });
      }
    });
  }

  /** @internal ACK for our 2xx. */
  receiveAck(ack: SipRequest): void {
    if (!this.#ok) return;
    if (cseqOf(ack)?.seq !== cseqOf(this.#ok)?.seq) return;
    this.#ok = undefined;
    this.#okTimer?.cancel();
    this.#okGiveUp?.cancel();
    if (ack.body.length > 0) this.remoteSdp = ack.body.toString('utf8');
  }

  /** Session-Expires for our 2xx (RFC 4028 §9): the peer's interval; refresher uac unless it chose. */
  #sessionTimerHeaders(req: SipRequest): Array<[string, string]> {
    const se = parseSessionExpires(req.headers.get('session-expires'));
    if (!se) return [];
    const refresher = se.refresher ?? 'uac';
    const supportsTimer = optionTags(req, 'supported').includes('timer');
    return [
      ['Session-Expires', `${se.seconds};refresher=${refresher}`],
      ...(supportsTimer ? ([['Require', 'timer']] as Array<[string, string]>) : []),
    ];
  }

  /**
   * RFC 4028 §10: the refresher re-INVITEs at half the interval; the other
   * side sends BYE when no refresh came by interval − min(32 s, interval/3).
   */
  #armSessionTimer(seconds: number, weRefresh: boolean): void {
    this.#sessionTimer?.cancel();
    if (weRefresh) {
      this.#sessionTimer = this.#ctx.clock.setTimer((seconds * 1000) / 2, () => {
        if (this.#state === 'connected' && this.localSdp) {
          const refresher = this.direction === 'outbound' ? 'uac' : 'uas';
          void this.reinvite(this.localSdp, {
            headers: [
              ['Session-Expires', `${seconds};refresher=${refresher}`],
              ['Supported', 'timer'],
            ],
          }).then((r) => {
            if (r.ok) this.#armSessionTimer(seconds, true);
          });
        }
      });
      return;
    }
    const graceS = Math.min(32, seconds / 3);
    this.#sessionTimer = this.#ctx.clock.setTimer((seconds - graceS) * 1000, () => {
      if (this.#state !== 'connected') return;
      this.#sendBye();
      this.#finish({ cause: 'session-expired' });
    });
  }

  reject(status = 486, reason?: string): void {
    const tx = this.#serverTx;
    if (!tx || tx.isFinal || this.#state === 'ended') return;
    tx.respond(createResponse(tx.request, status, { toTag: this.#localTag, ...(reason ? { reason } : {}) }));
    this.#finish({ cause: statusToCause(status), status });
  }

  /** Ends the call whatever its state: CANCEL, BYE or a final error. */
  hangup(): void {
    if (this.#state === 'ended') return;
    if (this.direction === 'inbound' && this.#serverTx && !this.#serverTx.isFinal) {
      this.reject(480, reasonPhrase(480));
      return;
    }
    if (this.direction === 'outbound' && !this.dialog) {
      this.#cancelWanted = true;
      if (this.#provisionalSeen) this.#sendCancel();
      return; // 487 (or Timer B) finishes the call
    }
    this.#sendBye();
    this.#finish({ cause: 'local-hangup' });
  }

  #sendBye(): void {
    const dialog = this.dialog;
    if (!dialog) return;
    void this.#sendInDialog('BYE', {});
  }

  async #sendInDialog(
    method: string,
    options: { body?: string; contentType?: string; headers?: Array<[string, string]> },
  ): Promise<SipResponse | undefined> {
    const dialog = this.dialog;
    if (!dialog) return undefined;
    const to = (await resolveUri(nextHopUri(dialog))) ?? this.#destination ?? this.#source;
    if (!to) return undefined;
    const req = createDialogRequest(dialog, method, {
      contact: this.#ctx.contactFor(to),
      headers: options.headers ?? [],
      ...(options.body !== undefined
        ? { body: Buffer.from(options.body), contentType: options.contentType ?? 'application/sdp' }
        : {}),
    });
    return new Promise((resolve) => {
      let auth = 0;
      const send = (request: SipRequest) =>
        this.#ctx.transactions.sendRequest(request, to, {
          onResponse: (res) => {
            if (res.status < 200) return;
            if ((res.status === 401 || res.status === 407) && this.#digest && auth < 1) {
              const header = res.headers.get(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
              const value = header && this.#digest.authorize(header, method, formatRequestUri(request));
              if (value) {
                auth++;
                const next = cloneForRetry(request);
                if (this.dialog) {
                  this.dialog.localSeq++;
                  next.headers.set('CSeq', `${this.dialog.localSeq} ${method}`);
                }
                next.headers.append(res.status === 401 ? 'Authorization' : 'Proxy-Authorization', value);
                send(next);
                return;
              }
            }
            if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
              refreshTarget(dialog, res);
              const ack = createDialogRequest(dialog, 'ACK', { cseq: cseqOf(res)?.seq ?? dialog.localSeq });
              void this.#sendInDialogStateless(ack);
            }
            resolve(res);
          },
          onTimeout: () => resolve(undefined),
        });
      send(req);
    });
  }

  /** Sends a re-INVITE (hold: an offer with a=sendonly; resume: a=sendrecv). */
  async reinvite(
    sdpOffer: string,
    options: { headers?: Array<[string, string]> } = {},
  ): Promise<{ ok: true; sdp: string } | { ok: false; status: number }> {
    if (this.#state !== 'connected' || !this.dialog) return { ok: false, status: 481 };
    if (this.#pendingReinvite || this.#incomingReinvite) return { ok: false, status: 491 };
    const previous = this.localSdp;
    this.localSdp = sdpOffer;
    const result = await new Promise<{ ok: true; sdp: string } | { ok: false; status: number }>((resolve) => {
      this.#pendingReinvite = resolve;
      void this.#sendInDialog('INVITE', { body: sdpOffer, headers: options.headers ?? [] }).then((res) => {
        this.#pendingReinvite = undefined;
        if (!res) resolve({ ok: false, status: 408 });
        else if (res.status >= 300) resolve({ ok: false, status: res.status });
        else resolve({ ok: true, sdp: res.body.toString('utf8') });
      });
    });
    if (result.ok) this.remoteSdp = result.sdp;
    else this.localSdp = previous;
    if (!result.ok && (result.status === 481 || result.status === 408)) {
      this.#finish({ cause: result.status === 408 ? 'timeout' : 'failed', status: result.status });
    }
    return result;
  }

  /** Blind transfer: REFER with Refer-To; NOTIFYs arrive as `referProgress`. */
  async refer(target: string): Promise<{ status: number }> {
    if (this.#state !== 'connected') return { status: 481 };
    const res = await this.#sendInDialog('REFER', {
      headers: [
        ['Refer-To', `<${target}>`],
        ['Referred-By', this.dialog?.local.replace(/;tag=[^;]*/, '') ?? ''],
      ],
    });
    return { status: res?.status ?? 408 };
  }

  /** @internal A request inside this dialog. */
  receiveInDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const dialog = this.dialog;
    if (!dialog) {
      tx.respond(createResponse(req, 481));
      return;
    }
    const seq = cseqOf(req)?.seq ?? 0;
    if (dialog.remoteSeq !== undefined && seq <= dialog.remoteSeq && req.method !== 'ACK') {
      tx.respond(createResponse(req, 500, { reason: 'CSeq Out of Order' }));
      return;
    }
    dialog.remoteSeq = seq;
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.#finish({ cause: 'remote-hangup' });
        return;
      case 'INVITE':
        this.#onReinvite(tx);
        return;
      case 'REFER':
        this.#onRefer(tx);
        return;
      case 'NOTIFY': {
        tx.respond(createResponse(req, 200));
        const m = /^SIP\/2\.0 (\d{3})/.exec(req.body.toString('utf8'));
        if (m) this.emit('referProgress', { status: Number(m[1]) });
        return;
      }
      case 'INFO':
        tx.respond(createResponse(req, 200));
        this.emit('info', {
          contentType: req.headers.get('content-type') ?? '',
          body: req.body.toString('utf8'),
        });
        return;
      case 'OPTIONS':
        tx.respond(createResponse(req, 200));
        return;
      default:
        tx.respond(
          createResponse(req, 405, {
            headers: [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, NOTIFY, INFO']],
          }),
        );
    }
  }

  #onReinvite(tx: ServerTransaction): void {
    if (this.#pendingReinvite || this.#incomingReinvite || this.#ok) {
      tx.respond(createResponse(tx.request, 491));
      return;
    }
    const dialog = this.dialog;
    if (!dialog) return;
    refreshTarget(dialog, tx.request);
    this.#incomingReinvite = tx;
    const offer = tx.request.body.toString('utf8');
    let answered = false;
    const accept = (sdpAnswer: string) => {
      if (answered) return;
      answered = true;
      this.#incomingReinvite = undefined;
      if (offer) this.remoteSdp = offer;
      this.localSdp = sdpAnswer;
      this.#serverTx = tx;
      this.#send2xx(tx, sdpAnswer);
    };
    const reject = (status = 488) => {
      if (answered) return;
      answered = true;
      this.#incomingReinvite = undefined;
      tx.respond(createResponse(tx.request, status));
    };
    if (this.listenerCount('reinvite') === 0) {
      // No media layer listening: keep the current session unchanged (RFC 3264 §8 allows the same answer).
      if (this.localSdp) accept(this.localSdp);
      else reject(488);
      return;
    }
    this.emit('reinvite', { sdp: offer, accept, reject });
  }

  #onRefer(tx: ServerTransaction): void {
    const referTo = tx.request.headers.get('refer-to');
    if (!referTo) {
      tx.respond(createResponse(tx.request, 400, { reason: 'Missing Refer-To' }));
      return;
    }
    tx.respond(createResponse(tx.request, 202));
    const notify = (status: number) => {
      const final = status >= 200;
      void this.#sendInDialog('NOTIFY', {
        body: `SIP/2.0 ${status} ${reasonPhrase(status)}\r\n`,
        contentType: 'message/sipfrag;version=2.0',
        headers: [
          ['Event', 'refer'],
          ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
        ],
      });
    };
    notify(100);
    this.emit('refer', { referTo: referTo.replace(/^<|>$/g, ''), notify });
  }

  /** Stack shutdown: end without signalling. */
  dispose(): void {
    this.#okTimer?.cancel();
    this.#okGiveUp?.cancel();
    if (this.#state !== 'ended') this.#finish({ cause: 'failed', reason: 'stack stopped' });
  }
}

/** `Session-Expires: 1800;refresher=uac` → its parts (RFC 4028 §4). */
export function parseSessionExpires(
  value: string | undefined,
): { seconds: number; refresher?: 'uac' | 'uas' } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*(?:;(.*))?$/.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[1]);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  const refresher = /refresher\s*=\s*(uac|uas)/i.exec(m[2] ?? '')?.[1]?.toLowerCase() as
    | 'uac'
    | 'uas'
    | undefined;
  return refresher ? { seconds, refresher } : { seconds };
}

function formatRequestUri(req: SipRequest): string {
  return formatUri({ ...req.uri, headers: [] });
}

/** The same request with the next CSeq and no Via, for a retry after a challenge. */
function cloneForRetry(req: SipRequest): SipRequest {
  const headers = req.headers.clone();
  headers.remove('via');
  const cseq = cseqOf(req);
  headers.set('CSeq', `${(cseq?.seq ?? 1) + 1} ${cseq?.method ?? req.method}`);
  return { ...req, headers };
}
