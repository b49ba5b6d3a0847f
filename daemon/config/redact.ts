import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, walkSchema } from './schema.ts';

export const REDACTED = '********';

interface FieldFlags {
  secret: boolean;
  remote: boolean;
  requiresRestart: boolean;
}

/** Schema flags per dotted path (`sip.trunks[].password`), computed once. */
export const FIELD_FLAGS: ReadonlyMap<string, FieldFlags> = (() => {
  const map = new Map<string, FieldFlags>();
  walkSchema(ConfigSchema, (path, s: TSchema) => {
    const f = s as { secret?: boolean; remote?: boolean; requiresRestart?: boolean };
    map.set(path, {
      secret: f.secret === true,
      remote: f.remote === true,
      requiresRestart: f.requiresRestart === true,
    });
  });
  return map;
})();

/** A deep copy of `value` with every secret field replaced by `********` (absent secrets stay absent). */
export function redactConfig<T>(value: T): T {
  return redactAt(structuredClone(value), '') as T;
}

function redactAt(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redactAt(v, `${path}[]`));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      const p = path ? `${path}.${k}` : k;
      if (FIELD_FLAGS.get(p)?.secret && v !== undefined && v !== null && v !== '') obj[k] = REDACTED;
      else obj[k] = redactAt(v, p);
    }
  }
  return value;
}

/** `sip.trunks[0].password` → `sip.trunks[].password`, the key of FIELD_FLAGS. */
export function schemaPathOf(dottedPath: string): string {
  return dottedPath.replace(/\[\d+\]/g, '[]');
}
