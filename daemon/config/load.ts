import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Value } from '@sinclair/typebox/value';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { LinegateError } from '../../drivers/base/errors.ts';
import { parseDigitMap } from '../calls/digit-map.ts';
import { migrateConfigObject } from './migrate.ts';
import { CONFIG_VERSION, ConfigSchema, type LinegateConfig } from './schema.ts';

export const DEFAULT_CONFIG_FILE = '/etc/linegate/linegate.yaml';
export const DEFAULT_DATA_DIR = '/var/lib/linegate';
export const SIM_DATA_DIR = './var';

/** One thing wrong with a configuration, located in the file (or the environment variable). */
export interface ConfigProblem {
  /** Dotted field path, e.g. `sip.trunks[0].password`; empty for the whole file. */
  path: string;
  message: string;
  /** 1-based line in the file, when the problem is in the file. */
  line?: number;
  column?: number;
  /** The environment variable the value came from, when it came from one. */
  env?: string;
}

export class ConfigError extends LinegateError {
  readonly problems: ConfigProblem[];
  readonly file: string | undefined;

  constructor(file: string | undefined, unsorted: ConfigProblem[]) {
    const problems = [...unsorted].sort(
      (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
    );
    super('CONFIG_INVALID', formatProblems(file, problems));
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
    this.message = formatProblems(file, problems);
  }
}

export function formatProblems(file: string | undefined, problems: readonly ConfigProblem[]): string {
  const where = (p: ConfigProblem) => {
    if (p.env) return `environment ${p.env}`;
    const name = file ?? 'config';
    return p.line ? `${name}:${p.line}${p.column ? `:${p.column}` : ''}` : name;
  };
  const lines = problems.map((p) => `${where(p)}: ${p.path || '(file)'}: ${p.message}`);
  return `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`;
}

/** Environment overrides from the external contract; they take precedence over the file. */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: string[]; parse: (v: string) => unknown }> = [
  { env: 'LINEGATE_DATA_DIR', path: ['dataDir'], parse: (v) => v },
  { env: 'LINEGATE_HTTP_PORT', path: ['http', 'port'], parse: parseIntStrict },
  { env: 'LINEGATE_HTTPS_PORT', path: ['http', 'httpsPort'], parse: parseIntStrict },
  { env: 'LINEGATE_SIP_PORT', path: ['sip', 'udpPort'], parse: parseIntStrict },
  { env: 'LINEGATE_SIP_PORT', path: ['sip', 'tcpPort'], parse: parseIntStrict },
  { env: 'LINEGATE_LOG_LEVEL', path: ['log', 'level'], parse: (v) => v },
  { env: 'LINEGATE_DEVICE_ID', path: ['deviceId'], parse: (v) => v },
  { env: 'LINEGATE_MQTT_URL', path: ['mqtt', 'url'], parse: (v) => v },
  { env: 'LINEGATE_MQTT_URL', path: ['mqtt', 'enabled'], parse: () => true },
];

function parseIntStrict(v: string): unknown {
  return /^\s*-?\d+\s*$/.test(v) ? Number.parseInt(v, 10) : v;
}

export interface LoadOptions {
  /** Explicit file (--config or LINEGATE_CONFIG); a missing explicit file is an error. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** --sim: loopback only, data in ./var, missing default file allowed. */
  sim?: boolean;
}

export interface LoadedConfig {
  config: LinegateConfig;
  /** The file read, or undefined when running on defaults. */
  file: string | undefined;
  /** The YAML document (for writing changes back with comments kept). */
  document: Document | undefined;
  /** The file's version before migration, when it was migrated. */
  migratedFrom: number | undefined;
  /** Where each env override applied (for logging). */
  envApplied: string[];
}

