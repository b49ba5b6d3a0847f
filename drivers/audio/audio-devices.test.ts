import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError } from '../base/errors.ts';
import { silentLogger } from '../base/logger.ts';
import { AlsaAudioDevice, type AudioChild } from './alsa-audio-device.ts';
import { FileAudioDevice } from './file-audio-device.ts';
import { MemoryAudioLink } from './memory-audio-link.ts';
import { encodeWav, parseWav, parseWav8kMono } from './wav-pcm.ts';

const frameOf = (value: number, n = 160) => new Int16Array(n).fill(value);

test('memory link carries frames both ways one period later, mixes writers, bounds queues', async () => {
  const clock = new FakeClock();
  const link = new MemoryAudioLink({ clock, names: ['port', 'phone'] });
  const port = await link.a.open();
  const port2 = await link.a.open();
  const phone = await link.b.open();
  const heardByPhone: number[] = [];
  const heardByPort: number[] = [];
  phone.onFrame((f) => heardByPhone.push(f[0] ?? 0));
  port.onFrame((f) => heardByPort.push(f[0] ?? 0));
  port.write(frameOf(100));
  port2.write(frameOf(23));
  phone.write(frameOf(-7));
  clock.advance(19);
  assert.deepEqual(heardByPhone, []);
  clock.advance(1);
  assert.deepEqual(heardByPhone, [123], 'two writers on one side are mixed');
  assert.deepEqual(heardByPort, [-7]);
  clock.advance(20);
  assert.deepEqual(heardByPhone, [123, 0], 'silence when nothing is queued');
  // A writer 1 s ahead: only the newest 10 frames (200 ms) are kept.
  for (let i = 1; i <= 50; i++) port.write(frameOf(i));
  clock.advance(20 * 12);
  assert.deepEqual(heardByPhone.slice(2), [41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 0, 0]);
  // Arbitrary write lengths are re-framed.
  port.write(frameOf(5, 100));
  port.write(frameOf(5, 60));
  clock.advance(20);
  assert.equal(heardByPhone.at(-1), 5);
  // 1000 s of audio keeps exactly 50 frames a second: no drift.
  const before = heardByPhone.length;
  clock.advance(1_000_000);
  assert.equal(heardByPhone.length - before, 50_000);
  await port.close();
  await port2.close();
  await phone.close();
  assert.equal(clock.pendingTimers, 0, 'no timer left once every stream is closed');
  link.close();
});

test('WAV: round trip, 8 kHz mono check and clear errors on bad files', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
  const wav = encodeWav(samples);
  assert.deepEqual([...parseWav8kMono(wav)], [...samples]);
  assert.throws(
    () => parseWav8kMono(Buffer.from('RIFF....WAVE')),
    (e) => isLinegateError(e, 'WAV_INVALID'),
  );
  assert.throws(
    () => parseWav8kMono(Buffer.from('hello')),
    (e) => isLinegateError(e, 'WAV_INVALID'),
  );
  const at16k = encodeWav(samples, 16000);
  assert.equal(parseWav(at16k).sampleRateHz, 16000);
  assert.throws(() => parseWav8kMono(at16k), /16000 Hz/);
  const eightBit = Buffer.from(wav);
  eightBit.writeUInt16LE(8, 34);
  assert.throws(() => parseWav8kMono(eightBit), /16-bit PCM/);
});

