import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { silentLogger } from '../../../drivers/base/logger.ts';
import { createResponse } from '../message/builders.ts';
import { cseqOf, type SipMessage, type SipRequest, type SipResponse, topVia } from '../message/message.ts';
import { parseSipMessage } from '../message/parser.ts';
import type { BoundAddress, SipEndpoint, TransportKind } from '../transport/transport-layer.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { TransactionLayer } from './transaction-layer.ts';

class FakeTransport {
  sent: Array<{ message: SipMessage; to: SipEndpoint; atMs: number }> = [];
  constructor(readonly clock: FakeClock) {}
  send(message: SipMessage, to: SipEndpoint): Promise<boolean> {
    this.sent.push({ message, to, atMs: this.clock.now() });
    return Promise.resolve(true);
  }
  localAddress(transport: TransportKind): BoundAddress {
    return { transport, host: '127.0.0.1', port: 5060, advertisedHost: '127.0.0.1' };
  }
  times(filter: (m: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => filter(s.message)).map((s) => s.atMs);
  }
}

const PEER: SipEndpoint = { transport: 'udp', address: '127.0.0.2', port: 5062 };
const TCP_PEER: SipEndpoint = { transport: 'tcp', address: '127.0.0.2', port: 5062, connectionId: 7 };

function request(
  method: string,
  opts: { branch?: string; toTag?: string; cseq?: number; callId?: string; transport?: string } = {},
): SipRequest {
  const via = opts.branch
    ? `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.2:5062;branch=${opts.branch}\r\n`
    : '';
  const text =
    `${method} sip:201@127.0.0.1 SIP/2.0\r\n${via}Max-Forwards: 70\r\n` +
    `To: <sip:201@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}\r\nFrom: <sip:100@127.0.0.2>;tag=ft\r\n` +
    `Call-ID: ${opts.callId ?? 'call-1'}\r\nCSeq: ${opts.cseq ?? 1} ${method === 'ACK' || method === 'CANCEL' ? method : method}\r\nContent-Length: 0\r\n\r\n`;
  const r = parseSipMessage(Buffer.from(text), { mode: 'datagram' });
  assert.ok(r.ok && r.message.kind === 'request');
  return r.message;
}

function setup(timers = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock);
  const layer = new TransactionLayer({ clock, transport, logger: silentLogger(), timers });
  return { clock, transport, layer };
}

function responseTo(req: SipRequest, status: number, toTag = 'tt'): SipResponse {
  return createResponse(req, status, { toTag });
}

function isMethod(method: string) {
  return (m: SipMessage) => m.kind === 'request' && m.method === method;
}

