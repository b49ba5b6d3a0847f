import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { parseSipMessage } from './message/parser.ts';
import { answerOffer, createOffer } from './sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from './sdp/session-description.ts';
import { SipStack } from './sip-stack.ts';

export interface SipBenchOptions {
  /** sipp binary; without it the call and OPTIONS figures come from a second in-process stack. */
  sippPath?: string;
  calls?: number;
  /** Offered call rate (sipp -r), calls/s. */
  callRate?: number;
  options?: number;
  optionsRate?: number;
  parseMessages?: number;
  idleDialogs?: number;
}

export interface SipBenchResult {
  callsPerSecond: number;
  optionsPerSecond: number;
  parseMsgsPerSecond: number;
  /** Heap per established idle dialog (UAS side, transactions finished). */
  idleDialogBytes: number;
  failedCalls: number;
  /** What the traffic figures were measured against. */
  peer: 'sipp' | 'in-process';
}

const TYPICAL_SDP = [
  'v=0',
  'o=- 20518 0 IN IP4 192.0.2.20',
  's=SDP data',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'm=audio 11796 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

/** A desk phone's INVITE as seen in the field (about 800 bytes). */
const TYPICAL_INVITE = Buffer.from(
  [
    'INVITE sip:201@192.0.2.10:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: "Extension 201" <sip:201@192.0.2.10>',
    'From: "Alice" <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@192.0.2.20:5062;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, INFO',
    'Supported: replaces, timer',
    'User-Agent: Yealink SIP-T46S 66.85.0.5',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(TYPICAL_SDP)}`,
    '',
    TYPICAL_SDP,
  ].join('\r\n'),
);

const OPTIONS_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="OPTIONS">
  <send retrans="500"><![CDATA[
      OPTIONS sip:ping@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:ping@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0
    ]]></send>
  <recv response="200"/>
</scenario>
`;

function answerFor(offer: string | undefined): string | undefined {
  const parsed = parseSdp(offer ?? '');
  if (!parsed.ok) return undefined;
  const a = answerOffer(parsed.sdp, {
    address: '127.0.0.1',
    rtpPort: 41000,
    sessionId: '2',
    sessionVersion: 1,
  });
  return a.ok ? serializeSdp(a.answer) : undefined;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function parseRate(count: number): number {
  for (let i = 0; i < 2000; i++) parseSipMessage(TYPICAL_INVITE, { mode: 'datagram' });
  // CPU time, not wall time: the figure is per core and does not depend on what else runs on the box.
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const r = parseSipMessage(TYPICAL_INVITE, { mode: 'datagram' });
    if (!r.ok) throw new Error(r.error.reason);
  }
  const used = process.cpuUsage(started);
  return Math.round(count / ((used.user + used.system) / 1e6));
}

interface SippRun {
  successful: number;
  failed: number;
}

function runSipp(sipp: string, args: string[], cwd: string): Promise<SippRun> {
  return new Promise((resolve) => {
    const child = spawn(sipp, ['-nostdin', '-timeout', '120s', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
    });
    child.on('close', () => {
      const pick = (label: string) =>
        Number(
          [...out.matchAll(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g'))].at(-1)?.[1] ?? 0,
        );
      resolve({ successful: pick('Successful call'), failed: pick('Failed call') });
    });
  });
}

/**
 * SIP figures for `linegate bench sip`: parser throughput in-process; call
 * setups+teardowns and OPTIONS transactions per second against sipp on
 * loopback (or a second stack when sipp is missing); heap per idle dialog.
 */
export async function runSipBench(options: SipBenchOptions = {}): Promise<SipBenchResult> {
  const parseMsgsPerSecond = parseRate(options.parseMessages ?? 200_000);
  const clock = new SystemClock();
  const port = await freeUdpPort();
  const stack = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    trustedPeers: ['127.0.0.1/32'],
    limits: {},
  });
  let failedCalls = 0;
  stack.on('incomingCall', (call) => {
    const sdp = answerFor(call.remoteSdp);
    if (sdp) call.accept(sdp);
    else call.reject(488);
  });
  stack.on('callEnded', (_call, end) => {
    if (end.cause !== 'remote-hangup' && end.cause !== 'local-hangup' && end.reason !== 'stack stopped')
      failedCalls++;
  });
  await stack.start(new AbortController().signal);
  const sipp = options.sippPath ?? '/usr/bin/sipp';
  const useSipp = existsSync(sipp);
  const calls = options.calls ?? 2000;
  const optionsCount = options.options ?? 20_000;
  let callsPerSecond: number;
  let optionsPerSecond: number;
  const dir = mkdtempSync(join(tmpdir(), 'sip-bench-'));
  try {
    if (useSipp) {
      const startedCalls = performance.now();
      const callRun = await runSipp(
        sipp,
        [
          '-sn',
          'uac',
          `127.0.0.1:${port}`,
          '-s',
          'bench',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freeUdpPort()),
          '-m',
          String(calls),
          '-r',
          String(options.callRate ?? 500),
          '-l',
          '500',
        ],
        dir,
      );
      callsPerSecond = Math.round(callRun.successful / ((performance.now() - startedCalls) / 1000));
      failedCalls += callRun.failed;
      // Let the stack drain what sipp sent last before counting calls that never ended.
      for (let i = 0; i < 100 && stack.counters.activeCalls > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      failedCalls += stack.counters.activeCalls;
      writeFileSync(join(dir, 'options.xml'), OPTIONS_SCENARIO);
      const startedOptions = performance.now();
      const optRun = await runSipp(
        sipp,
        [
          '-sf',
          join(dir, 'options.xml'),
          `127.0.0.1:${port}`,
          '-i',
          '127.0.0.1',
          '-p',
          String(await freeUdpPort()),
          '-m',
          String(optionsCount),
          '-r',
          String(options.optionsRate ?? 5000),
          '-l',
          '2000',
        ],
        dir,
      );
      optionsPerSecond = Math.round(optRun.successful / ((performance.now() - startedOptions) / 1000));
    } else {
      const peer = new SipStack({
        clock,
        logger: silentLogger(),
        listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
      });
      await peer.start(new AbortController().signal);
      const offer = serializeSdp(
        createOffer({ address: '127.0.0.1', rtpPort: 40000, sessionId: '1', sessionVersion: 1 }),
      );
      const startedCalls = performance.now();
      let done = 0;
      for (let batch = 0; batch < calls; batch += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, calls - batch) }, async () => {
            const call = await peer.createCall({ to: `sip:bench@127.0.0.1:${port}`, sdpOffer: offer });
            await new Promise<void>((resolve) => {
              call.once('answered', () => {
                call.hangup();
                done++;
                resolve();
              });
              call.once('ended', () => resolve());
            });
          }),
        );
      }
      callsPerSecond = Math.round(done / ((performance.now() - startedCalls) / 1000));
      failedCalls += calls - done;
      const startedOptions = performance.now();
      let ok = 0;
      for (let batch = 0; batch < optionsCount; batch += 500) {
        const results = await Promise.all(
          Array.from({ length: Math.min(500, optionsCount - batch) }, () =>
            peer.sendOptions(`sip:ping@127.0.0.1:${port}`),
          ),
        );
        ok += results.filter((r) => r.status === 200).length;
      }
      optionsPerSecond = Math.round(ok / ((performance.now() - startedOptions) / 1000));
      await peer.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
  const idleDialogBytes = await measureIdleDialogBytes(options.idleDialogs ?? 500);
  return {
    callsPerSecond,
    optionsPerSecond,
    parseMsgsPerSecond,
    idleDialogBytes,
    failedCalls,
    peer: useSipp ? 'sipp' : 'in-process',
  };
}

