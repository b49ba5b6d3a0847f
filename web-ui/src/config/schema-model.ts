/**
 * Reading the daemon's configuration JSON Schema (TypeBox output) for forms:
 * field kinds, paths in the server's notation (`sip.trunks[0].password`),
 * defaults for new array items, and the minimal merge patch between the
 * running configuration and an edited draft (with the changed paths, so
 * "requires restart" can be shown before saving).
 */

export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  requiresRestart?: boolean;
  secret?: boolean;
  properties?: Record<string, FieldSchema>;
  required?: string[];
  items?: FieldSchema;
  anyOf?: FieldSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export type PathSegment = string | number;
export type ConfigValue = unknown;

export const REDACTED = '********';

export function pathString(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export type FieldKind =
  | 'object'
  | 'object-list'
  | 'scalar-list'
  | 'choice'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'string';

export function fieldKind(schema: FieldSchema): FieldKind {
  if (choices(schema)) return 'choice';
  if (schema.properties) return 'object';
  if (schema.type === 'array') return schema.items?.properties ? 'object-list' : 'scalar-list';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'integer') return 'integer';
  if (schema.type === 'number') return 'number';
  return 'string';
}

/** The allowed values of an enum or a union of literals, else undefined. */
export function choices(schema: FieldSchema): string[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  if (schema.anyOf?.length && schema.anyOf.every((s) => s.const !== undefined))
    return schema.anyOf.map((s) => String(s.const));
  return undefined;
}

/** A new item for a list: defaults where the schema has them, empty values for required fields. */
export function newItem(schema: FieldSchema): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(key) ?? false;
    if (child.default !== undefined) item[key] = structuredClone(child.default);
    else if (!required) continue;
    else {
      const kind = fieldKind(child);
      item[key] =
        kind === 'boolean'
          ? false
          : kind === 'integer' || kind === 'number'
            ? (child.minimum ?? 0)
            : kind === 'scalar-list' || kind === 'object-list'
              ? []
              : kind === 'choice'
                ? (choices(child)?.[0] ?? '')
                : kind === 'object'
                  ? newItem(child)
                  : '';
    }
  }
  return item;
}

/** The schema node at `path` (array indices step into `items`). */
export function schemaAt(root: FieldSchema, path: PathSegment[]): FieldSchema | undefined {
  let node: FieldSchema | undefined = root;
  for (const seg of path) {
    if (!node) return undefined;
    node = typeof seg === 'number' ? node.items : node.properties?.[seg];
  }
  return node;
}

export function getAt(value: unknown, path: PathSegment[]): unknown {
  let node = value;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** A copy of `root` with `value` at `path` (undefined deletes the key). */
export function setAt(root: unknown, path: PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [PathSegment, ...PathSegment[]];
  if (typeof head === 'number') {
    const arr = Array.isArray(root) ? [...root] : [];
    arr[head] = setAt(arr[head], rest, value);
    return arr;
  }
  const obj =
    root && typeof root === 'object' && !Array.isArray(root) ? { ...(root as Record<string, unknown>) } : {};
  const next = setAt(obj[head], rest, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export interface Change {
  path: string;
  title: string;
  requiresRestart: boolean;
}

const NO_CHANGE = Symbol('no change');

/**
 * The merge patch that turns `original` into `draft` (null removes an
 * optional field; arrays are sent whole, as the server replaces them) and
 * the list of changed fields with their restart flag.
 */
export function buildPatch(
  schema: FieldSchema,
  original: unknown,
  draft: unknown,
): { patch: Record<string, unknown>; changes: Change[] } {
  const changes: Change[] = [];
  const walk = (node: FieldSchema | undefined, o: unknown, d: unknown, path: PathSegment[]): unknown => {
    if (deepEqual(o, d)) return NO_CHANGE;
    const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (node?.properties && isObject(d) && (isObject(o) || o === undefined)) {
      const out: Record<string, unknown> = {};
      const keys = new Set([...Object.keys(o ?? {}), ...Object.keys(d as object)]);
      for (const key of keys) {
        const sub = walk(
          node.properties[key],
          (o as Record<string, unknown> | undefined)?.[key],
          (d as Record<string, unknown>)[key],
          [...path, key],
        );
        if (sub !== NO_CHANGE) out[key] = sub;
      }
      return Object.keys(out).length ? out : NO_CHANGE;
    }
    changes.push({
      path: pathString(path),
      title: node?.title ?? pathString(path),
      requiresRestart: node?.requiresRestart === true,
    });
    if (d === undefined || d === '') return null;
    return d;
  };
  const result = walk(schema, original, draft, []);
  return { patch: result === NO_CHANGE ? {} : (result as Record<string, unknown>), changes };
}