test('INVITE client over UDP: Timer A doubles from T1, Timer B times out at 64*T1', () => {
  const { clock, transport, layer } = setup();
  let timeout = '';
  const tx = layer.sendRequest(request('INVITE'), PEER, {
    onResponse: () => {},
    onTimeout: (r) => (timeout = r),
  });
  clock.advance(40_000);
  assert.deepEqual(transport.times(isMethod('INVITE')), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(timeout, 'timeout');
  assert.equal(tx.state, 'terminated');
  assert.equal(clock.pendingTimers, 0);
});

test('INVITE client: 1xx stops A and B; non-2xx gets an ACK in the transaction; Timer D ends it', () => {
  const { clock, transport, layer } = setup();
  const got: number[] = [];
  const tx = layer.sendRequest(request('INVITE'), PEER, {
    onResponse: (r) => got.push(r.status),
    onTimeout: () => assert.fail(),
  });
  const sent = transport.sent[0]!.message as SipRequest;
  clock.advance(100);
  layer.handleIncoming({
    message: responseTo(sent, 180),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  clock.advance(60_000);
  assert.equal(transport.times(isMethod('INVITE')).length, 1);
  assert.equal(tx.state, 'proceeding');
  layer.handleIncoming({
    message: responseTo(sent, 486),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  const ack = transport.sent.at(-1)!.message as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(topVia(ack)?.params.get('branch'), topVia(sent)?.params.get('branch'));
  assert.match(ack.headers.get('to') ?? '', /tag=tt/);
  assert.deepEqual(cseqOf(ack), { seq: 1, method: 'ACK' });
  // A retransmitted 486 is answered with the same ACK and not passed up again.
  layer.handleIncoming({
    message: responseTo(sent, 486),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  assert.equal(transport.times(isMethod('ACK')).length, 2);
  assert.deepEqual(got, [180, 486]);
  assert.equal(tx.state, 'completed');
  clock.advance(31_999);
  assert.equal(tx.state, 'completed');
  clock.advance(1);
  assert.equal(tx.state, 'terminated');
});

test('INVITE client: 2xx enters Accepted (RFC 6026), retransmitted 2xx reach the TU, Timer M ends it', () => {
  const { clock, transport, layer } = setup();
  const got: number[] = [];
  const tx = layer.sendRequest(request('INVITE'), PEER, {
    onResponse: (r) => got.push(r.status),
    onTimeout: () => {},
  });
  const sent = transport.sent[0]!.message as SipRequest;
  layer.handleIncoming({
    message: responseTo(sent, 200),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  assert.equal(tx.state, 'accepted');
  clock.advance(10_000);
  layer.handleIncoming({
    message: responseTo(sent, 200),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  assert.deepEqual(got, [200, 200]);
  assert.equal(transport.times(isMethod('ACK')).length, 0, 'the transaction never ACKs a 2xx');
  clock.advance(22_000);
  assert.equal(tx.state, 'terminated');
  const stray: number[] = [];
  layer.on('strayResponse', (r) => stray.push(r.status));
  layer.handleIncoming({
    message: responseTo(sent, 200),
    source: PEER,
    local: transport.localAddress('udp'),
  });
  assert.deepEqual(stray, [200]);
});

test('non-INVITE client: Timer E doubles up to T2, Timer F at 64*T1; after 1xx E runs at T2', () => {
  const { clock, transport, layer } = setup();
  let timeout = false;
  layer.sendRequest(request('OPTIONS'), PEER, { onResponse: () => {}, onTimeout: () => (timeout = true) });
  clock.advance(33_000);
  assert.deepEqual(
    transport.times(isMethod('OPTIONS')),
    [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
  );
  assert.ok(timeout);
  const second = setup();
  second.layer.sendRequest(request('BYE'), PEER, { onResponse: () => {}, onTimeout: () => {} });
  const sent = second.transport.sent[0]!.message as SipRequest;
  second.clock.advance(200);
  second.layer.handleIncoming({
    message: responseTo(sent, 100),
    source: PEER,
    local: second.transport.localAddress('udp'),
  });
  second.clock.advance(9_000);
  assert.deepEqual(second.transport.times(isMethod('BYE')), [0, 500, 4500, 8500]);
});

test('non-INVITE client: final response completes; Timer K = T4 over UDP, 0 over TCP; no retransmits over TCP', () => {
  for (const peer of [PEER, TCP_PEER]) {
    const { clock, transport, layer } = setup();
    let ended = false;
    const tx = layer.sendRequest(request('MESSAGE'), peer, {
      onResponse: () => {},
      onTimeout: () => {},
      onTerminated: () => (ended = true),
    });
    const sent = transport.sent[0]!.message as SipRequest;
    if (peer.transport === 'tcp') {
      clock.advance(20_000);
      assert.equal(transport.times(isMethod('MESSAGE')).length, 1);
    }
    layer.handleIncoming({
      message: responseTo(sent, 202),
      source: peer,
      local: transport.localAddress('udp'),
    });
    assert.equal(tx.state, peer.transport === 'udp' ? 'completed' : 'completed');
    clock.advance(peer.transport === 'udp' ? 4_999 : 0);
    assert.equal(ended, peer.transport !== 'udp');
    clock.advance(1);
    assert.ok(ended);
    assert.match(
      topVia(sent) ? (sent.headers.get('via') ?? '') : '',
      peer.transport === 'udp' ? /SIP\/2.0\/UDP .*rport/ : /SIP\/2.0\/TCP/,
    );
  }
});

test('T1/T2/T4 are configurable: Timer B follows 64*T1', () => {
  const { clock, transport, layer } = setup({ t1Ms: 100, t2Ms: 400 });
  let timedOutAt = -1;
  layer.sendRequest(request('INVITE'), PEER, {
    onResponse: () => {},
    onTimeout: () => (timedOutAt = clock.now()),
  });
  clock.advance(10_000);
  assert.equal(timedOutAt, 6400);
  assert.deepEqual(transport.times(isMethod('INVITE')), [0, 100, 300, 700, 1500, 3100, 6300]);
});

function incoming(layer: TransactionLayer, transport: FakeTransport, req: SipRequest, source = PEER) {
  layer.handleIncoming({ message: req, source, local: transport.localAddress(source.transport) });
}

test('INVITE server: 100 at once, retransmissions answered, Timer G up to T2, Timer H when no ACK', () => {
  const { clock, transport, layer } = setup();
  const txs: ServerTransaction[] = [];
  layer.on('request', (tx) => txs.push(tx));
  const invite = request('INVITE', { branch: 'z9hG4bKsrv1' });
  incoming(layer, transport, invite);
  assert.equal(txs.length, 1);
  assert.equal((transport.sent[0]!.message as SipResponse).status, 100);
  incoming(layer, transport, invite);
  assert.equal(txs.length, 1, 'a retransmission is not a new request');
  assert.equal(transport.sent.length, 2);
  txs[0]!.respond(createResponse(invite, 486, { toTag: 'x' }));
  clock.advance(40_000);
  const finals = transport.sent
    .filter((s) => s.message.kind === 'response' && s.message.status === 486)
    .map((s) => s.atMs);
  assert.deepEqual(finals, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.equal(txs[0]!.ackTimedOut, true);
  assert.equal(txs[0]!.state, 'terminated');
  assert.equal(layer.counts.servers, 0);
});

test('INVITE server: ACK stops G (Confirmed), Timer I = T4 ends it; 2xx → Accepted, Timer L', () => {
  const { clock, transport, layer } = setup();
  const txs: ServerTransaction[] = [];
  layer.on('request', (tx) => txs.push(tx));
  const acks: unknown[] = [];
  layer.on('ack', (a) => acks.push(a));
  const invite = request('INVITE', { branch: 'z9hG4bKsrv2' });
  incoming(layer, transport, invite);
  txs[0]!.respond(createResponse(invite, 603, { toTag: 'x' }));
  clock.advance(600);
  incoming(layer, transport, request('ACK', { branch: 'z9hG4bKsrv2', toTag: 'x' }));
  assert.equal(txs[0]!.state, 'confirmed');
  const count = transport.sent.length;
  clock.advance(4_999);
  assert.equal(transport.sent.length, count);
  assert.equal(txs[0]!.state, 'confirmed');
  clock.advance(1);
  assert.equal(txs[0]!.state, 'terminated');
  assert.equal(acks.length, 0, 'the non-2xx ACK is absorbed by the transaction');

  const invite2 = request('INVITE', { branch: 'z9hG4bKsrv3', callId: 'call-2' });
  incoming(layer, transport, invite2);
  txs[1]!.respond(createResponse(invite2, 200, { toTag: 'y' }));
  assert.equal(txs[1]!.state, 'accepted');
  incoming(layer, transport, invite2);
  assert.equal(txs.length, 2);
  incoming(layer, transport, request('ACK', { branch: 'z9hG4bKack2xx', toTag: 'y', callId: 'call-2' }));
  assert.equal(acks.length, 1, 'the 2xx ACK goes to the dialog layer');
  clock.advance(31_999);
  assert.equal(txs[1]!.state, 'accepted');
  clock.advance(1);
  assert.equal(txs[1]!.state, 'terminated');
});

test('non-INVITE server: retransmission gets the last response; Timer J = 64*T1 over UDP, 0 over TCP', () => {
  for (const source of [PEER, TCP_PEER]) {
    const { clock, transport, layer } = setup();
    const txs: ServerTransaction[] = [];
    layer.on('request', (tx) => txs.push(tx));
    const bye = request('BYE', {
      branch: 'z9hG4bKbye',
      toTag: 'a',
      transport: source.transport.toUpperCase(),
    });
    incoming(layer, transport, bye, source);
    txs[0]!.respond(createResponse(bye, 200));
    incoming(layer, transport, bye, source);
    assert.equal(transport.sent.length, 2);
    assert.equal(transport.sent[1]!.to.connectionId, source.connectionId);
    if (source.transport === 'udp') {
      clock.advance(31_999);
      assert.equal(txs[0]!.state, 'completed');
    }
    clock.advance(1);
    assert.equal(txs[0]!.state, 'terminated');
  }
});

test('CANCEL: 200 and cancel event for a pending INVITE, 481 otherwise', () => {
  const { transport, layer } = setup();
  const cancelled: ServerTransaction[] = [];
  layer.on('cancel', (tx) => cancelled.push(tx));
  incoming(layer, transport, request('INVITE', { branch: 'z9hG4bKc1' }));
  incoming(layer, transport, request('CANCEL', { branch: 'z9hG4bKc1' }));
  assert.equal(cancelled.length, 1);
  const last = transport.sent.at(-1)!.message as SipResponse;
  assert.equal(last.status, 200);
  assert.equal(cseqOf(last)?.method, 'CANCEL');
  incoming(layer, transport, request('CANCEL', { branch: 'z9hG4bKnone', callId: 'x' }));
  assert.equal((transport.sent.at(-1)!.message as SipResponse).status, 481);
});

test('merged request (same From tag/Call-ID/CSeq, other branch) and looped request get 482', () => {
  const { transport, layer } = setup();
  const requests: string[] = [];
  layer.on('request', (tx) => requests.push(tx.request.method));
  incoming(layer, transport, request('INVITE', { branch: 'z9hG4bKm1' }));
  incoming(layer, transport, request('INVITE', { branch: 'z9hG4bKm2' }));
  assert.deepEqual(requests, ['INVITE']);
  assert.equal((transport.sent.at(-1)!.message as SipResponse).status, 482);
  // Loop: our own OPTIONS comes back to us.
  layer.sendRequest(request('OPTIONS', { callId: 'loop' }), PEER, {
    onResponse: () => {},
    onTimeout: () => {},
  });
  const ours = transport.sent.at(-1)!.message as SipRequest;
  const looped = request('OPTIONS', { branch: 'z9hG4bKproxy', callId: 'loop2' });
  looped.headers.append('Via', ours.headers.get('via') ?? '');
  incoming(layer, transport, looped);
  assert.equal((transport.sent.at(-1)!.message as SipResponse).status, 482);
  assert.deepEqual(requests, ['INVITE']);
});
