import { copyFileSync, existsSync } from 'node:fs';
import { CONFIG_VERSION } from './schema.ts';

/**
 * Config migrations: `steps[n]` turns a version-n object into version n+1.
 * Version 1 is the first released schema, so there is nothing to do yet;
 * a step is added here (never edited) each time the schema changes shape.
 */
const steps: Record<number, (cfg: Record<string, unknown>) => Record<string, unknown>> = {};

export function migrateConfigObject(
  cfg: Record<string, unknown>,
  fromVersion: number,
): Record<string, unknown> {
  let current = structuredClone(cfg);
  for (let v = fromVersion; v < CONFIG_VERSION; v++) {
    const step = steps[v];
    if (step) current = step(current);
    current.version = v + 1;
  }
  return current;
}

/** Copies the file aside before a migrated config is written back: `<file>.v<old>.bak` (never overwritten). */
export function backupBeforeMigration(file: string, fromVersion: number): string {
  let target = `${file}.v${fromVersion}.bak`;
  for (let n = 1; existsSync(target); n++) target = `${file}.v${fromVersion}.${n}.bak`;
  copyFileSync(file, target);
  return target;
}
