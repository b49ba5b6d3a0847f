import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pjmediaScenarios, runPjmediaScenario } from './pjmedia-scenarios.ts';

// Event counts as published with each pjmedia scenario (Jbtest.dat): our regenerated strings keep them.
const PUBLISHED_COUNTS: Record<string, Record<string, number>> = {
  'Ideal condition': { P: 60, G: 60 },
  DTX: { P: 60, G: 80 },
  'Regular burst (three gets three puts)': { P: 72, G: 72 },
  'Random burst (no drift)': { P: 1560, G: 1560 },
  'Random burst (with drift, PUT > GET)': { P: 1088, G: 1020 },
  'Random burst (with drift, PUT < GET)': { P: 990, G: 1056 },
  'Packet lost': { P: 83, G: 90, L: 7 },
  'Sequence restart': { P: 180, G: 180, R: 1 },
  'Duplicated frames': { P: 40, G: 40, D: 40 },
  'Late frames': { P: 122, G: 126, L: 4, O: 4 },
  'PUT burst at the beginning': { P: 825, G: 775 },
  'Fixed mode prefetch 5, with two empty events': { P: 50, G: 56 },
  'Fixed mode prefetch 5, with random burst': { P: 240, G: 240 },
  'Fixed mode prefetch 10, PUT burst at the beginning': { P: 400, G: 350 },
  'Large PUT burst at beginning, then normal with burst level 10 and periodic burst spikes': {
    P: 3850,
    G: 3650,
  },
};

const scenarios = pjmediaScenarios();

test('all 15 scenarios, with the published event counts', () => {
  assert.equal(scenarios.length, 15);
  for (const s of scenarios) {
    const counts: Record<string, number> = {};
    for (const e of s.events) counts[e] = (counts[e] ?? 0) + 1;
    assert.deepEqual(counts, PUBLISHED_COUNTS[s.title], s.title);
  }
});

for (const s of scenarios) {
  test(`pjmedia bounds: ${s.title}`, () => {
    const r = runPjmediaScenario(s);
    const b = s.bounds;
    if (b.discard !== undefined) assert.ok(r.discard <= b.discard, `discard ${r.discard} > ${b.discard}`);
    if (b.lost !== undefined) assert.ok(r.lost <= b.lost, `lost ${r.lost} > ${b.lost}`);
    if (b.empty !== undefined) assert.ok(r.empty <= b.empty, `empty ${r.empty} > ${b.empty}`);
    if (b.delay !== undefined) assert.ok(r.delay <= b.delay, `delay ${r.delay} > ${b.delay}`);
    if (b.delayMin !== undefined)
      assert.ok(r.delayMin <= b.delayMin, `delay_min ${r.delayMin} > ${b.delayMin}`);
  });
}
