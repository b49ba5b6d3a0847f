import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  isIPv6,
  createServer as createTcpServer,
  connect as tcpConnect,
  type Server,
  type Socket,
} from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { Clock, Timer } from '../../../drivers/base/clock.ts';
import { errorMessage } from '../../../drivers/base/errors.ts';
import type { Logger } from '../../../drivers/base/logger.ts';
import { TypedEmitter } from '../../../drivers/base/typed-emitter.ts';
import { createResponse } from '../message/builders.ts';
import { isGrammarError, splitList } from '../message/grammar.ts';
import { SipHeaders } from '../message/headers.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.ts';
import {
  DEFAULT_PARSE_LIMITS,
  parseSipMessage,
  type SipParseError,
  type SipParseLimits,
} from '../message/parser.ts';
import { serializeSipMessage } from '../message/serializer.ts';
import { formatUri, socketHost, uriHost } from '../message/uri.ts';
import { formatVia, parseVia, type Via } from '../message/via.ts';
import { SipStreamFramer } from './stream-framer.ts';

export type TransportKind = 'udp' | 'tcp' | 'tls';

export interface ListenSpec {
  transport: TransportKind;
  /** Address to bind: '127.0.0.1', '0.0.0.0', '::'. */
  host: string;
  /** 0 picks a free port (see `boundAddresses()`). */
  port: number;
  /** PEM files for `tls` listeners. */
  certPath?: string;
  keyPath?: string;
  /** Address written into Via/Contact when `host` is a wildcard. */
  advertisedHost?: string;
}

/** Where a message came from or goes to. */
export interface SipEndpoint {
  transport: TransportKind;
  /** Plain IP literal (no brackets). */
  address: string;
  port: number;
  /** Set for messages that arrived on a stream connection: responses go back on it (RFC 3261 §18.2.2). */
  connectionId?: number;
}

export interface IncomingSipMessage {
  message: SipMessage;
  source: SipEndpoint;
  /** The listener that received it. */
  local: BoundAddress;
}

export interface BoundAddress {
  transport: TransportKind;
  host: string;
  port: number;
  /** Host for Via/Contact. */
  advertisedHost: string;
}

export interface TransportCounters {
  received: number;
  sent: number;
  /** Malformed input answered with 400/505/513. */
  rejected: number;
  /** Malformed input that could not be answered (responses, garbage), dropped. */
  dropped: number;
  /** Refused by the admit hook. */
  refused: number;
  /** Stream connections closed for unrecoverable framing. */
  framingErrors: number;
  sendErrors: number;
}

export interface TransportLayerOptions {
  listen: ListenSpec[];
  logger: Logger;
  clock: Clock;
  limits?: Partial<SipParseLimits>;
  /**
   * Per-source gate for the security layer: return false to drop a message
   * silently (banned address, rate limit). `message` is undefined for
   * unparseable input, so floods of garbage can be counted too.
   */
  admit?: (source: SipEndpoint, message: SipMessage | undefined) => boolean;
  /** Stream connections idle this long are closed. Default 10 min. */
  idleConnectionTimeoutMs?: number;
  /** Verify peers' TLS certificates on outgoing connections. Default true. */
  tlsRejectUnauthorized?: boolean;
}

interface Connection {
  id: number;
  socket: Socket;
  transport: 'tcp' | 'tls';
  remote: SipEndpoint;
  framer: SipStreamFramer;
  lastActivityMs: number;
  local: BoundAddress;
}

/**
 * UDP, TCP and TLS listeners with one `message` event and one `send()`.
 * Applies RFC 3261 §18.2.1 (received) and RFC 3581 (rport) to requests,
 * answers malformed requests with 400 + Warning when it can, and never lets
 * bad input throw out of a socket handler.
 */
export class SipTransportLayer extends TypedEmitter<{ message: [IncomingSipMessage] }> {
  readonly counters: TransportCounters = {
    received: 0,
    sent: 0,
    rejected: 0,
    dropped: 0,
    refused: 0,
    framingErrors: 0,
    sendErrors: 0,
  };
  readonly #options: TransportLayerOptions;
  readonly #logger: Logger;
  readonly #limits: SipParseLimits;
  #udp: Array<{ socket: UdpSocket; bound: BoundAddress; family: 4 | 6 }> = [];
  #servers: Array<{ server: Server; bound: BoundAddress }> = [];
  #connections = new Map<number, Connection>();
  #byRemote = new Map<string, Connection>();
  #nextConnectionId = 1;
  #sweepTimer: Timer | undefined;
  #stopped = false;

