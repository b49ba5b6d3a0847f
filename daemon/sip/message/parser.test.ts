import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGrammarError } from './grammar.ts';
import { callIdOf, cseqOf, nameAddrList, nameAddrOf, parseVias, type SipRequest, tagOf } from './message.ts';
import { formatNameAddr, parseNameAddr } from './name-addr.ts';
import { parseSipMessage } from './parser.ts';
import { serializeSipMessage } from './serializer.ts';
import { formatUri, parseUri, unescapedUser } from './uri.ts';
import { parseVia } from './via.ts';

const INVITE = [
  'INVITE sip:201@192.0.2.10:5060;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: <sip:201@192.0.2.10>',
  'From: "Zoë Ünïcode" <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.20:5062>',
  'X-Custom: first',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

function parseRequest(text: string | Buffer, mode: 'datagram' | 'stream' = 'datagram'): SipRequest {
  const r = parseSipMessage(Buffer.isBuffer(text) ? text : Buffer.from(text), { mode });
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

test('parses a typical INVITE with UTF-8 display name and keeps unknown headers', () => {
  const req = parseRequest(INVITE);
  assert.equal(req.method, 'INVITE');
  assert.equal(req.uri.host, '192.0.2.10');
  assert.equal(req.uri.port, 5060);
  assert.equal(req.uri.params.get('transport'), 'udp');
  assert.equal(nameAddrOf(req, 'from')?.displayName, 'Zoë Ünïcode');
  assert.equal(tagOf(req, 'from'), '1928301774');
  assert.equal(callIdOf(req), 'a84b4c76e66710@pc33.example.com');
  assert.deepEqual(cseqOf(req), { seq: 314159, method: 'INVITE' });
  assert.equal(req.headers.get('x-custom'), 'first');
  assert.equal(req.body.toString(), 'v=0\n');
});

test('serialize → parse round-trips and preserves header order', () => {
  const req = parseRequest(INVITE);
  const again = parseRequest(serializeSipMessage(req), 'stream');
  assert.deepEqual(
    again.headers.entries().map((h) => h.name),
    req.headers.entries().map((h) => h.name),
  );
  assert.equal(nameAddrOf(again, 'from')?.displayName, 'Zoë Ünïcode');
  assert.equal(again.body.toString(), 'v=0\n');
});

test('compact forms, folding and case-insensitive names', () => {
  const req = parseRequest(
    'OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\n' +
      'i: abc\r\nCSEQ: 1\r\n  OPTIONS\r\nm: <sip:x@h>, <sip:y@h>\r\nl: 0\r\n\r\n',
  );
  assert.deepEqual(cseqOf(req), { seq: 1, method: 'OPTIONS' });
  assert.equal(req.headers.get('Call-ID'), 'abc');
  const contacts = nameAddrList(req, 'contact');
  assert.ok(!isGrammarError(contacts));
  assert.equal(contacts.length, 2);
  assert.equal(serializeSipMessage(req).toString().includes('Via: SIP/2.0/UDP h;branch=z9hG4bK1'), true);
});

test('multi-value Via over several lines and one line', () => {
  const req = parseRequest(
    'BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKa, SIP/2.0/UDP h2;branch=z9hG4bKb\r\n' +
      'Via: SIP/2.0/UDP h3;received=192.0.2.1;rport=5070;branch=z9hG4bKc\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: c\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n',
  );
  const vias = parseVias(req);
  assert.ok(!isGrammarError(vias));
  assert.equal(vias.length, 3);
  assert.equal(vias[0]?.host, '[2001:db8::1]');
  assert.equal(vias[0]?.port, 5061);
  assert.equal(vias[2]?.params.get('rport'), '5070');
});

test('URIs: sips, tel, IPv6, escapes, params and headers', () => {
  const u = parseUri('sips:%61lice:pw@[2001:db8::10]:5061;transport=tls;lr?Subject=hi&Priority=urgent');
  assert.ok(!isGrammarError(u));
  assert.equal(u.scheme, 'sips');
  assert.equal(unescapedUser(u), 'alice');
  assert.equal(u.password, 'pw');
  assert.equal(u.host, '[2001:db8::10]');
  assert.equal(u.port, 5061);
  assert.equal(u.params.get('lr'), null);
  assert.deepEqual(u.headers, [
    ['Subject', 'hi'],
    ['Priority', 'urgent'],
  ]);
  assert.equal(
    formatUri(u),
    'sips:%61lice:pw@[2001:db8::10]:5061;transport=tls;lr?Subject=hi&Priority=urgent',
  );
  const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(!isGrammarError(tel));
  assert.equal(tel.user, '+1-201-555-0123');
  assert.equal(formatUri(tel), 'tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(isGrammarError(parseUri('sip:user@exa mple.com')));
  assert.ok(isGrammarError(parseUri('sip:user@[2001:db8::1')));
  assert.ok(isGrammarError(parseUri('sip:user@host:99999')));
});

test('name-addr: quoted display names with escapes, unquoted tokens, addr-spec params', () => {
  const a = parseNameAddr('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8');
  assert.ok(!isGrammarError(a));
  assert.equal(a.displayName, 'J Rosenberg \\"');
  assert.equal(a.params.get('tag'), '98asjd8');
  const b = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam');
  assert.ok(!isGrammarError(b));
  assert.equal(b.uri.params.size, 0);
  assert.ok(b.params.has('unknownparam'));
  const c = parseNameAddr('Alice Smith<sip:a@b>');
  assert.ok(!isGrammarError(c));
  assert.equal(c.displayName, 'Alice Smith');
  assert.equal(formatNameAddr(a), '"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8');
  assert.ok(isGrammarError(parseNameAddr('"unterminated <sip:a@b>')));
  assert.ok(isGrammarError(parseNameAddr('Bell, Alexander <sip:a@b>')));
});

test('Via with LWS around slashes and colon', () => {
  const v = parseVia('SIP  /   2.0  / TCP     spindle.example.com : 5070  ;  branch  =   z9hG4bK9ikj8');
  assert.ok(!isGrammarError(v));
  assert.equal(v.transport, 'TCP');
  assert.equal(v.port, 5070);
  assert.equal(v.params.get('branch'), 'z9hG4bK9ikj8');
});

test('limits: message size, header count, line length', () => {
  const many = `OPTIONS sip:a@b SIP/2.0\r\n${'X-A: 1\r\n'.repeat(150)}\r\n`;
  const r1 = parseSipMessage(Buffer.from(many), { mode: 'datagram' });
  assert.ok(!r1.ok && r1.error.reason === 'too many headers');
  const long = `OPTIONS sip:a@b SIP/2.0\r\nX-A: ${'a'.repeat(9000)}\r\n\r\n`;
  const r2 = parseSipMessage(Buffer.from(long), { mode: 'datagram' });
  assert.ok(!r2.ok && r2.error.reason === 'header line too long');
  const big = parseSipMessage(Buffer.alloc(70000, 0x41), { mode: 'datagram' });
  assert.ok(!big.ok && big.error.status === 513);
  const small = parseSipMessage(Buffer.from(INVITE), { mode: 'datagram', limits: { maxMessageBytes: 100 } });
  assert.ok(!small.ok);
});

test('Content-Length: datagram ignores trailing bytes, stream requires an exact match', () => {
  const withExtra = INVITE + 'garbage';
  assert.equal(parseRequest(withExtra).body.toString(), 'v=0\n');
  const streamed = parseSipMessage(Buffer.from(withExtra), { mode: 'stream' });
  assert.ok(!streamed.ok);
  const noLength = INVITE.replace('Content-Length: 4\r\n', '');
  assert.equal(parseRequest(noLength).body.toString(), 'v=0\n');
  assert.ok(!parseSipMessage(Buffer.from(noLength), { mode: 'stream' }).ok);
});

test('a broken request still yields what is needed for a 400 with a reason', () => {
  const r = parseSipMessage(
    Buffer.from('INVITE sip:a@b  SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n'),
    { mode: 'datagram' },
  );
  assert.ok(!r.ok);
  assert.equal(r.error.status, 400);
  assert.equal(r.error.request?.method, 'INVITE');
  assert.equal(r.error.request?.headers.get('call-id'), 'x');
  assert.match(r.error.reason, /request line/);
});

test('garbage never throws', () => {
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(Math.random() * 300);
    const buf = Buffer.alloc(len);
    for (let k = 0; k < len; k++) buf[k] = Math.floor(Math.random() * 256);
    if (i % 2 === 0)
      Buffer.from(INVITE).copy(buf, 0, 0, Math.min(len, Math.floor(Math.random() * INVITE.length)));
    parseSipMessage(buf, { mode: i % 3 === 0 ? 'stream' : 'datagram' });
  }
});
