import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeComfortNoise, fillComfortNoise, parseComfortNoise } from './comfort-noise.ts';

test('CN level round-trips and noise has the requested RMS', () => {
  assert.equal(parseComfortNoise(encodeComfortNoise(40)), 40);
  assert.equal(parseComfortNoise(new Uint8Array(0)), null);
  const out = new Int16Array(8000);
  fillComfortNoise(out, 40);
  const rms = Math.sqrt(out.reduce((a, v) => a + v * v, 0) / out.length);
  const dbov = 20 * Math.log10(rms / 32767);
  assert.ok(Math.abs(dbov + 40) < 0.5, `${dbov}`);
});
