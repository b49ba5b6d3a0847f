import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SystemClock } from '../../../drivers/base/clock.ts';
import { silentLogger } from '../../../drivers/base/logger.ts';
import { createResponse } from '../message/builders.ts';
import { topVia } from '../message/message.ts';
import {
  type IncomingSipMessage,
  type ListenSpec,
  responseDestination,
  SipTransportLayer,
} from './transport-layer.ts';

const OPTIONS = (branch: string, via = 'SIP/2.0/UDP 10.9.9.9:5099;rport') =>
  `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: ${via};branch=${branch}\r\nMax-Forwards: 70\r\nTo: <sip:x@127.0.0.1>\r\n` +
  `From: <sip:y@example.com>;tag=1\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;

async function withLayer(listen: ListenSpec[], fn: (layer: SipTransportLayer) => Promise<void>, extra = {}) {
  const layer = new SipTransportLayer({ listen, logger: silentLogger(), clock: new SystemClock(), ...extra });
  await layer.start();
  try {
    await fn(layer);
  } finally {
    await layer.stop();
    await layer.stop();
  }
}

function nextMessage(layer: SipTransportLayer): Promise<IncomingSipMessage> {
  return new Promise((resolve) => layer.once('message', resolve));
}

test('UDP: request gets received/rport stamped, response routed back to the source port', async () => {
  await withLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], async (layer) => {
    const port = layer.boundAddresses()[0]!.port;
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const got = nextMessage(layer);
    client.send(OPTIONS('z9hG4bKudp1'), port, '127.0.0.1');
    const { message, source } = await got;
    const via = topVia(message)!;
    assert.equal(via.params.get('received'), '127.0.0.1');
    assert.equal(via.params.get('rport'), String(client.address().port));
    assert.ok(message.kind === 'request');
    const dest = responseDestination(createResponse(message, 200), source);
    assert.deepEqual(dest, { transport: 'udp', address: '127.0.0.1', port: client.address().port });
    const reply = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
    await layer.send(createResponse(message, 200), dest!);
    assert.match(await reply, /^SIP\/2.0 200 OK\r\n/);
    client.close();
  });
});

test('UDP: malformed request gets 400 with a Warning; garbage and bad responses are dropped and counted', async () => {
  await withLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], async (layer) => {
    const port = layer.boundAddresses()[0]!.port;
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const reply = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
    client.send(
      OPTIONS('z9hG4bKbad').replace('CSeq: 1 OPTIONS', 'CSeq: 99999999999 OPTIONS'),
      port,
      '127.0.0.1',
    );
    const text = await reply;
    assert.match(text, /^SIP\/2.0 400 Bad Request\r\n/);
    assert.match(text, /Warning: 399 linegate "malformed CSeq/);
    client.send(Buffer.from([0, 1, 2, 3, 255, 13, 10, 13, 10]), port, '127.0.0.1');
    client.send('SIP/2.0 4294967301 nope\r\nVia: SIP/2.0/UDP h\r\n\r\n', port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(layer.counters.rejected, 1);
    assert.equal(layer.counters.dropped, 2);
    client.close();
  });
});

test('TCP: 1-byte chunks and pipelining; a bad Content-Length closes only that connection', async () => {
  await withLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], async (layer) => {
    const port = layer.boundAddresses()[0]!.port;
    const seen: string[] = [];
    layer.on('message', (m) => seen.push(m.message.headers.get('call-id') ?? ''));
    const good = connect(port, '127.0.0.1');
    await new Promise((r) => good.once('connect', r));
    const bytes = Buffer.from(
      OPTIONS('z9hG4bKt1', 'SIP/2.0/TCP 127.0.0.1') + OPTIONS('z9hG4bKt2', 'SIP/2.0/TCP 127.0.0.1'),
    );
    for (const b of bytes) good.write(Buffer.from([b]));
    const bad = connect(port, '127.0.0.1');
    const badClosed = new Promise((r) => bad.once('close', r));
    bad.on('error', () => {});
    bad.write('OPTIONS sip:x@y SIP/2.0\r\nContent-Length: -1\r\n\r\n');
    await badClosed;
    const third =
      OPTIONS('z9hG4bKt3', 'SIP/2.0/TCP 127.0.0.1') + OPTIONS('z9hG4bKt4', 'SIP/2.0/TCP 127.0.0.1');
    good.write(third);
    const pong = new Promise<string>((r) => good.once('data', (d) => r(d.toString())));
    good.write('\r\n\r\n');
    assert.equal(await pong, '\r\n');
    for (let i = 0; i < 50 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['z9hG4bKt1', 'z9hG4bKt2', 'z9hG4bKt3', 'z9hG4bKt4']);
    assert.equal(layer.counters.framingErrors, 1);
    assert.equal(good.destroyed, false);
    good.destroy();
  });
});

test('TCP: response goes back on the same connection; outgoing connection is reused', async () => {
  await withLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], async (server) => {
    await withLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], async (client) => {
      const port = server.boundAddresses()[0]!.port;
      server.on('message', (m) => {
        if (m.message.kind === 'request')
          void server.send(
            createResponse(m.message, 200),
            responseDestination(createResponse(m.message, 200), m.source)!,
          );
      });
      for (const branch of ['z9hG4bKr1', 'z9hG4bKr2']) {
        const answer = nextMessage(client);
        const parsed = (await import('../message/parser.ts')).parseSipMessage(
          Buffer.from(OPTIONS(branch, 'SIP/2.0/TCP 127.0.0.1')),
          { mode: 'stream' },
        );
        assert.ok(parsed.ok);
        await client.send(parsed.message, { transport: 'tcp', address: '127.0.0.1', port });
        const res = await answer;
        assert.ok(res.message.kind === 'response' && res.message.status === 200);
      }
      assert.equal(client.openConnections, 1);
    });
  });
});

test('IPv6 UDP on ::1', async (t) => {
  try {
    await withLayer([{ transport: 'udp', host: '::1', port: 0 }], async (layer) => {
      const port = layer.boundAddresses()[0]!.port;
      const client = createSocket('udp6');
      await new Promise<void>((r) => client.bind(0, '::1', () => r()));
      const got = nextMessage(layer);
      client.send(OPTIONS('z9hG4bKv6', 'SIP/2.0/UDP [::1]:1;rport'), port, '::1');
      const m = await got;
      assert.equal(m.source.address, '::1');
      assert.equal(topVia(m.message)?.params.get('rport'), String(client.address().port));
      client.close();
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') t.skip('no IPv6 loopback');
    else throw err;
  }
});

test('TLS listener with certificate files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  try {
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=localhost',
          '-days',
          '1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      t.skip('openssl not available');
      return;
    }
    const tls = { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') };
    await withLayer([{ transport: 'tls', host: '127.0.0.1', port: 0, ...tls }], async (server) => {
      await withLayer(
        [{ transport: 'tls', host: '127.0.0.1', port: 0, ...tls }],
        async (client) => {
          const got = nextMessage(server);
          const { parseSipMessage } = await import('../message/parser.ts');
          const parsed = parseSipMessage(Buffer.from(OPTIONS('z9hG4bKtls', 'SIP/2.0/TLS 127.0.0.1')), {
            mode: 'stream',
          });
          assert.ok(parsed.ok);
          assert.ok(
            await client.send(parsed.message, {
              transport: 'tls',
              address: '127.0.0.1',
              port: server.boundAddresses()[0]!.port,
            }),
          );
          const m = await got;
          assert.equal(m.source.transport, 'tls');
          assert.equal(m.message.headers.get('call-id'), 'z9hG4bKtls');
        },
        { tlsRejectUnauthorized: false },
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('admit hook refuses a source before any processing', async () => {
  await withLayer(
    [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    async (layer) => {
      const port = layer.boundAddresses()[0]!.port;
      let seen = 0;
      layer.on('message', () => seen++);
      const client = createSocket('udp4');
      client.send(OPTIONS('z9hG4bKadm'), port, '127.0.0.1');
      client.send('garbage\r\n\r\n', port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen, 0);
      assert.equal(layer.counters.refused, 2);
      client.close();
    },
    { admit: () => false },
  );
});
