import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import type { SipCall } from '../../daemon/sip/dialog/call.ts';
import type { ContactBinding } from '../../daemon/sip/registration/registrar.ts';
import { answerOffer, createOffer } from '../../daemon/sip/sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from '../../daemon/sip/sdp/session-description.ts';
import { SipStack } from '../../daemon/sip/sip-stack.ts';
import { freePort } from './sipp-runner.ts';

const BARESIP = '/usr/bin/baresip';

function answerFor(offer: string | undefined): string {
  const parsed = parseSdp(offer ?? '');
  assert.ok(parsed.ok);
  const a = answerOffer(parsed.sdp, {
    address: '127.0.0.1',
    rtpPort: 41000,
    sessionId: '2',
    sessionVersion: 1,
  });
  assert.ok(a.ok);
  return serializeSdp(a.answer);
}

/** A mono 16-bit PCM WAV of silence: baresip's audio source (its ausine module only runs at 48 kHz). */
function silentWav(rateHz: number, seconds: number): Buffer {
  const dataBytes = rateHz * seconds * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rateHz, 24);
  b.writeUInt32LE(rateHz * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(dataBytes, 40);
  return b;
}

test('baresip registers to our registrar with digest, calls *43, and answers our call', {
  skip: existsSync(BARESIP) ? false : 'baresip is not installed',
}, async () => {
  const port = await freePort();
  const baresipPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${baresipPort}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module_app account.so',
      'module_app menu.so',
      `audio_player aufile,${join(dir, 'heard.wav')}`,
      `audio_source aufile,${join(dir, 'tone.wav')}`,
      `audio_alert aufile,${join(dir, 'alert.wav')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tone.wav'), silentWav(8000, 2));
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:201@127.0.0.1:${port}>;auth_pass=pw201;regint=60;answermode=auto\n`,
  );
  const stack = new SipStack({
    clock: new SystemClock(),
    logger: silentLogger(),
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    auth: { realm: 'linegate', users: [{ username: '201', password: 'pw201' }] },
    registrar: {},
  });
  await stack.start(new AbortController().signal);
  const registered = new Promise<ContactBinding>((resolve) => stack.once('contact', resolve));
  const echoCall = new Promise<SipCall>((resolve) =>
    stack.once('incomingCall', (call) => {
      call.accept(answerFor(call.remoteSdp));
      resolve(call);
    }),
  );
  const child = spawn(
    BARESIP,
    ['-f', dir, '-n', '127.0.0.1', '-t', '8', '-e', `/dial sip:*43@127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('close', r));
  try {
    const binding = await registered;
    assert.match(binding.contactUri, /^sip:201-.*@127\.0\.0\.1:\d+$/);
    assert.match(binding.userAgent ?? '', /baresip/);
    const inbound = await echoCall;
    assert.equal(inbound.dialedUser, '*43');
    assert.match(inbound.remoteSdp ?? '', /PCMU|PCMA/);
    await new Promise((r) => setTimeout(r, 300));
    inbound.hangup();
    await new Promise((r) => setTimeout(r, 300));
    // Our stack calls the registered phone; baresip answers automatically.
    const call = await stack.createCall({
      to: binding.contactUri,
      proxy: `sip:${binding.source.address}:${binding.source.port}`,
      sdpOffer: serializeSdp(
        createOffer({ address: '127.0.0.1', rtpPort: 40000, sessionId: '1', sessionVersion: 1 }),
      ),
    });
    await new Promise((resolve, reject) => {
      call.once('answered', resolve);
      call.once('ended', (e) => reject(new Error(`${JSON.stringify(e)}\n${out.slice(-1500)}`)));
    });
    call.hangup();
  } finally {
    child.kill('SIGTERM');
    await exited;
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
