import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { stringify } from 'yaml';
import type { Logger } from '../../drivers/base/logger.ts';
import { ConfigError, type ConfigProblem, type LoadedConfig, parseConfigText } from './load.ts';
import { backupBeforeMigration } from './migrate.ts';
import { FIELD_FLAGS, REDACTED, redactConfig, schemaPathOf } from './redact.ts';
import type { LinegateConfig } from './schema.ts';

export interface ConfigSetResult {
  ok: boolean;
  problems?: ConfigProblem[];
  /** Changed fields that take effect only after a restart. */
  requiresRestart?: string[];
}

/**
 * The running configuration and the only writer of the config file.
 * Reads are redacted; writes are validated against the schema first and
 * land atomically (temp file, fsync, rename), so after a power cut the
 * file is either the old one or the new one.
 */
export class ConfigStore {
  #loaded: LoadedConfig;
  #fileValues: Record<string, unknown>;
  readonly #logger: Logger;
  readonly #listeners = new Set<(config: LinegateConfig, changed: string[]) => void>();

  constructor(loaded: LoadedConfig, logger: Logger) {
    this.#loaded = loaded;
    this.#logger = logger.child({ ns: 'config' });
    this.#fileValues = (loaded.document?.toJS() as Record<string, unknown> | null) ?? {};
  }

  get current(): LinegateConfig {
    return this.#loaded.config;
  }

  get file(): string | undefined {
    return this.#loaded.file;
  }

  /** The effective configuration with secrets replaced by `********`. */
  redacted(): LinegateConfig {
    return redactConfig(this.#loaded.config);
  }

  onChange(listener: (config: LinegateConfig, changed: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Writes a migrated configuration back to its file, after backing the old one up. */
  persistMigration(): string | undefined {
    const from = this.#loaded.migratedFrom;
    const file = this.#loaded.file;
    if (from === undefined || !file) return undefined;
    const backup = backupBeforeMigration(file, from);
    writeFileAtomic(file, stringify({ ...this.#fileValues, version: this.#loaded.config.version }));
    this.#logger.info({ file, backup, from, to: this.#loaded.config.version }, 'configuration migrated');
    return backup;
  }

  /**
   * Applies a deep-merge patch of the file's values. `remote` restricts the
   * patch to fields marked `remote` in the schema (MQTT config/set). A value
   * of `********` for a secret keeps the stored secret.
   */
  async set(
    patch: Record<string, unknown>,
    options: { remote?: boolean; replace?: boolean } = {},
  ): Promise<ConfigSetResult> {
    const changed = leafPaths(patch);
    const refused = changed.filter((p) => {
      const flags = FIELD_FLAGS.get(schemaPathOf(p));
      if (!flags) return false; // unknown fields are reported by validation with their path
      return options.remote ? !flags.remote || flags.secret : false;
    });
    if (refused.length > 0) {
      return {
        ok: false,
        problems: refused.map((path) => ({ path, message: 'may not be changed remotely' })),
      };
    }
    const base = options.replace ? {} : structuredClone(this.#fileValues);
    const merged = restoreRedacted(mergePatch(base, patch), this.#fileValues) as Record<string, unknown>;
    const text = stringify(merged);
    let next: LoadedConfig;
    try {
      next = parseConfigText(text, {
        file: this.#loaded.file,
        env: process.env,
        sim: this.#loaded.config.board === 'sim',
      });
    } catch (err) {
      if (err instanceof ConfigError)
        return { ok: false, problems: err.problems.map(({ path, message }) => ({ path, message })) };
      throw err;
    }
    if (this.#loaded.file) writeFileAtomic(this.#loaded.file, text);
    this.#fileValues = merged;
    this.#loaded = { ...next, file: this.#loaded.file };
    const requiresRestart = changed.filter((p) => FIELD_FLAGS.get(schemaPathOf(p))?.requiresRestart);
    this.#logger.info({ changed, requiresRestart }, 'configuration changed');
    for (const l of this.#listeners) l(next.config, changed);
    return { ok: true, requiresRestart };
  }
}

/** temp file in the same directory → fsync → rename → fsync the directory. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // some filesystems refuse directory fsync; the rename is still atomic
  }
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [prefix];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

function mergePatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const cur = target[k];
      target[k] = mergePatch(
        cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>) : {},
        v as Record<string, unknown>,
      );
    } else target[k] = v;
  }
  return target;
}

/** Wherever the new value says `********`, keep what was there (the UI and API only ever see redacted secrets). */
function restoreRedacted(next: unknown, prev: unknown): unknown {
  if (next === REDACTED) return prev;
  if (Array.isArray(next))
    return next.map((v, i) => restoreRedacted(v, Array.isArray(prev) ? prev[i] : undefined));
  if (next && typeof next === 'object') {
    const p = prev && typeof prev === 'object' ? (prev as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(next)) {
      const restored = restoreRedacted(v, p[k]);
      if (restored !== undefined) out[k] = restored;
    }
    return out;
  }
  return next;
}