test('file device captures its input paced by the clock and writes what it played', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'linegate-audio-'));
  try {
    const clock = new FakeClock();
    const out = path.join(dir, 'out.wav');
    const dev = new FileAudioDevice({
      clock,
      input: Int16Array.from({ length: 400 }, (_, i) => i),
      outputWav: out,
    });
    const s = await dev.open();
    const got: number[] = [];
    s.onFrame((f) => got.push(f[0] ?? 0, f[159] ?? 0));
    s.write(frameOf(9));
    clock.advance(60);
    assert.deepEqual(got, [0, 159, 160, 319, 320, 0]);
    await s.close();
    const played = parseWav8kMono(readFileSync(out));
    assert.equal(played.length, 480);
    assert.equal(played[0], 9);
    assert.equal(played[200], 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

class FakeChild extends EventEmitter implements AudioChild {
  stdin = new PassThrough();
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed = false;
  readonly written: Buffer[] = [];
  constructor(
    readonly command: string,
    readonly args: string[],
  ) {
    super();
    this.stdin.on('data', (d: Buffer) => this.written.push(d));
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

function alsaHarness(options: { targetLatencyFrames?: number } = {}) {
  const clock = new FakeClock();
  const children: FakeChild[] = [];
  const dev = new AlsaAudioDevice({
    name: 'fxs1',
    capture: 'plughw:CARD=fxs1,DEV=0',
    playback: 'plughw:CARD=fxs1,DEV=0',
    clock,
    logger: silentLogger(),
    txGainDb: 6,
    spawn: (command, args) => {
      const c = new FakeChild(command, args);
      children.push(c);
      return c;
    },
    ...options,
  });
  return { clock, children, dev };
}

const pcmBytes = (frame: Int16Array) => {
  const b = Buffer.alloc(frame.length * 2);
  for (let i = 0; i < frame.length; i++) b.writeInt16LE(frame[i] ?? 0, i * 2);
  return b;
};
const tick = () => new Promise<void>((r) => setImmediate(r));

test('ALSA device runs arecord/aplay with raw 8 kHz S16_LE and small periods, applies gain', async () => {
  const { clock, children, dev } = alsaHarness();
  const s = await dev.open();
  const [rec, play] = children;
  assert.ok(rec && play);
  assert.equal(rec.command, 'arecord');
  assert.equal(play.command, 'aplay');
  assert.deepEqual(rec.args, [
    '-q',
    '-D',
    'plughw:CARD=fxs1,DEV=0',
    '-t',
    'raw',
    '-f',
    'S16_LE',
    '-r',
    '8000',
    '-c',
    '1',
    '--period-time=10000',
    '--buffer-time=40000',
  ]);
  const frames: Int16Array[] = [];
  s.onFrame((f) => frames.push(f));
  // Capture arrives in odd-sized chunks and is re-framed.
  const data = pcmBytes(frameOf(42, 400));
  rec.stdout.write(data.subarray(0, 100));
  rec.stdout.write(data.subarray(100));
  await tick();
  assert.equal(frames.length, 2);
  assert.equal(frames[1]?.[159], 42);
  s.write(frameOf(1000));
  clock.advance(20);
  await tick();
  const played = Buffer.concat(play.written);
  assert.equal(played.length, 3 * 320, 'two prefill frames plus one tick');
  assert.equal(played.readInt16LE(2 * 320), 1995, '+6 dB on playback');
  await s.close();
  assert.ok(rec.killed && play.killed);
  assert.equal(clock.pendingTimers, 0);
});

for (const [label, cardPpm] of [
  ['card slower than our clock', -4000],
  ['card faster than our clock', +4000],
] as const) {
  test(`ALSA playback latency holds steady over 5 minutes with the ${label}`, async () => {
    const { clock, children, dev } = alsaHarness();
    const s = await dev.open();
    const [rec] = children;
    assert.ok(rec);
    // The card captures at its own pace: one frame every 20 ms * (1 - ppm).
    const cardFrameMs = 20 / (1 + cardPpm / 1e6);
    let cardTimeMs = 0;
    let maxAhead = 0;
    for (let t = 0; t < 300_000; t += 20) {
      clock.advance(20);
      while (cardTimeMs + cardFrameMs <= clock.now()) {
        cardTimeMs += cardFrameMs;
        rec.stdout.write(pcmBytes(frameOf(0)));
      }
      if (t % 4000 === 0) await tick();
      maxAhead = Math.max(maxAhead, dev.stats.playedFrames - dev.stats.capturedFrames);
    }
    await tick();
    const ahead = dev.stats.playedFrames - dev.stats.capturedFrames;
    assert.ok(Math.abs(ahead - 2) <= 3, `frames in the card stay near target (now ${ahead})`);
    assert.ok(maxAhead <= 6, `never more than 6 frames queued (max ${maxAhead})`);
    // 4000 ppm over 300 s = 1.2 s = ~60 frames corrected.
    const corrected = cardPpm < 0 ? dev.stats.droppedFrames : dev.stats.insertedFrames;
    assert.ok(corrected >= 50 && corrected <= 70, `~60 frames corrected, got ${corrected}`);
    await s.close();
  });
}

test('ALSA device: a dead child marks it failed, restarts with backoff, reports recovery', async () => {
  const { clock, children, dev } = alsaHarness();
  const health: Array<string | null> = [];
  dev.onHealth((f) => health.push(f));
  const s = await dev.open();
  children[0]?.stderr.write('arecord: main:831: audio open error: No such device\n');
  await tick();
  children[0]?.emit('exit', 1, null);
  assert.equal(health.length, 1);
  assert.match(
    health[0] ?? '',
    /arecord exited \(code 1\): arecord: main:831: audio open error: No such device/,
  );
  assert.ok(children[1]?.killed, 'the partner aplay is stopped too');
  clock.advance(999);
  assert.equal(children.length, 2);
  clock.advance(1);
  assert.equal(children.length, 4, 'restarted after 1 s');
  assert.equal(health.length, 1, 'not recovered until audio flows');
  children[2]?.stdout.write(pcmBytes(frameOf(0)));
  await tick();
  assert.equal(health.at(-1), null, 'recovered');
  children[3]?.emit('exit', null, 'SIGKILL');
  children[2]?.emit('exit', 0, null); // a stale exit is ignored
  clock.advance(1000);
  assert.equal(children.length, 4, 'second restart waits 2 s');
  clock.advance(1000);
  assert.equal(children.length, 6);
  await s.close();
  assert.equal(clock.pendingTimers, 0);
});
