import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '../../drivers/base/clock.ts';
import { pino } from 'pino';
import { SipStack } from '../../daemon/sip/sip-stack.ts';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/sip/rfc4475');
const cases = (
  JSON.parse(readFileSync(join(DIR, 'expectations.json'), 'utf8')) as {
    cases: Array<{ file: string; verdict: string }>;
  }
).cases;

/** The first status line in what came back, or null when nothing did. */
function statusOf(reply: string): number | null {
  const m = /^SIP\/2\.0 (\d{3})/.exec(reply);
  return m ? Number(m[1]) : null;
}

/**
 * What each RFC 4475 verdict allows on the wire from a user agent:
 * accept → anything but 400 (e.g. 480 because nobody takes the call, 501 for unknown methods);
 * reject → 4xx/5xx or silence; parse-then-N → N (regaut01: 401 from a registrar or 405 from a UA).
 */
function allowed(verdict: string, file: string, status: number | null, overStream: boolean): boolean {
  if (verdict === 'reject-or-tolerate') return true;
  if (verdict === 'reject') return status === null || status >= 400;
  if (verdict.startsWith('accept')) {
    // Over a stream, messages without Content-Length cannot be framed (RFC 3261 §18.3): the connection closes.
    if (overStream && file === 'inv2543.dat') return status === null;
    return status !== 400;
  }
  const m = /^parse-then-(\d{3})$/.exec(verdict);
  if (!m) return false;
  if (file === 'regaut01.dat') return status === 401 || status === 405;
  return status === Number(m[1]);
}

/**
 * A fresh stack per message (RFC 4475 messages reuse branches and tags, so one
 * shared stack would rightly treat some as retransmissions of others). Its
 * SIP trace is captured: over UDP, responses go to the Via sent-by port
 * (RFC 3261 §18.2.2, no rport in these messages), not back to our socket.
 */
async function withStack(fn: (stack: SipStack, port: number, sentStatuses: number[]) => Promise<void>) {
  const sentStatuses: number[] = [];
  const logger = pino(
    { level: 'trace' },
    {
      write(line: string) {
        const m = /"msg":"» (\d{3}) /.exec(line);
        if (m) sentStatuses.push(Number(m[1]));
      },
    },
  );
  const stack = new SipStack({
    clock: new SystemClock(),
    logger,
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    trustedPeers: ['127.0.0.1/32'],
  });
  await stack.start(new AbortController().signal);
  try {
    await fn(stack, stack.boundAddresses()[0]!.port, sentStatuses);
  } finally {
    await stack.stop();
  }
}

/** The stack still answers a well-formed OPTIONS (from another socket, with rport) and reports ok. */
async function stillHealthy(stack: SipStack) {
  const udpPort = stack.boundAddresses().find((b) => b.transport === 'udp')!.port;
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const reply = new Promise<string>((r) => sock.once('message', (d) => r(d.toString())));
  sock.send(
    `OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKhealth;rport\r\nMax-Forwards: 70\r\n` +
      `To: <sip:ping@127.0.0.1>\r\nFrom: <sip:t@127.0.0.1>;tag=h\r\nCall-ID: health\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    udpPort,
    '127.0.0.1',
  );
  assert.equal(statusOf(await reply), 200);
  sock.close();
  assert.equal(stack.health().status, 'ok');
}

test('every RFC 4475 message as one UDP datagram: expected verdict, process healthy', async (t) => {
  const replies = await Promise.all(
    cases.map((c) => {
      let status: number | null = null;
      return withStack(async (stack, port, sent) => {
        const sock = createSocket('udp4');
        await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
        sock.send(readFileSync(join(DIR, c.file)), port, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 400));
        sock.close();
        // 100 Trying may precede the final answer.
        status = sent.find((s) => s >= 200) ?? sent[0] ?? null;
        await stillHealthy(stack);
      }).then(() => ({ ...c, status }));
    }),
  );
  t.diagnostic(
    `\n${replies.map((r) => `${r.file.padEnd(16)} ${r.verdict.padEnd(24)} ${r.status ?? 'no answer'}`).join('\n')}`,
  );
  for (const r of replies)
    assert.ok(allowed(r.verdict, r.file, r.status, false), `${r.file}: ${r.verdict} but got ${r.status}`);
});

test('every RFC 4475 message over TCP in 1-byte chunks: expected verdict, only bad connections close', async (t) => {
  let framingErrors = 0;
  const replies = await Promise.all(
    cases.map((c) => {
      let result: { status: number | null; closedByPeer: boolean } = { status: null, closedByPeer: false };
      return withStack(async (stack) => {
        const tcpPort = stack.boundAddresses().find((b) => b.transport === 'tcp')!.port;
        const bytes = readFileSync(join(DIR, c.file));
        const sock = connect(tcpPort, '127.0.0.1');
        sock.setNoDelay(true);
        sock.on('error', () => {});
        let got = '';
        let closedByPeer = false;
        sock.on('data', (d) => (got += d.toString('latin1')));
        sock.on('end', () => (closedByPeer = true));
        await new Promise((r) => sock.once('connect', r));
        for (let i = 0; i < bytes.length; i++) {
          if (sock.destroyed || closedByPeer) break;
          sock.write(bytes.subarray(i, i + 1));
          if (i % 64 === 63) await new Promise((r) => setImmediate(r));
        }
        await new Promise((r) => setTimeout(r, 600));
        sock.destroy();
        const statuses = [...got.matchAll(/SIP\/2\.0 (\d{3})/g)].map((m) => Number(m[1]));
        result = { status: statuses.find((s) => s >= 200) ?? statuses[0] ?? null, closedByPeer };
        framingErrors += stack.counters.framingErrors;
        await stillHealthy(stack);
      }).then(() => ({ ...c, ...result }));
    }),
  );
  t.diagnostic(
    `\n${replies.map((r) => `${r.file.padEnd(16)} ${r.verdict.padEnd(24)} ${r.status ?? 'no answer'}${r.closedByPeer ? ' (closed)' : ''}`).join('\n')}`,
  );
  for (const r of replies)
    assert.ok(allowed(r.verdict, r.file, r.status, true), `${r.file}: ${r.verdict} but got ${r.status}`);
  assert.ok(framingErrors >= 3, 'ncl/mcl01/inv2543 close their connections');
});