/** Reads, migrates (in memory), overrides from the environment, applies defaults and validates. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const explicit = options.file ?? env.LINEGATE_CONFIG;
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  let text = '';
  let usedFile: string | undefined = file;
  if (existsSync(file)) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new LinegateError(
        'CONFIG_NOT_FOUND',
        `cannot read configuration ${file}: ${(err as Error).message}`,
      );
    }
  } else if (explicit) {
    throw new LinegateError('CONFIG_NOT_FOUND', `configuration file ${file} does not exist`);
  } else {
    usedFile = undefined;
  }
  return parseConfigText(text, { file: usedFile, env, sim: options.sim ?? false });
}

/** Parses configuration text; throws ConfigError listing every problem with its field path and line. */
export function parseConfigText(
  text: string,
  options: { file?: string | undefined; env?: NodeJS.ProcessEnv; sim?: boolean } = {},
): LoadedConfig {
  const env = options.env ?? {};
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    problems.push({
      path: '',
      message: `YAML syntax: ${e.message.split('\n')[0]}`,
      line: pos.line,
      column: pos.col,
    });
  }
  if (problems.length > 0) throw new ConfigError(options.file, problems);

  let raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    throw new ConfigError(options.file, [{ path: '', message: 'the file must be a YAML mapping', line: 1 }]);
  }
  const version =
    typeof (raw as { version?: unknown }).version === 'number'
      ? (raw as { version: number }).version
      : undefined;
  let migratedFrom: number | undefined;
  if (version !== undefined && version < CONFIG_VERSION) {
    raw = migrateConfigObject(raw as Record<string, unknown>, version);
    migratedFrom = version;
  }
  if (version !== undefined && version > CONFIG_VERSION) {
    throw new ConfigError(options.file, [
      {
        path: 'version',
        message: `version ${version} is newer than this Linegate understands (${CONFIG_VERSION}); update Linegate`,
        ...locate(doc, lineCounter, ['version']),
      },
    ]);
  }

  const obj = raw as Record<string, unknown>;
  const envSourced = new Map<string, string>();
  const envApplied: string[] = [];
  for (const o of ENV_OVERRIDES) {
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    setPath(obj, o.path, o.parse(value));
    envSourced.set(o.path.join('/'), o.env);
    envApplied.push(o.env);
  }
  const rtpPorts = env.LINEGATE_RTP_PORTS;
  if (rtpPorts) {
    const m = /^(\d+)-(\d+)$/.exec(rtpPorts.trim());
    if (!m) {
      problems.push({
        path: 'rtp',
        message: `expected min-max (e.g. 10000-20000), got "${rtpPorts}"`,
        env: 'LINEGATE_RTP_PORTS',
      });
    } else {
      setPath(obj, ['rtp', 'portMin'], Number(m[1]));
      setPath(obj, ['rtp', 'portMax'], Number(m[2]));
      envSourced.set('rtp/portMin', 'LINEGATE_RTP_PORTS');
      envSourced.set('rtp/portMax', 'LINEGATE_RTP_PORTS');
      envApplied.push('LINEGATE_RTP_PORTS');
    }
  }

  const withDefaults = Value.Default(ConfigSchema, structuredClone(obj)) as Record<string, unknown>;
  const seen = new Set<string>();
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const segments = e.path.split('/').slice(1);
    const key = `${e.path}:${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // A union reports every branch; one message naming the allowed values is clearer.
    const envName = envSourced.get(segments.join('/'));
    problems.push({
      path: dotted(segments),
      message: describeError(e.message, e.schema as { anyOf?: { const?: unknown }[] }, e.value),
      ...(envName ? { env: envName } : locate(doc, lineCounter, segments)),
    });
  }
  if (problems.length === 0)
    problems.push(...semanticProblems(withDefaults as LinegateConfig, doc, lineCounter));
  if (problems.length > 0) throw new ConfigError(options.file, dedupeUnionNoise(problems));

  const config = withDefaults as LinegateConfig;
  if (options.sim) applySimDefaults(config, envSourced);
  config.deviceId ??= sanitizeDeviceId(hostname());
  config.dataDir ??= options.sim ? SIM_DATA_DIR : DEFAULT_DATA_DIR;
  config.version = CONFIG_VERSION;
  return { config, file: options.file, document: doc, migratedFrom, envApplied };
}

function describeError(message: string, schema: { anyOf?: { const?: unknown }[] }, value: unknown): string {
  if (schema.anyOf?.every((s) => s.const !== undefined)) {
    return `expected one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (message === 'Unexpected property') return 'unknown field';
  return `${message.charAt(0).toLowerCase()}${message.slice(1)}${value !== undefined && typeof value !== 'object' ? `, got ${JSON.stringify(value)}` : ''}`;
}

