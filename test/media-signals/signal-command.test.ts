import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { signalCommand } from '../../daemon/media/signal-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'linegate-signal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  const code = await signalCommand.run(args, { stdout, stderr, stdin: new PassThrough() });
  return { code, stdout: out, stderr: err };
}

test('generate --dtmf then detect gives the digits back', async () => {
  const file = join(dir, 'dtmf.wav');
  assert.equal((await run('generate', '--out', file, '--dtmf', '159#')).code, 0);
  const r = await run('detect', file);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { dtmf: '159#', tones: [], callerId: null });
});

test('generate caller ID in each standard then detect it', async () => {
  for (const standard of ['bell', 'etsi', 'dtmf']) {
    const file = join(dir, `cid-${standard}.wav`);
    const g = await run(
      'generate',
      '--out',
      file,
      '--cid-number',
      '5551234567',
      '--cid-name',
      'ADA',
      '--cid-standard',
      standard,
    );
    assert.equal(g.code, 0, g.stderr);
    const r = JSON.parse((await run('detect', file)).stdout);
    assert.equal(r.callerId.standard, standard);
    assert.equal(r.callerId.number, '5551234567');
    assert.equal(r.callerId.checksumOk, true);
    if (standard !== 'dtmf') assert.equal(r.callerId.name, 'ADA');
  }
});

test('generate a tone then detect it with its country', async () => {
  const file = join(dir, 'busy.wav');
  assert.equal((await run('generate', '--out', file, '--tone', 'busy', '--country', 'us')).code, 0);
  const r = JSON.parse((await run('detect', file)).stdout);
  assert.deepEqual(r.tones, [{ name: 'busy', country: 'us', startMs: 0 }]);
  const uk = join(dir, 'ring.wav');
  assert.equal((await run('generate', '--out', uk, '--tone', 'ring', '--country', 'uk')).code, 0);
  const ring = JSON.parse((await run('detect', uk, '--country', 'uk')).stdout);
  assert.equal(ring.tones.at(-1).name, 'ringback');
  assert.equal(ring.tones.at(-1).country, 'uk');
});

test('errors: malformed WAV and missing file exit 1, usage mistakes exit 2, --help exits 0', async () => {
  const bad = join(dir, 'bad.wav');
  writeFileSync(bad, 'RIFF0000WAVEjunk');
  const r = await run('detect', bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid WAV/);
  assert.equal((await run('detect', join(dir, 'missing.wav'))).code, 1);
  assert.equal((await run('generate', '--out', join(dir, 'x.wav'), '--dtmf', '12X')).code, 1);
  assert.equal(
    (await run('generate', '--out', join(dir, 'x.wav'), '--tone', 'busy', '--country', 'zz')).code,
    1,
  );
  assert.equal(
    (await run('generate', '--out', join(dir, 'x.wav'), '--tone', 'nope', '--country', 'us')).code,
    1,
  );
  assert.equal((await run('generate', '--dtmf', '1')).code, 2);
  assert.equal((await run('generate', '--out', 'x.wav', '--dtmf', '1', '--tone', 'busy')).code, 2);
  assert.equal((await run('frobnicate')).code, 2);
  assert.equal((await run('detect', '--bogus', 'x')).code, 2);
  const help = await run('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /signal detect FILE\.wav/);
});
