import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { type Logger, childLogger } from '../../drivers/base/logger.ts';
import type { Service, ServiceHealth } from '../../drivers/base/service.ts';
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import type { Store } from '../store/database.ts';
import { type DigestAlgorithm, DigestClient, DigestServer } from './auth/digest.ts';
import { TrustedPeers } from './auth/trusted-peers.ts';
import { type ContactBinding, Registrar } from './registration/registrar.ts';
import {
  RegistrationClient,
  type RegistrationStatus,
  type SipAccount,
} from './registration/registration-client.ts';
import { type CallEnd, type CallState, parseSessionExpires, SipCall } from './dialog/call.ts';
import { dialogKey, parseTarget, resolveUri } from './dialog/dialog.ts';
import { createRequest, createResponse, newBranch, newCallId, newTag } from './message/builders.ts';
import { callIdOf, cseqOf, type SipRequest, type SipResponse, tagOf } from './message/message.ts';
import type { SipParseLimits } from './message/parser.ts';
import { formatUri, uriHost } from './message/uri.ts';
import { checkRequest, DEFAULT_REQUEST_POLICY, type RequestPolicy } from './message/validation.ts';
import type { ServerTransaction } from './transaction/server-transaction.ts';
import { DEFAULT_TIMERS, type SipTimerConfig } from './transaction/timers.ts';
import { TransactionLayer } from './transaction/transaction-layer.ts';
import {
  type BoundAddress,
  type IncomingSipMessage,
  type ListenSpec,
  type SipEndpoint,
  SipTransportLayer,
  type TransportCounters,
} from './transport/transport-layer.ts';

export interface SipUserCredentials {
  username: string;
  password: string;
}

export interface SipStackOptions {
  clock: Clock;
  logger: Logger;
  /** For the registrar's contact table (optional until the registrar is used). */
  store?: Store;
  listen: ListenSpec[];
  timers?: Partial<SipTimerConfig>;
  /** User-Agent / Server header. */
  userAgent?: string;
  /** User part of our Contact. Default 'linegate'. */
  contactUser?: string;
  limits?: Partial<SipParseLimits>;
  /** Security-layer hook: false drops the message before parsing work is used. */
  admit?: (source: SipEndpoint, message: SipRequest | SipResponse | undefined) => boolean;
  /** IP/CIDR entries whose requests need no authentication (trunks, loopback in --sim). */
  trustedPeers?: string[];
  /**
   * Local users (phones). When set, INVITE/MESSAGE/REGISTER from untrusted
   * sources must answer a Digest challenge with one of these accounts.
   */
  auth?: {
    realm: string;
    users: SipUserCredentials[];
    nonceLifetimeMs?: number;
    /**
     * Challenge algorithms, one WWW-Authenticate each, in this order. Default MD5 only:
     * measured, sipp 3.6 answers only the first challenge and baresip 1.0 (libre) fails the
     * whole registration with ENOSYS when any SHA-256 challenge is present. ['SHA-256', 'MD5']
     * enables RFC 8760 for fleets of phones that support it.
     */
    algorithms?: DigestAlgorithm[];
  };
  tlsRejectUnauthorized?: boolean;
  policy?: Partial<RequestPolicy>;
  /** Registrar for local phones (needs `auth` for its users; bindings persist when `store` is given). */
  registrar?: {
    minExpiresS?: number;
    maxExpiresS?: number;
    defaultExpiresS?: number;
    qualifyIntervalMs?: number;
  };
  /** Trunk accounts kept registered. */
  accounts?: SipAccount[];
}

export interface CreateCallOptions {
  /** Request-URI, e.g. 'sip:*43@127.0.0.1:5080' or 'sip:+15551234@trunk.example.com'. */
  to: string;
  /** Our identity (URI or name-addr without tag). Default `<sip:{contactUser}@{host}>`. */
  from?: string;
  sdpOffer: string;
  /** Next hop when it differs from the Request-URI host (outbound proxy / trunk server). */
  proxy?: string;
  /** Answer 401/407 with these. */
  credentials?: SipUserCredentials;
  headers?: Array<[string, string]>;
  /** CANCEL after this long without an answer; the call ends with cause 'no-answer'. */
  ringTimeoutMs?: number;
}