  constructor(options: TransportLayerOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger;
    this.#limits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  }

  async start(_signal?: AbortSignal): Promise<void> {
    for (const spec of this.#options.listen) {
      if (spec.transport === 'udp') await this.#listenUdp(spec);
      else await this.#listenStream(spec);
    }
    const idleMs = this.#options.idleConnectionTimeoutMs ?? 600_000;
    this.#sweepTimer = this.#options.clock.setInterval(Math.min(idleMs, 60_000), () => {
      const now = this.#options.clock.now();
      for (const c of this.#connections.values()) if (now - c.lastActivityMs > idleMs) c.socket.destroy();
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sweepTimer?.cancel();
    for (const c of this.#connections.values()) c.socket.destroy();
    this.#connections.clear();
    this.#byRemote.clear();
    await Promise.all([
      ...this.#udp.map((u) => new Promise<void>((resolve) => u.socket.close(() => resolve()))),
      ...this.#servers.map((s) => new Promise<void>((resolve) => s.server.close(() => resolve()))),
    ]);
    this.#udp = [];
    this.#servers = [];
  }

  boundAddresses(): BoundAddress[] {
    return [...this.#udp.map((u) => u.bound), ...this.#servers.map((s) => s.bound)];
  }

  /** The listener used for Via/Contact on `transport` (same IP family as `toAddress` when possible). */
  localAddress(transport: TransportKind, toAddress?: string): BoundAddress | undefined {
    const all = this.boundAddresses().filter((b) => b.transport === transport);
    if (toAddress !== undefined) {
      const v6 = isIPv6(toAddress);
      const same = all.find((b) => isIPv6(socketHost(b.host)) === v6 || b.host === '::');
      if (same) return same;
    }
    return all[0];
  }

  get openConnections(): number {
    return this.#connections.size;
  }

  async #listenUdp(spec: ListenSpec): Promise<void> {
    const family = isIPv6(spec.host) ? 6 : 4;
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(spec.port, spec.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.#logger.warn({ err: errorMessage(err) }, 'UDP socket error'));
    const bound: BoundAddress = {
      transport: 'udp',
      host: spec.host,
      port: socket.address().port,
      advertisedHost: spec.advertisedHost ?? spec.host,
    };
    socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
      try {
        this.#onBytes(
          data,
          { transport: 'udp', address: rinfo.address, port: rinfo.port },
          bound,
          'datagram',
        );
      } catch (err) {
        this.counters.dropped++;
        this.#logger.error({ err: errorMessage(err) }, 'unexpected error handling a datagram');
      }
    });
    this.#udp.push({ socket, bound, family });
  }

  async #listenStream(spec: ListenSpec): Promise<void> {
    const transport = spec.transport as 'tcp' | 'tls';
    const bound: BoundAddress = {
      transport,
      host: spec.host,
      port: spec.port,
      advertisedHost: spec.advertisedHost ?? spec.host,
    };
    const onConnection = (socket: Socket) => this.#adopt(socket, transport, bound);
    const server =
      transport === 'tls'
        ? createTlsServer(
            { cert: readFileSync(spec.certPath ?? ''), key: readFileSync(spec.keyPath ?? '') },
            onConnection,
          )
        : createTcpServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: spec.port, host: spec.host, ipv6Only: isIPv6(spec.host) }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#logger.warn({ err: errorMessage(err) }, 'stream listener error'));
    const address = server.address();
    if (address && typeof address === 'object') bound.port = address.port;
    this.#servers.push({ server, bound });
  }

  #adopt(socket: Socket, transport: 'tcp' | 'tls', local: BoundAddress): Connection {
    const id = this.#nextConnectionId++;
    const remote: SipEndpoint = {
      transport,
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      connectionId: id,
    };
    const conn: Connection = {
      id,
      socket,
      transport,
      remote,
      framer: new SipStreamFramer(this.#limits.maxMessageBytes),
      lastActivityMs: this.#options.clock.now(),
      local,
    };
    this.#connections.set(id, conn);
    this.#byRemote.set(remoteKey(transport, remote.address, remote.port), conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      conn.lastActivityMs = this.#options.clock.now();
      try {
        for (const out of conn.framer.push(chunk)) {
          if (out.kind === 'ping') socket.write('\r\n');
          else if (out.kind === 'message') this.#onBytes(out.bytes, conn.remote, local, 'stream');
          else {
            this.counters.framingErrors++;
            this.#logger.debug({ remote: conn.remote, reason: out.reason }, 'closing stream: framing error');
            socket.destroy();
            return;
          }
        }
      } catch (err) {
        this.counters.dropped++;
        this.#logger.error({ err: errorMessage(err) }, 'unexpected error handling stream data');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#connections.delete(id);
      const key = remoteKey(transport, remote.address, remote.port);
      if (this.#byRemote.get(key) === conn) this.#byRemote.delete(key);
    });
    return conn;
  }

  #onBytes(data: Buffer, source: SipEndpoint, local: BoundAddress, mode: 'datagram' | 'stream'): void {
    if (this.#stopped) return;
    if (mode === 'datagram' && data.length <= 4 && data.toString('latin1').trim() === '') return; // CRLF keep-alive
    const admit = this.#options.admit;
    const result = parseSipMessage(data, { mode, limits: this.#limits });
    if (!result.ok) {
      if (admit && !admit(source, undefined)) {
        this.counters.refused++;
        return;
      }
      this.#onMalformed(result.error, source, data);
      return;
    }
    const message = result.message;
    if (admit && !admit(source, message)) {
      this.counters.refused++;
      return;
    }
    this.counters.received++;
    this.#trace('«', message, source, data);
    if (message.kind === 'request') {
      if (!this.#stampVia(message, source)) {
        this.#onMalformed(
          {
            status: 400,
            reason: 'malformed Via',
            isResponse: false,
            request: { method: message.method, headers: message.headers },
          },
          source,
          data,
        );
        this.counters.received--;
        return;
      }
    }
    this.emit('message', { message, source, local });
  }

  /** RFC 3261 §18.2.1 received= and RFC 3581 rport= on the top Via. */
  #stampVia(req: SipRequest, source: SipEndpoint): boolean {
    const lines = req.headers.getLines('via');
    const first = lines[0];
    if (first === undefined) return false;
    const parts = splitList(first);
    if (isGrammarError(parts)) return false;
    const via = parseVia(parts[0] as string);
    if (isGrammarError(via)) return false;
    let changed = false;
    if (socketHost(via.host) !== source.address) {
      via.params.set('received', source.address);
      changed = true;
    }
    if (via.params.has('rport')) {
      via.params.set('rport', String(source.port));
      if (!via.params.has('received')) via.params.set('received', source.address);
      changed = true;
    }
    if (changed) {
      parts[0] = formatVia(via);
      const rest = lines.slice(1);
      req.headers.remove('via');
      for (const line of [parts.join(', '), ...rest].reverse()) req.headers.prepend('Via', line);
    }
    return true;
  }

  #onMalformed(error: SipParseError, source: SipEndpoint, data: Buffer): void {
    const req = error.request;
    const canAnswer =
      req !== undefined &&
      req.method !== 'ACK' &&
      req.headers.has('via') &&
      req.headers.has('call-id') &&
      req.headers.has('cseq');
    this.#logger.debug({ source, reason: error.reason, bytes: data.length }, 'malformed SIP message');
    if (!canAnswer) {
      this.counters.dropped++;
      return;
    }
    this.counters.rejected++;
    const fake: SipRequest = {
      kind: 'request',
      method: req.method,
      uri: { scheme: 'sip', host: 'invalid', params: new Map(), headers: [] },
      version: 'SIP/2.0',
      headers: copyAnswerableHeaders(req.headers),
      body: Buffer.alloc(0),
    };
    const res = createResponse(fake, error.status, {
      headers: [['Warning', `399 linegate "${error.reason.replace(/["\\]/g, "'")}"`]],
    });
    void this.send(res, source);
  }

  /** Sends a message to an endpoint; stream connections are reused or opened. Never throws. */
  async send(message: SipMessage, to: SipEndpoint): Promise<boolean> {
    if (this.#stopped) return false;
    const bytes = serializeSipMessage(message);
    try {
      if (to.transport === 'udp') {
        const family = isIPv6(to.address) ? 6 : 4;
        const udp = this.#udp.find((u) => u.family === family) ?? this.#udp[0];
        if (!udp) throw new Error('no UDP listener');
        await new Promise<void>((resolve, reject) =>
          udp.socket.send(bytes, to.port, to.address, (err) => (err ? reject(err) : resolve())),
        );
      } else {
        const conn = await this.#connectionFor(to);
        conn.lastActivityMs = this.#options.clock.now();
        conn.socket.write(bytes);
      }
      this.counters.sent++;
      this.#trace('»', message, to, bytes);
      return true;
    } catch (err) {
      this.counters.sendErrors++;
      this.#logger.debug({ to, err: errorMessage(err) }, 'SIP send failed');
      return false;
    }
  }

  async #connectionFor(to: SipEndpoint): Promise<Connection> {
    if (to.connectionId !== undefined) {
      const c = this.#connections.get(to.connectionId);
      if (c && !c.socket.destroyed) return c;
    }
    const existing = this.#byRemote.get(remoteKey(to.transport, to.address, to.port));
    if (existing && !existing.socket.destroyed) return existing;
    const transport = to.transport === 'tls' ? 'tls' : 'tcp';
    const local = this.localAddress(transport) ?? {
      transport,
      host: '0.0.0.0',
      port: 0,
      advertisedHost: '127.0.0.1',
    };
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s =
        transport === 'tls'
          ? tlsConnect(
              {
                host: to.address,
                port: to.port,
                rejectUnauthorized: this.#options.tlsRejectUnauthorized ?? true,
              },
              () => resolve(s),
            )
          : tcpConnect({ host: to.address, port: to.port }, () => resolve(s));
      s.once('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error('connect timeout')));
    });
    socket.setTimeout(0);
    const conn = this.#adopt(socket, transport, local);
    conn.remote.address = to.address;
    conn.remote.port = to.port;
    this.#byRemote.set(remoteKey(transport, to.address, to.port), conn);
    return conn;
  }

  #trace(mark: '«' | '»', message: SipMessage, peer: SipEndpoint, bytes: Buffer): void {
    if (!this.#logger.isLevelEnabled('trace')) return;
    const first =
      message.kind === 'request'
        ? `${message.method} ${formatUri(message.uri)}`
        : `${message.status} ${message.reason} (${message.headers.get('cseq') ?? ''})`;
    this.#logger.trace(
      {
        peer: `${peer.transport}:${uriHost(peer.address)}:${peer.port}`,
        callId: message.headers.get('call-id'),
        sip: bytes.toString('utf8'),
      },
      `${mark} ${first}`,
    );
  }
}

