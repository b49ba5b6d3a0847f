import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { README, renderReadme } from './gen-docs.ts';

it('the README configuration reference matches the schema (run `npm run docs`)', () => {
  const text = readFileSync(README, 'utf8');
  assert.equal(renderReadme(text), text);
});
