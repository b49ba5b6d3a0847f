import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { codecCommand } from '../../daemon/media/codec-command.ts';

async function run(args: string[], input: Buffer): Promise<{ code: number; out: Buffer; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => outChunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const code = await codecCommand.run(args, { stdin: Readable.from([input]), stdout, stderr });
  return { code, out: Buffer.concat(outChunks), err: Buffer.concat(errChunks).toString() };
}

test('codec encode/decode --law ulaw round-trips PCM through G.711', async () => {
  const pcm = Buffer.alloc(8);
  for (const [i, v] of [0, -1, 1000, -32768].entries()) pcm.writeInt16LE(v, i * 2);
  const enc = await run(['encode', '--law', 'ulaw'], pcm);
  assert.equal(enc.code, 0);
  assert.deepEqual([...enc.out], [0xff, 0x7f, 0xce, 0x00]);
  const dec = await run(['decode', '--law', 'ulaw'], enc.out);
  assert.equal(dec.code, 0);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => dec.out.readInt16LE(i * 2)),
    [0, 0, 988, -32124],
  );
});

test('codec alaw and bad usage', async () => {
  const enc = await run(['encode', '--law', 'alaw'], Buffer.from([0, 0]));
  assert.deepEqual([...enc.out], [0xd5]);
  assert.equal((await run(['encode', '--law', 'g729'], Buffer.alloc(0))).code, 2);
  assert.equal((await run(['transcode'], Buffer.alloc(0))).code, 2);
  const odd = await run(['encode', '--law', 'alaw'], Buffer.alloc(3));
  assert.equal(odd.code, 1);
  assert.match(odd.err, /odd number of bytes/);
});