function remoteKey(transport: string, address: string, port: number): string {
  return `${transport}|${address}|${port}`;
}

function copyAnswerableHeaders(headers: SipHeaders): SipHeaders {
  const out = new SipHeaders();
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    for (const line of headers.getLines(name)) out.append(name, line);
  }
  return out;
}

/**
 * Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4): back on the
 * request's connection when it is a stream, else to received/rport of the
 * top Via, else to the Via's sent-by.
 */
export function responseDestination(
  response: SipResponse,
  requestSource: SipEndpoint | undefined,
): SipEndpoint | undefined {
  const lines = response.headers.getLines('via');
  const parts = lines[0] === undefined ? undefined : splitList(lines[0]);
  const via: Via | undefined =
    parts && !isGrammarError(parts) && parts[0] ? (parseVia(parts[0]) as Via) : undefined;
  if (requestSource && requestSource.transport !== 'udp') return requestSource;
  if (!via || isGrammarError(via)) return requestSource;
  // The transport the request really used wins over what its Via claims (a TCP Via over UDP).
  const viaTransport = via.transport.toLowerCase();
  const transport: TransportKind =
    requestSource?.transport ?? (viaTransport === 'tcp' || viaTransport === 'tls' ? viaTransport : 'udp');
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  const address = received ?? socketHost(via.host);
  const port = rport ? Number(rport) : (via.port ?? (transport === 'tls' ? 5061 : 5060));
  return { transport, address, port };
}
