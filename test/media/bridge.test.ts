import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AudioStream } from '../../drivers/audio/types.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { PortAudioBridge, RtpBridge } from '../../daemon/media/bridge/call-bridge.ts';
import { MediaLeg } from '../../daemon/media/bridge/media-leg.ts';
import { g711Encode } from '../../daemon/media/g711/g711.ts';
import { FramePacer } from '../../daemon/media/pacing/frame-pacer.ts';
import { RtpPortAllocator } from '../../daemon/media/rtp/port-allocator.ts';
import { RtpSession } from '../../daemon/media/rtp/rtp-session.ts';

const BASE = 32000 + (process.pid % 500) * 20;

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 15));
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond() && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 5));
}

/** Four sessions: phone X ↔ gateway leg A … gateway leg B ↔ phone Y. */
async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  lawA: 'ulaw' | 'alaw',
  lawB: 'ulaw' | 'alaw',
) {
  const clock = new FakeClock();
  const alloc = new RtpPortAllocator({ minPort: BASE, maxPort: BASE + 19, host: '127.0.0.1' });
  const [px, pa, pb, py] = [
    await alloc.allocate(),
    await alloc.allocate(),
    await alloc.allocate(),
    await alloc.allocate(),
  ];
  const mk = (sockets: typeof px, peer: typeof px) =>
    new RtpSession({
      clock,
      sockets,
      remote: { address: '127.0.0.1', port: peer.port },
      rtcpIntervalMs: 60_000,
    });
  const x = mk(px, pa);
  const a = mk(pa, px);
  const b = mk(pb, py);
  const y = mk(py, pb);
  for (const s of [x, a, b, y]) await s.start();
  const legA = new MediaLeg({ session: a, law: lawA });
  const legB = new MediaLeg({ session: b, law: lawB });
  const pacer = new FramePacer(clock);
  t.after(async () => {
    pacer.stop();
    for (const s of [x, a, b, y]) await s.stop();
    for (const p of [px, pa, pb, py]) alloc.release(p);
  });
  return { clock, x, y, legA, legB, pacer };
}

test('same codec: relay without transcoding keeps payload bytes and timestamp spacing', async (t) => {
  const { x, y, legA, legB, pacer } = await setup(t, 'ulaw', 'ulaw');
  const bridge = new RtpBridge(legA, legB, pacer);
  assert.equal(bridge.mode, 'relay');
  bridge.start();
  const got: { payload: number; ts: number }[] = [];
  y.on('packet', (p) => got.push({ payload: p.payload[3]!, ts: p.timestamp }));
  for (let i = 0; i < 5; i++)
    x.sendAudio(Uint8Array.from({ length: 160 }, (_, k) => (k === 3 ? 50 + i : 0x7f)));
  await until(() => got.length >= 5);
  assert.deepEqual(
    got.map((g) => g.payload),
    [50, 51, 52, 53, 54],
  );
  assert.ok(got.every((g, i) => i === 0 || (g.ts - got[i - 1]!.ts) >>> 0 === 160));
  bridge.stop();
});

test('PCMU ↔ PCMA: jitter buffer → decode → encode on pacer ticks, both directions', async (t) => {
  const { clock, x, y, legA, legB, pacer } = await setup(t, 'ulaw', 'alaw');
  const bridge = new RtpBridge(legA, legB, pacer);
  assert.equal(bridge.mode, 'transcode');
  bridge.start();
  pacer.start();
  const atY: number[] = [];
  const atX: number[] = [];
  y.on('packet', (p) => atY.push(p.payloadType));
  x.on('packet', (p) => atX.push(p.payloadType));
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  for (let i = 0; i < 10; i++) {
    x.sendAudio(g711Encode('ulaw', pcm), { payloadType: 0 });
    y.sendAudio(g711Encode('alaw', pcm), { payloadType: 8 });
    await settle();
    clock.advance(20);
  }
  await until(() => atY.length >= 9 && atX.length >= 9);
  assert.ok(atY.length >= 9 && atY.every((pt) => pt === 8), `${atY}`);
  assert.ok(atX.length >= 9 && atX.every((pt) => pt === 0), `${atX}`);
  assert.ok(legA.jitter.stats().played >= 8);
});

test('RTP ↔ port audio with port gain', async (t) => {
  const { clock, x, legA, pacer } = await setup(t, 'ulaw', 'ulaw');
  const written: Int16Array[] = [];
  const capture: { fn: ((f: Int16Array) => void) | null } = { fn: null };
  const stream: AudioStream = {
    write: (f) => written.push(f),
    onFrame: (h) => {
      capture.fn = h;
      return () => {
        capture.fn = null;
      };
    },
    close: async () => {},
  };
  const bridge = new PortAudioBridge(legA, stream, pacer, { portGainDb: -6 });
  bridge.start();
  pacer.start();
  const heard: number[] = [];
  x.on('packet', (p) => heard.push(p.payload[0]!));
  for (let i = 0; i < 5; i++) {
    capture.fn?.(new Int16Array(160).fill(8000));
    x.sendAudio(g711Encode('ulaw', new Int16Array(160).fill(1000)));
    await settle();
    clock.advance(20);
  }
  await until(() => heard.length >= 4);
  assert.ok(written.length === 5);
  assert.ok(
    written.slice(1).some((f) => Math.abs(f[0]! - 1000) < 40),
    'port hears the far end',
  );
  assert.ok(heard.length >= 4);
  const expected = g711Encode('ulaw', Int16Array.of(Math.round(8000 * 10 ** (-6 / 20))))[0];
  assert.equal(heard[0], expected, 'far end hears the port at −6 dB');
  bridge.stop();
});