/** TypeBox reports a union failure once per branch and once overall; keep the clearest one per path. */
function dedupeUnionNoise(problems: ConfigProblem[]): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem[]>();
  for (const p of problems) byPath.set(p.path, [...(byPath.get(p.path) ?? []), p]);
  const out: ConfigProblem[] = [];
  for (const list of byPath.values()) {
    const named = list.find((p) => p.message.startsWith('expected one of'));
    if (named) out.push(named);
    else out.push(...list);
  }
  return out;
}

/** Checks the schema cannot express: ranges that must be ordered, unique extensions, unique ids. */
function semanticProblems(config: LinegateConfig, doc: Document, lc: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { portMin, portMax } = config.rtp;
  if (portMin >= portMax || portMax - portMin < 4) {
    problems.push({
      path: 'rtp.portMin',
      message: `RTP port range ${portMin}-${portMax} is empty or too small (needs min < max, at least 4 ports)`,
      ...locate(doc, lc, ['rtp', 'portMin']),
    });
  }
  if (portMin > 0 && portMin < 1024) {
    problems.push({
      path: 'rtp.portMin',
      message: 'RTP ports below 1024 are not allowed',
      ...locate(doc, lc, ['rtp', 'portMin']),
    });
  }
  try {
    parseDigitMap(config.calls.dialPlan);
  } catch (err) {
    problems.push({
      path: 'calls.dialPlan',
      message: (err as Error).message,
      ...locate(doc, lc, ['calls', 'dialPlan']),
    });
  }
  const extensions = new Map<string, string>();
  const claim = (ext: string, path: string[], owner: string) => {
    const prior = extensions.get(ext);
    if (prior) {
      problems.push({
        path: dotted(path),
        message: `extension ${ext} is already used by ${prior}`,
        ...locate(doc, lc, path),
      });
    } else extensions.set(ext, owner);
  };
  for (const [i, l] of config.lines.fxs.entries())
    claim(l.extension, ['lines', 'fxs', String(i), 'extension'], l.id);
  for (const [i, p] of config.sip.phones.entries()) {
    claim(p.extension, ['sip', 'phones', String(i), 'extension'], `SIP phone ${i + 1}`);
  }
  const unique = (items: { id: string }[], base: string[]) => {
    const ids = new Set<string>();
    items.forEach((item, i) => {
      if (ids.has(item.id)) {
        problems.push({
          path: dotted([...base, String(i), 'id']),
          message: `duplicate id "${item.id}"`,
          ...locate(doc, lc, [...base, String(i), 'id']),
        });
      }
      ids.add(item.id);
    });
  };
  unique(config.lines.fxs, ['lines', 'fxs']);
  unique(config.lines.fxo, ['lines', 'fxo']);
  unique(config.modems, ['modems']);
  unique(config.sip.trunks, ['sip', 'trunks']);
  return problems;
}

/** --sim: everything on loopback, loopback peers trusted. */
function applySimDefaults(config: LinegateConfig, envSourced: Map<string, string>): void {
  config.http.host = '127.0.0.1';
  config.sip.host = '127.0.0.1';
  config.board = 'sim';
  for (const peer of ['127.0.0.0/8', '::1/128']) {
    if (!config.sip.trustedPeers.includes(peer)) config.sip.trustedPeers.push(peer);
  }
  if (!envSourced.has('dataDir') && config.dataDir === undefined) config.dataDir = SIM_DATA_DIR;
}

function sanitizeDeviceId(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return id || 'linegate';
}

function dotted(segments: string[]): string {
  let out = '';
  for (const s of segments) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

/** Finds the line of `segments` in the YAML document, falling back to the nearest existing parent. */
function locate(doc: Document, lc: LineCounter, segments: string[]): { line?: number; column?: number } {
  for (let n = segments.length; n >= 0; n--) {
    const keys = segments.slice(0, n).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const node = n === 0 ? doc.contents : doc.getIn(keys, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const pos = lc.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
    // An unexpected key has no value node of its own under its name when it is a scalar map key; try the pair.
    if (n === segments.length && n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
      const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] })
        ?.items;
      const pair = items?.find((p) => p.key?.value === keys[keys.length - 1]);
      if (pair?.key?.range) {
        const pos = lc.linePos(pair.key.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  return {};
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}
