import type { Clock } from '../../../drivers/base/clock.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import { createResponse, newBranch } from '../message/builders.ts';
import { isGrammarError } from '../message/grammar.ts';
import {
  callIdOf,
  cseqOf,
  parseVias,
  type SipRequest,
  type SipResponse,
  tagOf,
  topVia,
} from '../message/message.ts';
import { uriHost } from '../message/uri.ts';
import { BRANCH_MAGIC_COOKIE, type Via } from '../message/via.ts';
import type {
  BoundAddress,
  IncomingSipMessage,
  SipEndpoint,
  TransportKind,
} from '../transport/transport-layer.ts';
import { ClientTransaction, type ClientTransactionEvents } from './client-transaction.ts';
import { ServerTransaction } from './server-transaction.ts';
import { DEFAULT_TIMERS, type SipSender, type SipTimerConfig } from './timers.ts';

/** What the transaction layer needs from the transport layer. */
export interface TransactionTransport extends SipSender {
  localAddress(transport: TransportKind, toAddress?: string): BoundAddress | undefined;
}

export type TransactionLayerEvents = {
  /** A new request (not a retransmission) with its server transaction; CANCEL and ACK are handled apart. */
  request: [ServerTransaction, IncomingSipMessage];
  /** A CANCEL matched a pending INVITE server transaction (the CANCEL itself is already answered 200). */
  cancel: [ServerTransaction, IncomingSipMessage];
  /** An ACK that matched no server transaction: the ACK for a 2xx, for the dialog layer. */
  ack: [IncomingSipMessage];
  /** A response with no client transaction (late 2xx retransmission: the UAC core re-ACKs). */
  strayResponse: [SipResponse, SipEndpoint];
};

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

function serverKey(req: SipRequest, via: Via): string {
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const branch = via.params.get('branch') ?? '';
  if (branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length) {
    return `${branch}|${sentBy(via)}|${method}`;
  }
  // RFC 2543 peers (no magic cookie, RFC 4475 §3.4.1): match on dialog-ish identifiers (§17.2.3).
  return `2543|${callIdOf(req)}|${cseqOf(req)?.seq}|${tagOf(req, 'from') ?? ''}|${sentBy(via)}|${branch}|${method}`;
}

/**
 * Owns every client and server transaction: matching (RFC 3261 §17.1.3,
 * §17.2.3), CANCEL handling, merged-request (482) and loop detection, and
 * the top Via of outgoing requests.
 */
export class TransactionLayer extends TypedEmitter<TransactionLayerEvents> {
  readonly #clock: Clock;
  readonly #transport: TransactionTransport;
  readonly #timers: SipTimerConfig;
  readonly #logger: Logger;
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #clients = new Map<string, ClientTransaction>();
  /** Merged-request detection: From tag + Call-ID + CSeq of requests without To tag → branch key. */
  readonly #merge = new Map<string, string>();

  constructor(options: {
    clock: Clock;
    transport: TransactionTransport;
    timers?: Partial<SipTimerConfig>;
    logger: Logger;
  }) {
    super();
    this.#clock = options.clock;
    this.#transport = options.transport;
    this.#timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.#logger = options.logger;
  }

  get timers(): SipTimerConfig {
    return this.#timers;
  }

