import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../drivers/base/clock.ts';
import { linearToUlaw } from '../g711/g711.ts';
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import { JitterBuffer } from './jitter-buffer.ts';
import { generateTrace } from './trace-generator.ts';

function tone(n: number, seq: number): Uint8Array {
  const out = new Uint8Array(160);
  for (let i = 0; i < 160; i++)
    out[i] = linearToUlaw(Math.round(8000 * Math.sin((2 * Math.PI * 400 * (n * 160 + i)) / 8000)));
  void seq;
  return out;
}

function pkt(
  n: number,
  opts: { seq0?: number; ts0?: number; ssrc?: number; payload?: Uint8Array } = {},
): RtpPacket {
  return {
    marker: false,
    payloadType: 0,
    sequenceNumber: ((opts.seq0 ?? 1000) + n) & 0xffff,
    timestamp: ((opts.ts0 ?? 5000) + n * 160) >>> 0,
    ssrc: opts.ssrc ?? 42,
    payload: opts.payload ?? tone(n, n),
  };
}

test('plays in order through reordering, drops duplicates and counts them', () => {
  const played: number[] = [];
  const jb = new JitterBuffer({ onPlayout: (p) => played.push(p.sequenceNumber) });
  const order = [0, 2, 1, 1, 3, 5, 4, 4, 6, 7];
  for (const [i, n] of order.entries()) jb.put(pkt(n), i * 20);
  for (let t = 200; t < 200 + 8 * 20; t += 20) jb.get(t);
  assert.deepEqual(played, [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
  const s = jb.stats();
  assert.equal(s.duplicates, 2);
  assert.equal(s.discarded, 2);
  assert.equal(s.lost, 0);
});

test('sequence and timestamp wrap are seamless', () => {
  const played: number[] = [];
  const jb = new JitterBuffer({ onPlayout: (p) => played.push(p.sequenceNumber) });
  for (let n = 0; n < 40; n++) {
    jb.put(pkt(n, { seq0: 65520, ts0: 0xffffffff - 160 * 10 }), n * 20);
    jb.get(n * 20);
  }
  assert.equal(played.length, 40);
  assert.equal(played[20], (65520 + 20) & 0xffff);
  const s = jb.stats();
  assert.equal(s.lost + s.late + s.discarded + s.resyncs, 0);
});

test('a lost packet is concealed with decaying audio and counted; the buffer does not grow', () => {
  const jb = new JitterBuffer();
  const kinds: string[] = [];
  const energies: number[] = [];
  let t = 0;
  for (let n = 0; n < 60; n++, t += 20) {
    if (n < 20 || n >= 26) jb.put(pkt(n), t);
    const f = jb.get(t);
    kinds.push(f.kind);
    energies.push(f.samples.reduce((a, v) => a + Math.abs(v), 0) / 160);
  }
  assert.deepEqual(kinds.slice(20, 26), [
    'concealed',
    'concealed',
    'concealed',
    'concealed',
    'concealed',
    'concealed',
  ]);
  assert.ok(energies[20]! > 1000, 'first concealed frame continues the tone');
  assert.ok(energies[23]! < energies[20]! * 0.5, 'fades');
  assert.equal(energies[25], 0, 'silent after 60 ms');
  const s = jb.stats();
  assert.equal(s.lost, 6);
  assert.equal(s.concealedMs, 120);
  assert.equal(s.late, 0);
  assert.ok(kinds.slice(26).every((k) => k === 'audio'));
});

test('DTX: a silence gap (timestamp jump, contiguous seq) is not loss and adds no delay', () => {
  const delays: number[] = [];
  const jb = new JitterBuffer({ onPlayout: (_p, a, p) => delays.push(p - a) });
  let t = 0;
  for (let n = 0; n < 30; n++, t += 20) {
    jb.put(pkt(n), t);
    jb.get(t);
  }
  for (let k = 0; k < 50; k++, t += 20) jb.get(t); // 1 s of silence
  for (let n = 0; n < 30; n++, t += 20) {
    jb.put({ ...pkt(n + 80), sequenceNumber: (1000 + 30 + n) & 0xffff }, t);
    jb.get(t);
  }
  const s = jb.stats();
  assert.equal(s.lost, 0);
  assert.equal(s.played, 60);
  assert.ok(Math.max(...delays) <= 20, `delays ${Math.max(...delays)}`);
});

test('delay spike: grows at once (no late loss), then shrinks by time compression', () => {
  const jb = new JitterBuffer();
  let next = 0;
  const arrivals = Array.from({ length: 400 }, (_, n) => {
    const send = n * 20;
    const spike = n >= 100 && n < 113 ? 260 - (send - 2000) : 0; // queue fills for 260 ms then drains
    return { n, at: send + 40 + spike };
  }).sort((a, b) => a.at - b.at);
  const delayAt: number[] = [];
  for (let t = 40; t < 40 + 400 * 20; t += 20) {
    while (next < arrivals.length && arrivals[next]!.at <= t)
      jb.put(pkt(arrivals[next]!.n), arrivals[next++]!.at);
    jb.get(t);
    delayAt.push(jb.stats().currentDelayMs);
  }
  const s = jb.stats();
  assert.equal(s.late, 0);
  assert.equal(s.played, 400);
  assert.ok(Math.max(...delayAt) >= 200, 'grew to cover the spike');
  assert.ok(s.accelerated >= 8, `shrank by compression (${s.accelerated})`);
  // back within one frame (20 ms) of the pre-spike delay within 2 s of the spike ending
  assert.ok(delayAt[113 + 100]! <= delayAt[90]! + 20, `delay after spike ${delayAt[113 + 100]}`);
});

test('timestamp restart and SSRC change re-anchor the timeline; one absurd packet is dropped', () => {
  const jb = new JitterBuffer();
  let t = 0;
  for (let n = 0; n < 50; n++, t += 20) {
    jb.put(pkt(n), t);
    jb.get(t);
  }
  jb.put({ ...pkt(50), timestamp: 0x12345678 }, t); // absurd: alone
  for (let n = 50; n < 60; n++, t += 20) {
    jb.put(pkt(n), t);
    jb.get(t);
  }
  for (let n = 0; n < 50; n++, t += 20) {
    jb.put(pkt(n, { seq0: 7, ts0: 999 }), t); // restart: new seq and timestamp base
    jb.get(t);
  }
  for (let n = 0; n < 50; n++, t += 20) {
    jb.put(pkt(n, { ssrc: 99, seq0: 3, ts0: 3 }), t);
    jb.get(t);
  }
  const s = jb.stats();
  assert.equal(s.resyncs, 2);
  assert.ok(s.played >= 158, `played ${s.played}`);
  assert.ok(s.discarded >= 1 && s.discarded <= 2, `discarded ${s.discarded}`);
  assert.ok(s.currentDelayMs <= 40);
});

test('±100 ppm drift: no late loss, delay stays bounded', () => {
  for (const driftPpm of [100, -100]) {
    const trace = generateTrace({
      seed: 3,
      durationMs: 120_000,
      driftPpm,
      jitter: { kind: 'lognormal', medianMs: 5, sigma: 0.5 },
    });
    const jb = new JitterBuffer({ timingOnly: true });
    let next = 0;
    let maxDelay = 0;
    for (let t = trace[0]!.arrivalMs; next < trace.length; t += 20) {
      while (next < trace.length && trace[next]!.arrivalMs <= t) {
        const r = trace[next++]!;
        jb.put(
          {
            marker: false,
            payloadType: 0,
            sequenceNumber: r.seq,
            timestamp: r.rtpTs,
            ssrc: 1,
            payload: new Uint8Array(0),
          },
          r.arrivalMs,
        );
      }
      jb.get(t);
      if (t > trace[0]!.arrivalMs + 5000) maxDelay = Math.max(maxDelay, jb.stats().currentDelayMs);
    }
    const s = jb.stats();
    assert.equal(s.late, 0, `drift ${driftPpm}`);
    assert.ok(maxDelay <= 120, `drift ${driftPpm}: max delay ${maxDelay}`);
  }
});

test('start-of-call burst is played down smoothly, not dropped', () => {
  const jb = new JitterBuffer({ timingOnly: true });
  for (let n = 0; n < 20; n++) jb.put(pkt(n), 0);
  let t = 0;
  const buffered: number[] = [];
  for (let n = 20; n < 320; n++, t += 20) {
    jb.get(t);
    jb.put(pkt(n), t + 20);
    buffered.push(jb.bufferedFrames);
  }
  const s = jb.stats();
  assert.equal(s.discarded, 0);
  assert.ok(buffered[buffered.length - 1]! <= 3, `buffered ${buffered[buffered.length - 1]}`);
  assert.ok(s.accelerated >= 15);
});

test('driven by an injected Clock: a 20 ms timer pulls frames', () => {
  const clock = new FakeClock();
  const jb = new JitterBuffer();
  const kinds: string[] = [];
  const timer = clock.setInterval(20, () => kinds.push(jb.get(clock.now()).kind));
  for (let n = 0; n < 10; n++) {
    jb.put(pkt(n), clock.now());
    clock.advance(20);
  }
  timer.cancel();
  assert.equal(kinds.length, 10);
  assert.equal(kinds.filter((k) => k === 'audio').length, 10);
  assert.equal(clock.pendingTimers, 0);
});

test('fixed mode prefetches and never compresses', () => {
  const jb = new JitterBuffer({ mode: 'fixed', prefetchFrames: 4, timingOnly: true });
  const kinds: string[] = [];
  for (let n = 0; n < 20; n++) {
    jb.put(pkt(n), n * 20);
    kinds.push(jb.get(n * 20).kind);
  }
  assert.deepEqual(kinds.slice(0, 4), ['empty', 'empty', 'empty', 'audio']);
  assert.equal(jb.stats().accelerated, 0);
});

test('garbage arrival time and non-G.711 payloads are handled without throwing', () => {
  const jb = new JitterBuffer();
  jb.put(pkt(0), Number.NaN);
  jb.put({ ...pkt(0), payloadType: 13, payload: new Uint8Array([40]) }, 0);
  const f = jb.get(0);
  assert.equal(f.kind, 'silence');
  assert.ok(f.samples.every((v) => v === 0));
});
