import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipStreamFramer } from './stream-framer.ts';

const msg = (body: string) =>
  `MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('pipelined messages in one chunk, CRLF pings between them', () => {
  const f = new SipStreamFramer();
  const out = f.push(Buffer.from(`${msg('hello')}\r\n\r\n${msg('wörld')}`));
  assert.deepEqual(
    out.map((o) => o.kind),
    ['message', 'ping', 'message'],
  );
  assert.ok(out[2]?.kind === 'message' && out[2].bytes.toString().endsWith('wörld'));
  assert.equal(f.pendingBytes, 0);
});

test('one byte at a time yields the same messages', () => {
  const f = new SipStreamFramer();
  const all = Buffer.from(msg('abc') + msg('') + msg('x'.repeat(300)));
  const got: string[] = [];
  for (const byte of all) {
    for (const o of f.push(Buffer.from([byte]))) if (o.kind === 'message') got.push(o.bytes.toString());
  }
  assert.deepEqual(got, [msg('abc'), msg(''), msg('x'.repeat(300))]);
});

test('bad, missing or duplicate Content-Length is a framing error, and the framer stays closed', () => {
  for (const bad of [
    'OPTIONS sip:a@b SIP/2.0\r\nl: -5\r\n\r\n',
    'OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n',
    'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
  ]) {
    const f = new SipStreamFramer();
    const out = f.push(Buffer.from(bad));
    assert.equal(out[0]?.kind, 'error', bad);
    assert.deepEqual(f.push(Buffer.from(msg('ok'))), []);
  }
});

test('oversize header section or body is refused without buffering forever', () => {
  const f = new SipStreamFramer(1000);
  assert.deepEqual(f.push(Buffer.alloc(900, 0x41)), []);
  assert.equal(f.push(Buffer.alloc(200, 0x41))[0]?.kind, 'error');
  const g = new SipStreamFramer(1000);
  assert.equal(g.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 5000\r\n\r\n'))[0]?.kind, 'error');
});
