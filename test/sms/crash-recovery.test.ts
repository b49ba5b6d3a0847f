/**
 * SIGKILL at random moments while inbound and outbound SMS flow, then a
 * final run to completion. Checks that nothing is lost and nothing is
 * duplicated by idempotency key (message text) in SQLite, and counts the raw
 * re-deliveries to the outside (the at-least-once window between a modem or
 * broker accepting and our commit). LINEGATE_SMS_KILL_COUNT=1000 for the big run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';

const count = Number(process.env.LINEGATE_SMS_KILL_COUNT ?? 100);
const kills = Number(process.env.LINEGATE_SMS_KILLS ?? 2);
const worker = new URL('./crash-worker.ts', import.meta.url).pathname;

function run(dataDir: string, mode: 'run' | 'finish', killAfterMs?: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dataDir, String(count), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let killTimer: NodeJS.Timeout | undefined;
    // The kill delay counts from the worker's "ready" line, so it lands in the busy part.
    child.stdout.once('data', () => {
      if (killAfterMs !== undefined) killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      clearTimeout(limit);
      if (signal === null && code !== 0) reject(new Error(`worker failed (${code}): ${stderr}`));
      else resolve(code);
    });
  });
}

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

test(`SIGKILL ${kills} times during ${count} inbound + ${count} outbound SMS: nothing lost or duplicated`, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'linegate-sms-kill-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const progress: string[] = [];
  for (let k = 0; k < kills; k++) {
    await run(dataDir, 'run', Math.floor(Math.random() * Math.min(count * 12, 1500)));
    const simFile = join(dataDir, 'sim.json');
    const sim = existsSync(simFile)
      ? (JSON.parse(readFileSync(simFile, 'utf8')) as { next: number })
      : { next: 0 };
    progress.push(`${sim.next}in/${lines(join(dataDir, 'sent.log')).length}out`);
  }
  const finishCode = await run(dataDir, 'finish');
  assert.equal(finishCode, 0);

  const db = new Database(join(dataDir, 'linegate.db'), { readonly: true });
  t.after(() => db.close());
  const outRows = db.prepare('SELECT text, status FROM sms_out').all() as { text: string; status: string }[];
  const inRows = db.prepare('SELECT text, complete FROM sms_in').all() as {
    text: string;
    complete: number;
  }[];
  const expectedOut = Array.from({ length: count }, (_, i) => `out-${i}`);
  const expectedIn = Array.from({ length: count }, (_, i) => `in-${i}`);

  // SQLite: each message exactly once.
  assert.deepEqual(outRows.map((r) => r.text).sort(), [...expectedOut].sort());
  assert.ok(outRows.every((r) => r.status === 'sent'));
  assert.deepEqual(inRows.map((r) => r.text.split(' ')[0]).sort(), [...expectedIn].sort());
  assert.ok(inRows.every((r) => r.complete === 1));

  // Outside world: every message arrived; duplicates counted (at-least-once window).
  const sent = lines(join(dataDir, 'sent.log'));
  const events = lines(join(dataDir, 'events.log'));
  assert.deepEqual([...new Set(sent)].sort(), [...expectedOut].sort());
  const eventTexts = events.map((l) => l.split(' ')[1]!);
  assert.deepEqual([...new Set(eventTexts)].sort(), [...expectedIn].sort());
  // Re-deliveries carry the same message id, so a consumer dedupes them.
  const eventIds = new Map<string, Set<string>>();
  for (const l of events) {
    const [id, text] = l.split(' ') as [string, string];
    eventIds.set(text, (eventIds.get(text) ?? new Set()).add(id));
  }
  assert.ok(
    [...eventIds.values()].every((ids) => ids.size === 1),
    'a re-delivered event kept its id',
  );
  t.diagnostic(
    `kills=${kills} out=${count} in=${count} lost=0 sqliteDuplicates=0 ` +
      `modemResends=${sent.length - count} eventRedeliveries=${events.length - count} ` +
      `progressAtKills=${progress.join(',')}`,
  );
});