export interface IncomingSipText {
  from: string;
  to: string;
  requestUri: string;
  contentType: string;
  body: string;
  source: SipEndpoint;
  /** Authenticated user name, when the sender authenticated. */
  authenticatedUser?: string;
  /** Answers the MESSAGE (default 200 when no listener answers synchronously). */
  respond(status: number): void;
}

export interface SendMessageOptions {
  to: string;
  from?: string;
  body: string;
  contentType?: string;
  proxy?: string;
  credentials?: SipUserCredentials;
}

export type SipStackEvents = {
  incomingCall: [SipCall];
  callState: [SipCall, CallState];
  callEnded: [SipCall, CallEnd];
  message: [IncomingSipText];
  /** A trunk account's registration state changed. */
  registration: [RegistrationStatus];
  /** A local phone registered, refreshed, or was qualified. */
  contact: [ContactBinding];
  contactRemoved: [ContactBinding];
};

export interface SipStackCounters extends TransportCounters {
  callsStarted: number;
  callsEnded: number;
  activeCalls: number;
  serverTransactions: number;
  clientTransactions: number;
}

/** RFC 4028 minimum session interval we accept. */
const MIN_SE_S = 90;

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, REFER, NOTIFY, INFO, REGISTER';

/**
 * The SIP user agent core (RFC 3261 §8, §12-15): one transport layer, one
 * transaction layer, the dialogs of every call, OPTIONS and MESSAGE.
 * The calls layer creates outbound calls and listens to `incomingCall`
 * (dialled user in `call.dialedUser`, e.g. '*43' for the echo service).
 */
export class SipStack extends TypedEmitter<SipStackEvents> implements Service {
  readonly name = 'sip';
  readonly #options: SipStackOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #timers: SipTimerConfig;
  readonly #policy: RequestPolicy;
  readonly #userAgent: string;
  #transport: SipTransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  readonly #dialogs = new Map<string, SipCall>();
  readonly #calls = new Set<SipCall>();
  readonly #trusted: TrustedPeers;
  #digestServer: DigestServer | undefined;
  #registrar: Registrar | undefined;
  #clients: RegistrationClient[] = [];
  #qualifyTimer: Timer | undefined;
  #started = false;
  #stopped = false;
  #callsStarted = 0;
  #callsEnded = 0;

