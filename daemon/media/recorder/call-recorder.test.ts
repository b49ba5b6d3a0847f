import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyRetention, CallRecorder } from './call-recorder.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linegate-rec-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('stereo recording: one leg per channel, header sizes patched at close', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'call.wav');
  const rec = new CallRecorder({ path, channels: 2 });
  await rec.start();
  for (let k = 0; k < 50; k++)
    rec.write(new Int16Array(160).fill(1000), k % 2 ? null : new Int16Array(160).fill(-2000));
  await rec.close();
  await rec.close();
  const buf = await readFile(path);
  assert.equal(buf.toString('ascii', 0, 4), 'RIFF');
  assert.equal(buf.readUInt32LE(4), buf.length - 8);
  assert.equal(buf.readUInt16LE(22), 2);
  assert.equal(buf.readUInt32LE(24), 8000);
  assert.equal(buf.readUInt32LE(40), 50 * 160 * 4);
  assert.equal(buf.readInt16LE(44), 1000); // left = leg A
  assert.equal(buf.readInt16LE(46), -2000); // right = leg B
  assert.equal(buf.readInt16LE(44 + 160 * 4 + 2), 0); // leg B missing on odd ticks: silence
});

test('size limit stops writing and leaves a valid file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'short.wav');
  const rec = new CallRecorder({ path, channels: 1, maxBytes: 44 + 320 * 10 });
  await rec.start();
  for (let k = 0; k < 100; k++) rec.write(new Int16Array(160).fill(k));
  await rec.close();
  assert.equal(rec.truncated, true);
  const buf = await readFile(path);
  assert.equal(buf.length, 44 + 3200);
  assert.equal(buf.readUInt32LE(40), 3200);
});

test('retention keeps the newest N and drops too-old files', async (t) => {
  const dir = await tempDir(t);
  const now = Date.now();
  for (let i = 0; i < 5; i++) {
    const p = join(dir, `r${i}.wav`);
    await writeFile(p, 'x');
    const when = (now - (5 - i) * 60_000) / 1000;
    await utimes(p, when, when);
  }
  await writeFile(join(dir, 'notes.txt'), 'keep');
  assert.deepEqual((await applyRetention(dir, { maxFiles: 3 })).sort(), ['r0.wav', 'r1.wav']);
  assert.deepEqual(await applyRetention(dir, { maxAgeMs: 150_000, nowMs: now }), ['r2.wav']);
  assert.ok((await stat(join(dir, 'notes.txt'))).isFile());
});
