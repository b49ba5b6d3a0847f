import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eModel, mosFromR } from './e-model.ts';

test('G.711 with no loss and short delay: R 93.2, MOS 4.41 (G.107 defaults)', () => {
  const r = eModel({ oneWayDelayMs: 50, packetLossPct: 0 });
  assert.equal(r.rFactor, 93.2);
  assert.equal(r.mos, 4.41);
});

test('loss and delay lower R as G.107/G.113 say', () => {
  // Ie-eff = 95·2/(2+25.1) = 7.01 for 2 % random loss with PLC.
  assert.ok(Math.abs(eModel({ oneWayDelayMs: 50, packetLossPct: 2 }).ieEff - 7.011) < 0.01);
  // Without PLC loss hurts far more.
  assert.ok(eModel({ oneWayDelayMs: 50, packetLossPct: 2, plc: false }).rFactor < 65);
  // 400 ms one way: Idd = 25·((1+2⁶)^⅙ − 3(1+(2/3)⁶)^⅙ + 2) ≈ 24.07.
  assert.ok(Math.abs(eModel({ oneWayDelayMs: 400, packetLossPct: 0 }).id - 24.07) < 0.01);
  assert.equal(mosFromR(0), 1);
  assert.equal(mosFromR(100), 4.5);
  assert.ok(mosFromR(70) > 3.5 && mosFromR(70) < 3.7);
});
