import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../drivers/base/logger.ts';
import { ConfigStore } from './config-store.ts';
import { loadConfig } from './load.ts';

const YAML = `# the office box
version: 1
country: us
sip:
  trunks:
    - id: itsp
      servers: [sip.example.net]
      username: alice
      password: hunter22-secret
`;

function withFile(fn: (file: string, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-cfgstore-'));
    const file = join(dir, 'linegate.yaml');
    writeFileSync(file, YAML);
    try {
      await fn(file, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('ConfigStore', () => {
  it(
    'writes validated changes atomically and keeps redacted secrets',
    withFile(async (file, dir) => {
      const store = new ConfigStore(loadConfig({ file, env: {} }), silentLogger());
      const redacted = store.redacted();
      assert.equal(redacted.sip.trunks[0]?.password, '********');
      // The UI sends back what it read, secrets redacted, with one change.
      const result = await store.set({ country: 'de', sip: { trunks: redacted.sip.trunks } });
      assert.equal(result.ok, true);
      const reread = loadConfig({ file, env: {} }).config;
      assert.equal(reread.country, 'de');
      assert.equal(reread.sip.trunks[0]?.password, 'hunter22-secret');
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temp file left behind',
      );
      const bad = await store.set({ rtp: { portMin: 'low' } });
      assert.equal(bad.ok, false);
      assert.equal(bad.problems?.[0]?.path, 'rtp.portMin');
      assert.equal(
        loadConfig({ file, env: {} }).config.rtp.portMin,
        10000,
        'an invalid change never reaches the file',
      );
    }),
  );

  it(
    'refuses remote changes to fields not marked remote, and to secrets',
    withFile(async (file) => {
      const store = new ConfigStore(loadConfig({ file, env: {} }), silentLogger());
      const http = await store.set({ http: { port: 1234 } }, { remote: true });
      assert.equal(http.ok, false);
      assert.equal(http.problems?.[0]?.message, 'may not be changed remotely');
      const secret = await store.set({ sip: { trunks: [] } }, { remote: true });
      assert.equal(secret.ok, false);
      const country = await store.set({ country: 'fr' }, { remote: true });
      assert.equal(country.ok, true);
    }),
  );

  it(
    'backs the old file up before writing a migrated configuration',
    withFile(async (file) => {
      const loaded = loadConfig({ file, env: {} });
      const store = new ConfigStore({ ...loaded, migratedFrom: 0 }, silentLogger());
      const backup = store.persistMigration();
      assert.ok(backup && existsSync(backup));
      assert.equal(readFileSync(backup, 'utf8'), YAML);
      assert.match(readFileSync(file, 'utf8'), /version: 1/);
      assert.equal(loadConfig({ file, env: {} }).config.sip.trunks[0]?.password, 'hunter22-secret');
    }),
  );
});
