import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AtEngine } from '../../drivers/at/at-engine.ts';
import type { AtResponse } from '../../drivers/at/types.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { MemoryByteStream } from '../../drivers/serial/memory-stream.ts';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/at');

function unescapeFixture(text: string): string {
  return text
    .replace(/\\r/g, '\r')
    .replace(/\\n/g, '\n')
    .replace(/\\x([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** Replays one fixture (format in test/fixtures/at/SOURCE.md) through the engine on a fake clock. */
async function replay(file: string): Promise<number> {
  const clock = new FakeClock();
  const stream = new MemoryByteStream();
  const engine = new AtEngine({ clock, logger: silentLogger() });
  engine.attach(stream);
  const urcs: string[] = [];
  engine.onUrc('*', (u) => urcs.push(u.name));
  let pdu: string | undefined;
  let pending: Promise<AtResponse | Error> | undefined;
  let settled = false;
  let checks = 0;
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  for (const [n, line] of lines.entries()) {
    const where = `${file}:${n + 1}`;
    if (line.startsWith('>> ')) {
      settled = false;
      pending = engine.command(line.slice(3), pdu ? { promptData: pdu } : {}).then(
        (r) => r,
        (e: Error) => e,
      );
      void pending.then(() => {
        settled = true;
      });
      pdu = undefined;
    } else if (line.startsWith('<< ')) {
      stream.emitData(`${unescapeFixture(line.slice(3))}\r\n`);
    } else if (line.startsWith('<~ ')) {
      stream.emitData(unescapeFixture(line.slice(3)));
    } else if (line.startsWith('== ')) {
      const [kind, ...rest] = line.slice(3).split(' ');
      const arg = rest.join(' ');
      if (kind === 'pdu') {
        pdu = arg;
        continue;
      }
      if (kind === 'urcs') {
        assert.deepEqual(urcs, JSON.parse(arg), where);
        checks++;
        continue;
      }
      assert.ok(pending, `${where}: no command to check`);
      await new Promise((r) => setImmediate(r));
      // Silence: lets "+CPIN: READY without OK" complete, and shows a command that never ends.
      if (!settled) clock.advance(kind === 'timeout' ? 200_000 : 1000);
      const r = await pending;
      if (kind === 'ok') {
        assert.ok(!(r instanceof Error), `${where}: ${r instanceof Error ? r.message : ''}`);
        assert.deepEqual((r as AtResponse).lines, JSON.parse(arg), where);
      } else if (kind === 'error') {
        const [errKind, code] = rest;
        assert.ok(isLinegateError(r, 'AT_ERROR'), `${where}: expected AT_ERROR, got ${String(r)}`);
        assert.equal(r.details?.kind, errKind, where);
        if (code !== undefined) assert.equal(r.details?.code, Number(code), where);
      } else if (kind === 'timeout') {
        assert.ok(isLinegateError(r, 'AT_TIMEOUT'), `${where}: expected a timeout`);
      } else {
        assert.fail(`${where}: unknown expectation ${kind}`);
      }
      checks++;
    }
  }
  return checks;
}

describe('AT transcripts (own fixtures, replayed through the engine)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  it('has fixtures', () => assert.ok(files.length >= 6));
  for (const file of files) {
    it(file, async () => {
      const checks = await replay(file);
      assert.ok(checks >= 2, `${file} checks too little`);
    });
  }
});
