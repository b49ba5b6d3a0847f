import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { DigestClient, DigestServer, digestResponse, parseChallenge, parseCredentials } from './digest.ts';

test('RFC 2617 §3.5 example response (MD5, qop=auth)', () => {
  const r = digestResponse({
    algorithm: 'MD5',
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  });
  assert.equal(r, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1 example response (SHA-256)', () => {
  const r = digestResponse({
    algorithm: 'SHA-256',
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  });
  assert.equal(r, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('client answers a server challenge, for both algorithms; nonce count grows', () => {
  const clock = new FakeClock();
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    const server = new DigestServer({ realm: 'linegate', clock, algorithms: [algorithm] });
    const client = new DigestClient({ username: '201', password: 's3cret' });
    const challenge = server.challenges()[0]!;
    assert.equal(parseChallenge(challenge)?.algorithm, algorithm);
    const auth1 = client.authorize(challenge, 'REGISTER', 'sip:linegate.local')!;
    assert.equal(parseCredentials(auth1)?.nc, '00000001');
    assert.deepEqual(
      server.verify([auth1], 'REGISTER', (u) => (u === '201' ? 's3cret' : undefined)),
      {
        ok: true,
        username: '201',
      },
    );
    // The same Authorization again is a replay.
    const replay = server.verify([auth1], 'REGISTER', () => 's3cret');
    assert.ok(!replay.ok && replay.reason === 'replay');
    const auth2 = client.authorize(challenge, 'REGISTER', 'sip:linegate.local')!;
    assert.equal(parseCredentials(auth2)?.nc, '00000002');
    assert.ok(server.verify([auth2], 'REGISTER', () => 's3cret').ok);
    const wrong = new DigestClient({ username: '201', password: 'nope' }).authorize(
      challenge,
      'REGISTER',
      'sip:x',
    )!;
    const bad = server.verify([wrong], 'REGISTER', () => 's3cret');
    assert.ok(!bad.ok && bad.reason === 'mismatch');
  }
});

test('expired nonce with the right password gives stale=true; forged nonce is refused', () => {
  const clock = new FakeClock();
  const server = new DigestServer({ realm: 'r', clock, nonceLifetimeMs: 60_000 });
  const client = new DigestClient({ username: 'u', password: 'p' });
  const auth = client.authorize(server.challenges()[0]!, 'INVITE', 'sip:201@r')!;
  clock.advance(61_000);
  const v = server.verify([auth], 'INVITE', () => 'p');
  assert.ok(!v.ok && v.stale && v.reason === 'stale');
  assert.match(server.challenges(true)[0]!, /stale=true/);
  const other = new DigestServer({ realm: 'r', clock });
  const forged = client.authorize(other.challenges()[0]!, 'INVITE', 'sip:201@r')!;
  const f = server.verify([forged], 'INVITE', () => 'p');
  assert.ok(!f.ok && f.reason === 'nonce');
  assert.ok(!server.verify([], 'INVITE', () => 'p').ok);
  assert.ok(!server.verify(['NoOneKnowsThisScheme opaque-data=here'], 'INVITE', () => 'p').ok);
});

test('challenge parsing handles quoted commas and unknown algorithms', () => {
  const c = parseChallenge('Digest realm="a, b", nonce="n", qop="auth,auth-int", opaque="o", stale=TRUE');
  assert.deepEqual(c, {
    realm: 'a, b',
    nonce: 'n',
    algorithm: 'MD5',
    qop: ['auth', 'auth-int'],
    stale: true,
    opaque: 'o',
  });
  assert.equal(parseChallenge('Digest realm="a", nonce="n", algorithm=SHA-512-256'), undefined);
  assert.equal(parseChallenge('Basic realm="a"'), undefined);
});
