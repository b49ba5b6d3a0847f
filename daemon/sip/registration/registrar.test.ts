import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { silentLogger } from '../../../drivers/base/logger.ts';
import { Store } from '../../store/database.ts';
import type { SipRequest } from '../message/message.ts';
import { parseSipMessage } from '../message/parser.ts';
import type { SipEndpoint } from '../transport/transport-layer.ts';
import { Registrar } from './registrar.ts';

const SRC: SipEndpoint = { transport: 'udp', address: '192.0.2.50', port: 5062 };

function register(
  user: string,
  contacts: string[],
  opts: { expires?: number; callId?: string; cseq?: number } = {},
): SipRequest {
  const lines = [
    'REGISTER sip:linegate.local SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.50:5062;branch=z9hG4bKr1',
    `To: <sip:${user}@linegate.local>`,
    `From: <sip:${user}@linegate.local>;tag=x`,
    `Call-ID: ${opts.callId ?? 'reg-1'}`,
    `CSeq: ${opts.cseq ?? 1} REGISTER`,
    ...contacts.map((c) => `Contact: ${c}`),
    ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
    'User-Agent: DeskPhone 1.0',
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parseSipMessage(Buffer.from(lines.join('\r\n')), { mode: 'datagram' });
  assert.ok(r.ok && r.message.kind === 'request');
  return r.message;
}

function setup(store?: Store, clock = new FakeClock()) {
  const registrar = new Registrar({
    clock,
    logger: silentLogger(),
    users: ['201', '202'],
    ...(store ? { store } : {}),
  });
  registrar.start();
  return { clock, registrar };
}

test('binds, refreshes, expires; answers with current contacts and their expiry', () => {
  const { clock, registrar } = setup();
  const a = registrar.handleRegister(
    register('201', ['<sip:201@192.0.2.50:5062>'], { expires: 120 }),
    SRC,
    '201',
  );
  assert.equal(a.status, 200);
  assert.deepEqual(a.headers[0], ['Contact', '<sip:201@192.0.2.50:5062>;expires=120']);
  assert.equal(registrar.lookup('201')[0]?.source.port, 5062);
  assert.equal(registrar.lookup('201')[0]?.userAgent, 'DeskPhone 1.0');
  clock.advance(119_000);
  assert.equal(registrar.lookup('201').length, 1);
  clock.advance(1_000);
  assert.equal(registrar.lookup('201').length, 0);
  registrar.stop();
});

test('423 below Min-Expires, expires=0 and * remove, out-of-order CSeq ignored, AOR ownership', () => {
  const { registrar } = setup();
  const brief = registrar.handleRegister(register('201', ['<sip:201@h>'], { expires: 10 }), SRC, '201');
  assert.equal(brief.status, 423);
  assert.deepEqual(brief.headers, [['Min-Expires', '60']]);
  registrar.handleRegister(
    register('201', ['<sip:201@h1>;expires=300', '<sip:201@h2>'], { expires: 600, cseq: 5 }),
    SRC,
    '201',
  );
  assert.equal(registrar.lookup('201').length, 2);
  registrar.handleRegister(register('201', ['<sip:201@h1>;expires=0'], { cseq: 4 }), SRC, '201');
  assert.equal(registrar.lookup('201').length, 2, 'older CSeq on the same Call-ID is ignored');
  registrar.handleRegister(register('201', ['<sip:201@h1>;expires=0'], { cseq: 6 }), SRC, '201');
  assert.deepEqual(
    registrar.lookup('201').map((b) => b.contactUri),
    ['sip:201@h2'],
  );
  assert.equal(
    registrar.handleRegister(register('201', ['*'], { expires: 0, cseq: 7 }), SRC, '201').status,
    200,
  );
  assert.equal(registrar.lookup('201').length, 0);
  assert.equal(
    registrar.handleRegister(register('201', ['*'], { expires: 5, cseq: 8 }), SRC, '201').status,
    400,
  );
  assert.equal(registrar.handleRegister(register('202', ['<sip:202@h>']), SRC, '201').status, 403);
  assert.equal(registrar.handleRegister(register('999', ['<sip:999@h>']), SRC, undefined).status, 404);
  registrar.stop();
});

test('bindings survive a restart through SQLite; expired ones are dropped on load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-reg-'));
  try {
    const clock = new FakeClock();
    const store = Store.open({ dataDir: dir, logger: silentLogger(), clock });
    const first = setup(store, clock).registrar;
    first.handleRegister(register('201', ['<sip:201@192.0.2.50:5062>'], { expires: 3600 }), SRC, '201');
    first.handleRegister(
      register('202', ['<sip:202@192.0.2.51>'], { expires: 60, callId: 'other' }),
      SRC,
      '202',
    );
    first.stop();
    store.close();
    clock.advance(120_000);
    const reopened = Store.open({ dataDir: dir, logger: silentLogger(), clock });
    const second = setup(reopened, clock).registrar;
    assert.deepEqual(
      second.lookup('201').map((b) => [b.contactUri, b.source.address, b.cseq]),
      [['sip:201@192.0.2.50:5062', '192.0.2.50', 1]],
    );
    assert.equal(second.lookup('202').length, 0);
    second.stop();
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