  constructor(options: SipStackOptions) {
    super();
    this.#options = options;
    this.#logger = childLogger(options.logger, 'sip');
    this.#clock = options.clock;
    this.#timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.#policy = { ...DEFAULT_REQUEST_POLICY, ...options.policy };
    this.#userAgent = options.userAgent ?? 'Linegate';
    this.#trusted = new TrustedPeers(options.trustedPeers ?? []);
    this.onListenerError((event, err) => this.#logger.warn({ event, err }, 'SIP stack listener threw'));
  }

  async start(_signal: AbortSignal): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#trusted.invalid.length > 0)
      this.#logger.warn({ entries: this.#trusted.invalid }, 'ignoring invalid trusted peers');
    const transport = new SipTransportLayer({
      listen: this.#options.listen,
      logger: this.#logger,
      clock: this.#clock,
      ...(this.#options.limits ? { limits: this.#options.limits } : {}),
      ...(this.#options.admit ? { admit: this.#options.admit } : {}),
      ...(this.#options.tlsRejectUnauthorized !== undefined
        ? { tlsRejectUnauthorized: this.#options.tlsRejectUnauthorized }
        : {}),
    });
    const transactions = new TransactionLayer({
      clock: this.#clock,
      transport,
      timers: this.#timers,
      logger: this.#logger,
    });
    if (this.#options.auth) {
      this.#digestServer = new DigestServer({
        realm: this.#options.auth.realm,
        clock: this.#clock,
        algorithms: this.#options.auth.algorithms ?? ['MD5'],
        ...(this.#options.auth.nonceLifetimeMs
          ? { nonceLifetimeMs: this.#options.auth.nonceLifetimeMs }
          : {}),
      });
    }
    transport.on('message', (m) => transactions.handleIncoming(m));
    transactions.on('request', (tx, incoming) => this.#onRequest(tx, incoming));
    transactions.on('ack', (incoming) => this.#onAck(incoming));
    transactions.on('strayResponse', (res) => this.#onStrayResponse(res));
    this.#transport = transport;
    this.#transactions = transactions;
    await transport.start();
    if (this.#options.registrar && this.#options.auth) {
      const r = this.#options.registrar;
      const registrar = new Registrar({
        clock: this.#clock,
        logger: this.#logger,
        ...(this.#options.store ? { store: this.#options.store } : {}),
        users: this.#options.auth.users.map((u) => u.username),
        ...(r.minExpiresS !== undefined ? { minExpiresS: r.minExpiresS } : {}),
        ...(r.maxExpiresS !== undefined ? { maxExpiresS: r.maxExpiresS } : {}),
        ...(r.defaultExpiresS !== undefined ? { defaultExpiresS: r.defaultExpiresS } : {}),
      });
      registrar.on('registered', (b) => this.emit('contact', b));
      registrar.on('qualified', (b) => this.emit('contact', b));
      registrar.on('unregistered', (b) => this.emit('contactRemoved', b));
      registrar.start();
      this.#registrar = registrar;
      this.#qualifyTimer = this.#clock.setInterval(
        r.qualifyIntervalMs ?? 60_000,
        () => void this.qualifyContacts(),
      );
    }
    for (const account of this.#options.accounts ?? []) {
      const client = new RegistrationClient({
        account,
        clock: this.#clock,
        logger: this.#logger,
        send: (req) => this.#registerExchange(req),
      });
      client.on('state', (st) => this.emit('registration', st));
      this.#clients.push(client);
      client.start();
    }
    this.#logger.info(
      { listen: transport.boundAddresses().map((b) => `${b.transport}:${uriHost(b.host)}:${b.port}`) },
      'SIP stack listening',
    );
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#qualifyTimer?.cancel();
    await Promise.all(this.#clients.map((c) => c.stop()));
    this.#stopped = true;
    this.#registrar?.stop();
    for (const call of [...this.#calls]) call.dispose();
    this.#calls.clear();
    this.#dialogs.clear();
    this.#transactions?.dispose();
    await this.#transport?.stop();
  }

  health(): ServiceHealth {
    if (!this.#transport || this.#stopped) return { status: 'failed', detail: 'not running' };
    return { status: 'ok', ...this.counters };
  }

  get counters(): SipStackCounters {
    const t = this.#transport?.counters;
    const c = this.#transactions?.counts;
    return {
      received: t?.received ?? 0,
      sent: t?.sent ?? 0,
      rejected: t?.rejected ?? 0,
      dropped: t?.dropped ?? 0,
      refused: t?.refused ?? 0,
      framingErrors: t?.framingErrors ?? 0,
      sendErrors: t?.sendErrors ?? 0,
      callsStarted: this.#callsStarted,
      callsEnded: this.#callsEnded,
      activeCalls: this.#calls.size,
      serverTransactions: c?.servers ?? 0,
      clientTransactions: c?.clients ?? 0,
    };
  }

  boundAddresses(): BoundAddress[] {
    return this.#transport?.boundAddresses() ?? [];
  }

  get calls(): SipCall[] {
    return [...this.#calls];
  }

  /** Registered contacts of a local extension (for routing calls to phones). */
  lookupContacts(user: string): ContactBinding[] {
    return this.#registrar?.lookup(user) ?? [];
  }

  get registrations(): RegistrationStatus[] {
    return this.#clients.map((c) => c.status);
  }

  /** Sends OPTIONS to every registered contact and records reachability and latency. */
  async qualifyContacts(): Promise<void> {
    const registrar = this.#registrar;
    if (!registrar || this.#stopped) return;
    await Promise.all(
      registrar.all().map(async (b) => {
        const hop = `sip:${uriHost(b.source.address)}:${b.source.port}${b.source.transport === 'udp' ? '' : `;transport=${b.source.transport}`}`;
        const r = await this.sendOptions(b.contactUri, hop);
        registrar.setQualify(
          b,
          r.status < 500 && r.status !== 408,
          r.status === 408 ? undefined : r.latencyMs,
        );
      }),
    );
  }

  async #registerExchange(req: Parameters<ConstructorParameters<typeof RegistrationClient>[0]['send']>[0]) {
    const target = parseTarget(req.aor);
    const domain = target ? `sip:${target.host}${target.port ? `:${target.port}` : ''}` : req.aor;
    const hop = parseTarget(req.server);
    const destination = hop ? await resolveUri(hop) : undefined;
    const contact = destination ? this.contactFor(destination) : '';
    const result = await this.#request('REGISTER', {
      to: domain,
      proxy: req.server,
      from: `<${req.aor}>`,
      toHeader: `<${req.aor}>`,
      callId: req.callId,
      seq: req.cseq,
      headers: [
        ['Contact', contact],
        ['Expires', String(req.expiresS)],
      ],
      credentials: req.credentials,
    });
    return { status: result.status, contact, ...(result.response ? { response: result.response } : {}) };
  }

  #require(): { transport: SipTransportLayer; transactions: TransactionLayer } {
    if (!this.#transport || !this.#transactions || this.#stopped) throw new Error('SIP stack not started');
    return { transport: this.#transport, transactions: this.#transactions };
  }

  #local(to: SipEndpoint): BoundAddress {
    const local =
      this.#transport?.localAddress(to.transport, to.address) ??
      this.#transport?.localAddress('udp', to.address);
    return local ?? { transport: to.transport, host: '127.0.0.1', port: 5060, advertisedHost: '127.0.0.1' };
  }

  /** Our Contact for messages to/from `to` (same transport, same IP family). */
  contactFor(to: SipEndpoint): string {
    const local = this.#local(to);
    const transport = to.transport === 'udp' ? '' : `;transport=${to.transport}`;
    const scheme = to.transport === 'tls' ? 'sips' : 'sip';
    return `<${scheme}:${this.#options.contactUser ?? 'linegate'}@${uriHost(local.advertisedHost)}:${local.port}${transport}>`;
  }

  #viaFor(to: SipEndpoint): string {
    const local = this.#local(to);
    return `SIP/2.0/${to.transport.toUpperCase()} ${uriHost(local.advertisedHost)}:${local.port};branch=${newBranch()};rport`;
  }

  #newCall(direction: 'inbound' | 'outbound', callId: string, localTag: string): SipCall {
    const { transactions } = this.#require();
    const call = new SipCall(
      {
        clock: this.#clock,
        logger: this.#logger,
        transactions,
        timers: this.#timers,
        userAgent: this.#userAgent,
        contactFor: (to) => this.contactFor(to),
        viaFor: (to) => this.#viaFor(to),
        registerDialog: (key, c) => this.#dialogs.set(key, c),
        unregister: (c) => {
          this.#calls.delete(c);
          for (const [key, value] of this.#dialogs) if (value === c) this.#dialogs.delete(key);
        },
      },
      { direction, callId, localTag },
    );
    this.#calls.add(call);
    this.#callsStarted++;
    call.on('state', (state) => this.emit('callState', call, state));
    call.on('ended', (end) => {
      this.#callsEnded++;
      this.emit('callEnded', call, end);
    });
    return call;
  }

  /** Starts an outbound call (INVITE with `sdpOffer`). Resolves once the INVITE is on its way. */
  async createCall(options: CreateCallOptions): Promise<SipCall> {
    this.#require();
    const target = parseTarget(options.to);
    if (!target) throw new Error(`invalid call target '${options.to}'`);
    const hopUri = options.proxy ? parseTarget(options.proxy) : target;
    const destination = hopUri ? await resolveUri(hopUri) : undefined;
    if (!destination) throw new Error(`cannot resolve '${options.proxy ?? options.to}'`);
    const local = this.#local(destination);
    const callId = newCallId(uriHost(local.advertisedHost));
    const localTag = newTag();
    const from = options.from
      ? options.from.includes('<')
        ? options.from
        : `<${options.from}>`
      : `<sip:${this.#options.contactUser ?? 'linegate'}@${uriHost(local.advertisedHost)}>`;
    const invite = createRequest({
      method: 'INVITE',
      uri: target,
      headers: [
        ['Max-Forwards', '70'],
        ['From', `${from};tag=${localTag}`],
        ['To', `<${formatUri(target)}>`],
        ['Call-ID', callId],
        ['CSeq', '1 INVITE'],
        ['Contact', this.contactFor(destination)],
        ['Allow', ALLOW],
        ['Supported', 'timer'],
        ['User-Agent', this.#userAgent],
        ...(options.headers ?? []),
      ],
      body: Buffer.from(options.sdpOffer),
      contentType: 'application/sdp',
    });
    const call = this.#newCall('outbound', callId, localTag);
    call.startOutbound(invite, destination, options.credentials, options.ringTimeoutMs);
    return call;
  }

  /** Sends an out-of-dialog request and waits for its final response. */
  async #request(
    method: string,
    options: {
      to: string;
      proxy?: string;
      from?: string;
      toHeader?: string;
      body?: string;
      contentType?: string;
      credentials?: SipUserCredentials;
      callId?: string;
      seq?: number;
      headers?: Array<[string, string]>;
    },
  ): Promise<{ status: number; reason: string; response?: SipResponse }> {
    const { transactions } = this.#require();
    const target = parseTarget(options.to);
    const hopUri = options.proxy ? parseTarget(options.proxy) : target;
    const destination = hopUri ? await resolveUri(hopUri) : undefined;
    if (!target || !destination) return { status: 416, reason: 'Unresolvable target' };
    const local = this.#local(destination);
    const from = options.from
      ? options.from.includes('<')
        ? options.from
        : `<${options.from}>`
      : `<sip:${this.#options.contactUser ?? 'linegate'}@${uriHost(local.advertisedHost)}>`;
    const callId = options.callId ?? newCallId(uriHost(local.advertisedHost));
    const tag = newTag();
    const digest = options.credentials ? new DigestClient(options.credentials) : undefined;
    let seq = options.seq ?? 1;
    const build = (auth?: [string, string]): SipRequest =>
      createRequest({
        method,
        uri: target,
        headers: [
          ['Max-Forwards', '70'],
          ['From', `${from};tag=${tag}`],
          ['To', options.toHeader ?? `<${formatUri(target)}>`],
          ['Call-ID', callId],
          ['CSeq', `${seq} ${method}`],
          ['User-Agent', this.#userAgent],
          ...(method === 'OPTIONS' ? [['Accept', 'application/sdp'] as [string, string]] : []),
          ...(options.headers ?? []),
          ...(auth ? [auth] : []),
        ],
        ...(options.body !== undefined
          ? { body: Buffer.from(options.body), contentType: options.contentType ?? 'text/plain' }
          : {}),
      });
    return new Promise((resolve) => {
      let attempts = 0;
      const send = (req: SipRequest) =>
        transactions.sendRequest(req, destination, {
          onResponse: (res) => {
            if (res.status < 200) return;
            if ((res.status === 401 || res.status === 407) && digest && attempts < 2) {
              const header = res.headers.get(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
              const value = header
                ? digest.authorize(header, method, formatUri({ ...target, headers: [] }))
                : undefined;
              if (value) {
                attempts++;
                seq++;
                send(build([res.status === 401 ? 'Authorization' : 'Proxy-Authorization', value]));
                return;
              }
            }
            resolve({ status: res.status, reason: res.reason, response: res });
          },
          onTimeout: (reason) =>
            resolve({
              status: reason === 'timeout' ? 408 : 503,
              reason: reason === 'timeout' ? 'Request Timeout' : 'Transport Error',
            }),
        });
      send(build());
    });
  }

  /** RFC 3428 MESSAGE (for the SMS bridge). */
  async sendMessage(options: SendMessageOptions): Promise<{ status: number; reason: string }> {
    const { status, reason } = await this.#request('MESSAGE', {
      ...options,
      contentType: options.contentType ?? 'text/plain;charset=UTF-8',
    });
    return { status, reason };
  }

  /** OPTIONS ping (qualify): status and round-trip time. */
  async sendOptions(to: string, proxy?: string): Promise<{ status: number; latencyMs: number }> {
    const started = this.#clock.now();
    const { status } = await this.#request('OPTIONS', { to, ...(proxy ? { proxy } : {}) });
    return { status, latencyMs: this.#clock.now() - started };
  }

  // ------------------------------------------------------------ incoming

  #respond(
    tx: ServerTransaction,
    status: number,
    headers: Array<[string, string]> = [],
    reason?: string,
  ): void {
    tx.respond(
      createResponse(tx.request, status, { toTag: newTag(), headers, ...(reason ? { reason } : {}) }),
    );
  }

  /** Digest check for untrusted sources; answers 401 itself. Returns the user, '' when trusted, undefined when challenged. */
  #authenticate(tx: ServerTransaction, source: SipEndpoint): string | undefined {
    if (this.#trusted.has(source.address)) return '';
    const server = this.#digestServer;
    const users = this.#options.auth?.users ?? [];
    if (!server) return '';
    const verdict = server.verify(
      tx.request.headers.getLines('authorization'),
      tx.request.method,
      (u) => users.find((x) => x.username === u)?.password,
    );
    if (verdict.ok) return verdict.username;
    if (verdict.reason !== 'missing')
      this.#logger.info({ source: source.address, reason: verdict.reason }, 'SIP authentication failed');
    this.#respond(
      tx,
      401,
      server.challenges(verdict.stale).map((c): [string, string] => ['WWW-Authenticate', c]),
    );
    return undefined;
  }

  #onRequest(tx: ServerTransaction, incoming: IncomingSipMessage): void {
    const req = tx.request;
    const rejection = checkRequest(req, this.#policy);
    if (rejection) {
      this.#respond(
        tx,
        rejection.status,
        [...rejection.headers, ['Warning', `399 linegate "${rejection.detail.replace(/["\\]/g, "'")}"`]],
        rejection.reason,
      );
      return;
    }
    const toTag = tagOf(req, 'to');
    if (toTag !== undefined) {
      const call = this.#dialogs.get(dialogKey(callIdOf(req), toTag, tagOf(req, 'from') ?? ''));
      if (call) call.receiveInDialog(tx);
      else this.#respond(tx, 481);
      return;
    }
    switch (req.method) {
      case 'OPTIONS':
        this.#respond(tx, 200, [
          ['Allow', ALLOW],
          ['Accept', 'application/sdp, text/plain, message/sipfrag'],
          ['Supported', 'timer'],
          ['Server', this.#userAgent],
        ]);
        return;
      case 'INVITE': {
        const se = parseSessionExpires(req.headers.get('session-expires'));
        if (se && se.seconds < MIN_SE_S) {
          this.#respond(tx, 422, [['Min-SE', String(MIN_SE_S)]]);
          return;
        }
        if (this.#authenticate(tx, incoming.source) === undefined) return;
        const call = this.#newCall('inbound', callIdOf(req), newTag());
        call.startInbound(tx, incoming.source);
        if (this.listenerCount('incomingCall') === 0) {
          call.reject(480);
          return;
        }
        this.emit('incomingCall', call);
        return;
      }
      case 'MESSAGE': {
        const user = this.#authenticate(tx, incoming.source);
        if (user === undefined) return;
        let answered = false;
        const respond = (status: number) => {
          if (answered) return;
          answered = true;
          this.#respond(tx, status);
        };
        const text: IncomingSipText = {
          from: req.headers.get('from') ?? '',
          to: req.headers.get('to') ?? '',
          requestUri: formatUri(req.uri),
          contentType: req.headers.get('content-type') ?? 'text/plain',
          body: req.body.toString('utf8'),
          source: incoming.source,
          respond,
        };
        if (user) text.authenticatedUser = user;
        this.emit('message', text);
        if (!answered && this.listenerCount('message') === 0) respond(200);
        else if (!answered) this.#clock.setTimer(this.#timers.t1Ms * 8, () => respond(500));
        return;
      }
      case 'REGISTER': {
        const registrar = this.#registrar;
        if (!registrar) {
          this.#respond(tx, 405, [['Allow', ALLOW.replace(', REGISTER', '')]]);
          return;
        }
        const user = this.#authenticate(tx, incoming.source);
        if (user === undefined) return;
        const answer = registrar.handleRegister(req, incoming.source, user === '' ? undefined : user);
        this.#respond(tx, answer.status, answer.headers, answer.reason);
        return;
      }
      case 'BYE':
      case 'REFER':
      case 'NOTIFY':
      case 'INFO':
        this.#respond(tx, 481);
        return;
      default:
        this.#respond(tx, 405, [['Allow', ALLOW]]);
    }
  }

  #onAck(incoming: IncomingSipMessage): void {
    const req = incoming.message;
    if (req.kind !== 'request') return;
    const call = this.#dialogs.get(
      dialogKey(callIdOf(req), tagOf(req, 'to') ?? '', tagOf(req, 'from') ?? ''),
    );
    call?.receiveAck(req);
  }

  #onStrayResponse(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300 || cseqOf(res)?.method !== 'INVITE') return;
    const call = this.#dialogs.get(
      dialogKey(callIdOf(res), tagOf(res, 'from') ?? '', tagOf(res, 'to') ?? ''),
    );
    call?.receiveStrayOk(res);
  }
}
