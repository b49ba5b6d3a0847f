/**
 * `config/get` and `config/set` handlers over an injected ConfigAccess (the
 * lead's config module). Local origins (web UI, CLI) may change anything the
 * schema allows; remote origins (MQTT) only the paths in `remoteWritable`
 * and never a path that could leak a secret or lock the operator out.
 */
import { LinegateError } from '../../drivers/base/errors.ts';
import type { RequestContext, RequestParams, RequestRouter, ResponseData } from './requests.ts';

export interface ConfigSetResult {
  ok: boolean;
  errors?: { path: string; message: string }[];
  requiresRestart?: boolean;
}

/** What the config module offers to request handlers. */
export interface ConfigAccess {
  /** The running configuration with secrets redacted. */
  get(): Record<string, unknown>;
  /** Validates the patch against the schema, persists and applies it. */
  set(patch: Record<string, unknown>): Promise<ConfigSetResult>;
}

export interface ConfigRequestPolicy {
  /**
   * Dotted path prefixes a remote caller may write (`sms.routes` allows
   * `sms.routes.0.url`). `*` matches one segment.
   */
  remoteWritable: readonly string[];
}

/** Conservative default: things an operator tunes across a fleet, nothing about access or identity. */
export const DEFAULT_REMOTE_WRITABLE: readonly string[] = [
  'log.level',
  'country',
  'dialPlan',
  'sms.routes',
  'sms.retry',
  'lines.*.name',
  'lines.*.ringCadence',
  'mqtt.stateMinIntervalMs',
  'mqtt.heartbeatS',
];

/** Segments that are never remotely writable, whatever the policy says. */
const NEVER_REMOTE =
  /(password|secret|token|key|cert|pin|puk|admin|auth|users?|security|tls|deviceid|url|remotecommands)/i;

/** Leaf paths of a patch: `{a:{b:1,c:[2]}}` → ["a.b", "a.c"] (arrays are leaves). */
export function patchPaths(patch: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0)
      out.push(...patchPaths(value as Record<string, unknown>, path));
    else out.push(path);
  }
  return out;
}

export function isRemotelyWritable(path: string, allowed: readonly string[]): boolean {
  const segments = path.split('.');
  if (segments.some((s) => NEVER_REMOTE.test(s))) return false;
  return allowed.some((rule) => {
    const ruleSegments = rule.split('.');
    if (ruleSegments.length > segments.length) return false;
    return ruleSegments.every((r, i) => r === '*' || r === segments[i]);
  });
}

export function configGetHandler(access: ConfigAccess) {
  return (params: RequestParams<'config/get'>): ResponseData<'config/get'> => {
    const config = access.get();
    if (!params.path) return { config };
    let node: unknown = config;
    for (const segment of params.path.split('.')) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment))
        throw new LinegateError('NOT_FOUND', `no config at ${params.path}`);
      node = (node as Record<string, unknown>)[segment];
    }
    return { config: node };
  };
}

export function configSetHandler(access: ConfigAccess, policy: ConfigRequestPolicy) {
  return async (
    params: RequestParams<'config/set'>,
    ctx: RequestContext,
  ): Promise<ResponseData<'config/set'>> => {
    const paths = patchPaths(params.patch);
    if (paths.length === 0) throw new LinegateError('BAD_REQUEST', 'config/set needs a non-empty patch');
    if (ctx.remote) {
      const refused = paths.filter((p) => !isRemotelyWritable(p, policy.remoteWritable));
      if (refused.length > 0)
        throw new LinegateError('FORBIDDEN', `not writable remotely: ${refused.join(', ')}`, {
          details: { refused },
        });
    }
    const result = await access.set(params.patch);
    if (!result.ok)
      throw new LinegateError('CONFIG_INVALID', 'configuration patch rejected', {
        details: { errors: result.errors ?? [] },
      });
    return { ok: true, requiresRestart: result.requiresRestart ?? false };
  };
}

/** Registers both handlers on a router (for the WebSocket/HTTP side and for MQTT alike). */
export function registerConfigHandlers(
  router: RequestRouter,
  access: ConfigAccess,
  policy: ConfigRequestPolicy = { remoteWritable: DEFAULT_REMOTE_WRITABLE },
): () => void {
  const offGet = router.register('config/get', configGetHandler(access));
  const offSet = router.register('config/set', configSetHandler(access, policy));
  return () => {
    offGet();
    offSet();
  };
}
