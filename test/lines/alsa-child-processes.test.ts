/**
 * The ALSA audio device with real child processes: stand-in `arecord` and
 * `aplay` scripts on PATH (this machine has no sound card) stream raw PCM
 * at the real rate, so pipes, framing, pacing, a crash with its stderr,
 * and the restart run for real. Real time, about one second.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlsaAudioDevice } from '../../drivers/audio/alsa-audio-device.ts';
import { SystemClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';

test('arecord/aplay children: capture frames, paced playback, crash reported with stderr, restart', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'linegate-alsa-'));
  const oldPath = process.env.PATH;
  t.after(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });
  // arecord: 10 ms of silence every 10 ms; the first run dies after ~200 ms like an unplugged card.
  writeFileSync(
    path.join(dir, 'arecord'),
    `#!/bin/sh
echo "$@" >> "${dir}/arecord.args"
n=0
while [ $n -lt 20 ] || [ -e "${dir}/second-run" ]; do
  head -c 160 /dev/zero
  sleep 0.01
  n=$((n+1))
done
touch "${dir}/second-run"
echo "arecord: main:831: audio open error: No such device" >&2
exit 1
`,
  );
  writeFileSync(path.join(dir, 'aplay'), `#!/bin/sh\nexec cat >> "${dir}/played.raw"\n`);
  chmodSync(path.join(dir, 'arecord'), 0o755);
  chmodSync(path.join(dir, 'aplay'), 0o755);
  process.env.PATH = `${dir}:${oldPath}`;

  const dev = new AlsaAudioDevice({
    name: 'fxs1',
    capture: 'plughw:CARD=fxs1,DEV=0',
    playback: 'plughw:CARD=fxs1,DEV=0',
    clock: new SystemClock(),
    logger: silentLogger(),
    restartDelayMs: 100,
  });
  const health: Array<string | null> = [];
  dev.onHealth((f) => health.push(f));
  const stream = await dev.open();
  let frames = 0;
  stream.onFrame((f) => {
    assert.equal(f.length, 160);
    frames++;
  });
  stream.write(new Int16Array(160).fill(1234));
  await sleep(700);
  await stream.close();
  await sleep(50);

  assert.match(
    readFileSync(path.join(dir, 'arecord.args'), 'utf8'),
    /-D plughw:CARD=fxs1,DEV=0 -t raw -f S16_LE -r 8000 -c 1/,
  );
  const played = readFileSync(path.join(dir, 'played.raw'));
  const samples = new Int16Array(played.buffer, played.byteOffset, Math.floor(played.length / 2));
  assert.ok(samples.includes(1234), 'the written frame reached aplay');
  assert.ok(frames >= 10, `captured ${frames} frames`);
  assert.match(
    String(health[0]),
    /arecord exited \(code 1\): arecord: main:831: audio open error: No such device/,
  );
  assert.equal(health[1], null, 'recovered once audio flowed again');
  assert.equal(dev.stats.restarts, 1);
  // Real time ~0.7 s = ~35 frame periods, plus the prefill of each start; never a runaway.
  assert.ok(dev.stats.playedFrames <= 50, `played ${dev.stats.playedFrames} frames`);
});
