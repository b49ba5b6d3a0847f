import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CallRecorder } from '../../daemon/media/recorder/call-recorder.ts';
import { decodeWav } from '../../daemon/media/wav/wav.ts';

test('a stereo call recording decodes with the WAV reader, one leg per channel', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linegate-rec-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'call.wav');
  const rec = new CallRecorder({ path, channels: 2 });
  await rec.start();
  for (let k = 0; k < 10; k++) rec.write(new Int16Array(160).fill(k * 10), new Int16Array(160).fill(-k * 10));
  await rec.close();
  const audio = decodeWav(await readFile(path));
  assert.equal(audio.sampleRateHz, 8000);
  assert.equal(audio.channels.length, 2);
  assert.equal(audio.channels[0]!.length, 1600);
  assert.equal(audio.channels[0]![170], 10);
  assert.equal(audio.channels[1]![170], -10);
});
