import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { HookSwitchDecoder } from './hook-switch-decoder.ts';

/** Deterministic PRNG (mulberry32) so a failing jitter case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function harness() {
  const clock = new FakeClock();
  const events: string[] = [];
  const decoder = new HookSwitchDecoder(clock, {
    offHook: () => events.push(`off@${clock.now()}`),
    onHook: () => events.push(`on@${clock.now()}`),
    flash: () => events.push('flash'),
    digit: (d) => events.push(`digit ${d}`),
    dialError: (r) => events.push(`error ${r}`),
  });
  /** Plays level changes given as [timeMs, level] at those clock times. */
  const play = (steps: Array<[number, 0 | 1]>) => {
    for (const [t, level] of steps) {
      clock.advance(t - clock.now());
      decoder.edge(level, t);
    }
  };
  return { clock, events, decoder, play };
}

/**
 * Edges of a dialled number at `pps` with the given break share, each edge
 * moved by up to ±jitterMs. A contact cannot reverse faster than ~10 ms, so
 * intervals are kept ≥ 10 ms after jitter.
 */
function dialEdges(
  digits: string,
  startMs: number,
  pps: number,
  breakShare: number,
  jitterMs: number,
  rand: () => number,
): Array<[number, 0 | 1]> {
  const periodMs = 1000 / pps;
  const ideal: Array<[number, 0 | 1]> = [];
  let t = startMs;
  for (const d of digits) {
    const pulses = d === '0' ? 10 : Number(d);
    for (let i = 0; i < pulses; i++) {
      ideal.push([t, 0]);
      ideal.push([t + periodMs * breakShare, 1]);
      t += periodMs;
    }
    t += 700; // interdigit pause of a rotary dial
  }
  const out: Array<[number, 0 | 1]> = [];
  let prev = startMs - 1000;
  for (const [time, level] of ideal) {
    const jittered = Math.max(prev + 10, time + (rand() * 2 - 1) * jitterMs);
    out.push([Math.round(jittered * 10) / 10, level]);
    prev = jittered;
  }
  return out;
}

test('off-hook is confirmed after 20 ms, a shorter closure is ignored', () => {
  const { events, play, clock } = harness();
  play([
    [100, 1],
    [115, 0],
    [200, 1],
  ]);
  clock.advance(50);
  assert.deepEqual(events, ['off@220']);
});

for (const [pps, breakShare] of [
  [10, 0.6],
  [10, 0.67],
  [20, 0.6],
  [20, 0.67],
] as const) {
  test(`pulse dialling at ${pps} pps (${Math.round(breakShare * 100)}% break) with ±10 ms edge jitter decodes every digit`, () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { events, play, clock } = harness();
      play([[0, 1]]);
      clock.advance(500);
      const number = seed % 2 ? '2019384756' : '0123456789';
      play(dialEdges(number, 1000, pps, breakShare, 10, prng(seed)));
      clock.advance(1000);
      const digits = events.filter((e) => e.startsWith('digit') || e.startsWith('error'));
      assert.deepEqual(
        digits,
        [...number].map((d) => `digit ${d}`),
        `seed ${seed}`,
      );
    }
  });
}

test('the slowest and fastest accepted speeds decode: 8, 12, 18 and 22 pps', () => {
  for (const pps of [8, 12, 18, 22]) {
    const { events, play, clock } = harness();
    play([[0, 1]]);
    play(dialEdges('7', 1000, pps, 0.62, 0, prng(1)));
    clock.advance(1000);
    assert.deepEqual(events.slice(1), ['digit 7'], `${pps} pps`);
  }
});

test('a dial at 15 pps or with a 90/10 ratio is reported, not decoded as a wrong digit', () => {
  const slow = harness();
  slow.play([[0, 1]]);
  slow.play(dialEdges('8', 1000, 15, 0.6, 0, prng(1)));
  slow.clock.advance(1000);
  assert.match(slow.events[1] ?? '', /^error dial speed 15\.0 pulses\/s is outside 8-12 or 18-22/);
  const ratio = harness();
  ratio.play([[0, 1]]);
  ratio.play(dialEdges('9', 1000, 10, 0.9, 0, prng(1)));
  ratio.clock.advance(1000);
  assert.match(ratio.events[1] ?? '', /^error break\/make ratio 90\/10/);
  // After an error the decoder is ready for the next digit.
  ratio.play(dialEdges('3', 3000, 10, 0.6, 0, prng(1)));
  ratio.clock.advance(1000);
  assert.equal(ratio.events.at(-1), 'digit 3');
});

test('flash vs hang-up boundaries: 99 ms pulse, 100 ms and 800 ms flash, 801 ms hang-up', () => {
  const cases: Array<[number, string[]]> = [
    [7, []],
    [99, ['digit 1']],
    [100, ['flash']],
    [450, ['flash']],
    [800, ['flash']],
    [801, ['on@1801', 'off@1821']],
    [3000, ['on@1830', 'off@4020']],
  ];
  for (const [breakMs, expected] of cases) {
    const { events, play, clock } = harness();
    play([[0, 1]]);
    play([
      [1000, 0],
      [1000 + breakMs, 1],
    ]);
    clock.advance(2000);
    assert.deepEqual(events.slice(1), expected, `break of ${breakMs} ms`);
  }
});

test('hang-up during a pulse train drops the partial digit; a flash after pulses ends the digit first', () => {
  const a = harness();
  a.play([[0, 1]]);
  a.play([
    [1000, 0],
    [1060, 1],
    [1100, 0],
  ]);
  a.clock.advance(2000);
  assert.deepEqual(a.events.slice(1), ['on@1930']);
  const b = harness();
  b.play([[0, 1]]);
  b.play([
    [1000, 0],
    [1060, 1],
    [1100, 0],
    [1160, 1],
    [1200, 0],
    [1500, 1],
  ]);
  b.clock.advance(2000);
  assert.deepEqual(b.events.slice(1), ['digit 2', 'flash']);
});

test('while ringing, the ring trip needs 50 ms of off-hook so ring-current chatter does not answer', () => {
  const { events, play, clock, decoder } = harness();
  decoder.setRinging(true);
  play([
    [0, 1],
    [30, 0],
    [100, 1],
  ]);
  clock.advance(100);
  assert.deepEqual(events, ['off@150']);
});
