import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rfc4475Verdict } from './rfc4475-verdict.ts';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures/sip/rfc4475');

interface Case {
  file: string;
  verdict: string;
}

const expectations = JSON.parse(readFileSync(join(FIXTURES, 'expectations.json'), 'utf8')) as {
  cases: Case[];
};

/** Which of our outcomes satisfies each RFC 4475 verdict. */
function satisfies(expected: string, ours: { parsed: boolean; status: number | null }): boolean {
  if (expected === 'accept' || expected === 'accept-parse' || expected === 'accept-parse-then-drop') {
    return ours.parsed;
  }
  if (expected === 'reject') return !ours.parsed || (ours.status !== null && ours.status >= 400);
  if (expected === 'reject-or-tolerate') return true;
  const m = /^parse-then-(\d{3})$/.exec(expected);
  if (m) return ours.parsed && ours.status === Number(m[1]);
  return false;
}

/** Verdicts where RFC 4475 names a specific answer we must give. */
const EXACT_STATUS: Record<string, number | null> = {
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 501,
  'intmeth.dat': 501,
  'esc02.dat': 501,
  'bigcode.dat': null,
  'scalarlg.dat': null,
};

test('every fixture file has an expectation', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.dat'));
  assert.equal(files.length, 50);
  for (const f of files)
    assert.ok(
      expectations.cases.some((c) => c.file === f),
      f,
    );
});

for (const c of expectations.cases) {
  test(`RFC 4475 ${c.file}: ${c.verdict}`, () => {
    const bytes = readFileSync(join(FIXTURES, c.file));
    const ours = rfc4475Verdict(bytes);
    assert.ok(satisfies(c.verdict, ours), `${c.file}: expected ${c.verdict}, ours ${JSON.stringify(ours)}`);
    if (c.file in EXACT_STATUS) assert.equal(ours.status, EXACT_STATUS[c.file], c.file);
    if (!ours.parsed) assert.ok(ours.reason.length > 0, 'a parse error carries a reason');
  });
}