  get counts(): { clients: number; servers: number } {
    return { clients: this.#clients.size, servers: this.#servers.size };
  }

  /**
   * Sends a request in a new client transaction. A top Via with a fresh
   * branch and `rport` is added (RFC 3581) unless `keepVia` is set
   * (CANCEL must reuse the INVITE's branch).
   */
  sendRequest(
    request: SipRequest,
    destination: SipEndpoint,
    events: ClientTransactionEvents,
    options: { keepVia?: boolean } = {},
  ): ClientTransaction {
    if (!options.keepVia) {
      const local = this.#transport.localAddress(destination.transport, destination.address);
      const host = uriHost(local?.advertisedHost ?? '127.0.0.1');
      const port = local?.port ? `:${local.port}` : '';
      request.headers.prepend(
        'Via',
        `SIP/2.0/${destination.transport.toUpperCase()} ${host}${port};branch=${newBranch()};rport`,
      );
    }
    const via = topVia(request);
    const key = `${via?.params.get('branch') ?? newBranch()}|${cseqOf(request)?.method ?? request.method}`;
    const tx = new ClientTransaction({
      request,
      destination,
      clock: this.#clock,
      sender: this.#transport,
      timers: this.#timers,
      events: {
        onResponse: (r) => events.onResponse(r),
        onTimeout: (reason) => events.onTimeout(reason),
        onTerminated: () => {
          if (this.#clients.get(key) === tx) this.#clients.delete(key);
          events.onTerminated?.();
        },
      },
    });
    this.#clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Sends a message outside any transaction (ACK for 2xx, stateless answers). */
  sendStateless(message: SipRequest | SipResponse, to: SipEndpoint): Promise<boolean> {
    return this.#transport.send(message, to);
  }

  /** Entry point for everything the transport layer receives. Never throws. */
  handleIncoming(incoming: IncomingSipMessage): void {
    try {
      if (incoming.message.kind === 'response') this.#onResponse(incoming.message, incoming.source);
      else this.#onRequest(incoming.message, incoming);
    } catch (err) {
      this.#logger.error({ err }, 'transaction layer failed on an incoming message');
    }
  }

  #onResponse(response: SipResponse, source: SipEndpoint): void {
    const via = topVia(response);
    const cseq = cseqOf(response);
    if (!via || !cseq) return;
    const tx = this.#clients.get(`${via.params.get('branch') ?? ''}|${cseq.method}`);
    if (tx) tx.receiveResponse(response);
    else this.emit('strayResponse', response, source);
  }

  #onRequest(req: SipRequest, incoming: IncomingSipMessage): void {
    const via = topVia(req);
    if (!via) return;
    const key = serverKey(req, via);
    const existing = this.#servers.get(key);
    if (req.method === 'ACK') {
      if (existing?.isInvite && existing.state === 'completed') existing.receiveAck();
      else if (existing?.state !== 'confirmed') this.emit('ack', incoming);
      return;
    }
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    let mergeKey: string | undefined;
    const tx = new ServerTransaction({
      request: req,
      source: incoming.source,
      key,
      clock: this.#clock,
      sender: this.#transport,
      timers: this.#timers,
      onTerminated: () => {
        if (this.#servers.get(key) === tx) this.#servers.delete(key);
        if (mergeKey && this.#merge.get(mergeKey) === key) this.#merge.delete(mergeKey);
      },
    });
    this.#servers.set(key, tx);

    // Loop: the request carries a Via branch of one of our own pending client transactions.
    const vias = parseVias(req);
    if (!isGrammarError(vias)) {
      for (const v of vias) {
        const branch = v.params.get('branch');
        if (branch && this.#clients.has(`${branch}|${req.method}`)) {
          tx.respond(createResponse(req, 482, { reason: 'Loop Detected' }));
          return;
        }
      }
    }
    // Merged request (RFC 3261 §8.2.2.2): same From tag, Call-ID and CSeq, no To tag, different transaction.
    if (tagOf(req, 'to') === undefined && req.method !== 'CANCEL') {
      mergeKey = `${tagOf(req, 'from') ?? ''}|${callIdOf(req)}|${req.headers.get('cseq') ?? ''}`;
      const other = this.#merge.get(mergeKey);
      if (other !== undefined && other !== key && this.#servers.has(other)) {
        mergeKey = undefined;
        tx.respond(createResponse(req, 482, { reason: 'Loop Detected' }));
        return;
      }
      this.#merge.set(mergeKey, key);
    }

    if (req.method === 'CANCEL') {
      const branch = via.params.get('branch') ?? '';
      const inviteKey = branch.startsWith(BRANCH_MAGIC_COOKIE)
        ? `${branch}|${sentBy(via)}|INVITE`
        : key.replace(/\|CANCEL$/, '|INVITE');
      const invite = this.#servers.get(inviteKey);
      if (!invite || invite.isFinal) {
        tx.respond(createResponse(req, 481));
        return;
      }
      tx.respond(createResponse(req, 200));
      invite.onCancel?.();
      this.emit('cancel', invite, incoming);
      return;
    }
    if (req.method === 'INVITE') tx.respond(createResponse(req, 100));
    this.emit('request', tx, incoming);
  }

  /** Clears every transaction and timer. */
  dispose(): void {
    for (const tx of this.#servers.values()) tx.dispose();
    for (const tx of this.#clients.values()) tx.dispose();
    this.#servers.clear();
    this.#clients.clear();
    this.#merge.clear();
  }
}
