import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pduCommand } from './pdu-command.ts';

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await pduCommand.run(args, { stdout, stderr, stdin: new PassThrough() });
  return { code, out, err };
}

test('pdu decode prints the contract fields', async () => {
  const r = await run(['decode', '00062A0B919471214365F76210510103004062105101035040' + '00']);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.equal(json.type, 'SMS-STATUS-REPORT');
  assert.equal(json.status, 0);
  assert.equal(json.number, '+49171234567');
  for (const key of ['type', 'smsc', 'number', 'text', 'encoding', 'time', 'udh', 'status'])
    assert.ok(key in json);
});

test('pdu decode exits 1 with a clear message on a malformed PDU', async () => {
  const r = await run(['decode', 'AFSDSDF']);
  assert.equal(r.code, 1);
  assert.match(r.err, /malformed PDU: not a PDU/);
  const t = await run(['decode', '0001000D91945111325476F8000002']);
  assert.equal(t.code, 1);
  assert.match(t.err, /wrong UDL/);
  assert.equal(JSON.parse(t.out).number, '+4915112345678');
});

test('pdu encode prints a JSON array, one PDU per segment', async () => {
  const r = await run(['encode', '--to', '+49171234567', '--text', 'x'.repeat(200), '--report']);
  assert.equal(r.code, 0, r.err);
  const pdus = JSON.parse(r.out) as string[];
  assert.equal(pdus.length, 2);
  assert.match(pdus[0]!, /^0061/);
  const bad = await run(['encode', '--to', 'hello?', '--text', 'x']);
  assert.equal(bad.code, 1);
  assert.equal((await run(['encode', '--text', 'x'])).code, 2);
  assert.equal((await run(['--help'])).code, 0);
});
