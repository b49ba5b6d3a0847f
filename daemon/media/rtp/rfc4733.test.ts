import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTelephoneEvent, digitToEvent, planTelephoneEvent, TelephoneEventReceiver } from './rfc4733.ts';

test('plan: marker on the first packet, growing duration, end packet three times', () => {
  const plan = planTelephoneEvent(digitToEvent('#')!, 100, { intervalMs: 20 });
  assert.equal(plan.length, 5 + 3);
  assert.equal(plan[0]!.marker, true);
  assert.ok(plan.slice(1).every((p) => !p.marker));
  const decoded = plan.map((p) => decodeTelephoneEvent(p.payload)!);
  assert.deepEqual(
    decoded.map((d) => d.duration),
    [160, 320, 480, 640, 800, 800, 800, 800],
  );
  assert.deepEqual(
    decoded.map((d) => d.end),
    [false, false, false, false, false, true, true, true],
  );
  assert.ok(decoded.every((d) => d.event === 11 && d.volume === 10));
  assert.deepEqual(
    plan.map((p) => p.atMs),
    [0, 20, 40, 60, 80, 100, 120, 140],
  );
});

test('receiver: one start and one end per event despite duplicates and triple ends', () => {
  const rx = new TelephoneEventReceiver();
  const plan = planTelephoneEvent(5, 120);
  const seen: string[] = [];
  let t = 0;
  for (const p of [...plan, plan[2]!, plan[plan.length - 1]!]) {
    t += 20;
    const r = rx.onPacket(1000, p.payload, t);
    if (r.started) seen.push(`start ${r.started.digit}`);
    if (r.ended) seen.push(`end ${r.ended.digit} ${r.ended.durationMs}`);
  }
  assert.deepEqual(seen, ['start 5', 'end 5 120']);
  assert.ok(rx.ignored >= 3);
});

test('receiver: lost start and lost ends still give the digit; garbage ignored', () => {
  const rx = new TelephoneEventReceiver();
  const plan = planTelephoneEvent(1, 100);
  const r1 = rx.onPacket(500, plan[2]!.payload, 0); // first two lost
  assert.equal(r1.started?.digit, '1');
  rx.onPacket(500, plan[3]!.payload, 20);
  assert.equal(rx.expire(100), null);
  const ended = rx.expire(300);
  assert.equal(ended?.digit, '1');
  assert.deepEqual(rx.onPacket(900, Uint8Array.of(1, 2), 0), {});
  assert.deepEqual(rx.onPacket(900, Uint8Array.of(200, 0, 0, 0), 0), {});
  // A new event (new timestamp) closes one whose end never came.
  rx.onPacket(1000, planTelephoneEvent(2, 60)[0]!.payload, 0);
  const next = rx.onPacket(2000, planTelephoneEvent(3, 60)[0]!.payload, 100);
  assert.equal(next.ended?.digit, '2');
  assert.equal(next.started?.digit, '3');
});