/** Heap growth per established dialog on the answering stack once its transactions have ended. */
async function measureIdleDialogBytes(count: number): Promise<number> {
  const clock = new SystemClock();
  const timers = { t1Ms: 10, t2Ms: 40, t4Ms: 50 };
  const uas = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    timers,
    trustedPeers: ['127.0.0.1/32'],
  });
  const uac = new SipStack({
    clock,
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    timers,
  });
  uas.on('incomingCall', (call) => call.accept(answerFor(call.remoteSdp) ?? ''));
  await uas.start(new AbortController().signal);
  await uac.start(new AbortController().signal);
  const port = uas.boundAddresses()[0]?.port ?? 0;
  const offer = serializeSdp(
    createOffer({ address: '127.0.0.1', rtpPort: 40000, sessionId: '1', sessionVersion: 1 }),
  );
  const settle = () => new Promise((r) => setTimeout(r, 64 * timers.t1Ms + 300));
  // Warm up code paths so JIT and module state do not count as dialog memory.
  const warm = await uac.createCall({ to: `sip:warm@127.0.0.1:${port}`, sdpOffer: offer });
  await new Promise((r) => warm.once('answered', r));
  warm.hangup();
  await settle();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = [];
  for (let batch = 0; batch < count; batch += 50) {
    const made = await Promise.all(
      Array.from({ length: Math.min(50, count - batch) }, async () => {
        const call = await uac.createCall({ to: `sip:idle@127.0.0.1:${port}`, sdpOffer: offer });
        await new Promise((r) => call.once('answered', r));
        return call;
      }),
    );
    held.push(...made);
  }
  await settle();
  gc();
  const after = process.memoryUsage().heapUsed;
  // Both stacks live in this heap: each call is one UAC and one UAS dialog.
  const perDialog = Math.round((after - before) / (2 * count));
  for (const c of held) c.hangup();
  await new Promise((r) => setTimeout(r, 200));
  await uac.stop();
  await uas.stop();
  return perDialog;
}
