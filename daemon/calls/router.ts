import type { Endpoint } from './call-leg.ts';
import { type CauseRow, causeByName } from './causes.ts';

export interface RouteTarget {
  endpoint: Endpoint;
  /** The number as this endpoint should dial it. */
  to: string;
}

export type RouteDecision =
  | { kind: 'route'; route: string; targets: RouteTarget[]; why: string }
  | { kind: 'reject'; route: string; cause: CauseRow; why: string };

export interface RouterOptions {
  /** Endpoints by id: fxs1, gsm1, sip:itsp, service:echo ... */
  endpoints: ReadonlyMap<string, Endpoint>;
  /** Extension number → endpoint id (FXS phones, SIP phones). */
  extensions: ReadonlyMap<string, string>;
  /** Service code → endpoint id (`*43` → service:echo). */
  services: ReadonlyMap<string, string>;
  /** Endpoint ids tried in order for numbers that are not local. */
  outbound: readonly string[];
}

/**
 * Where a dialed number goes, and why (the route tester shows the `why`).
 * Order: built-in services, local extensions, then the outbound endpoints in
 * failover order. A number that matches nothing is rejected with a cause,
 * so the caller hears the right tone.
 */
export class Router {
  readonly #o: RouterOptions;

  constructor(options: RouterOptions) {
    this.#o = options;
  }

  resolve(source: string, dialed: string): RouteDecision {
    const service = this.#o.services.get(dialed);
    if (service) return this.#single('service', service, dialed, `${dialed} is the built-in ${service}`);
    const extension = this.#o.extensions.get(dialed);
    if (extension) {
      if (extension === source) {
        return {
          kind: 'reject',
          route: 'extension',
          cause: causeByName('user_busy'),
          why: `${dialed} is the caller's own extension`,
        };
      }
      return this.#single('extension', extension, dialed, `${dialed} is the extension of ${extension}`);
    }
    const targets = this.#o.outbound
      .filter((id) => id !== source)
      .map((id) => this.#o.endpoints.get(id))
      .filter((e): e is Endpoint => e !== undefined)
      .map((endpoint) => ({ endpoint, to: dialed }));
    if (targets.length === 0) {
      return {
        kind: 'reject',
        route: 'none',
        cause: causeByName('unallocated_number'),
        why: `${dialed} is no extension or service, and no outbound route is configured`,
      };
    }
    return {
      kind: 'route',
      route: 'outbound',
      targets,
      why: `${dialed} is external: tried through ${targets.map((t) => t.endpoint.id).join(', then ')}`,
    };
  }

  #single(route: string, id: string, to: string, why: string): RouteDecision {
    const endpoint = this.#o.endpoints.get(id);
    if (!endpoint)
      return {
        kind: 'reject',
        route,
        cause: causeByName('destination_out_of_order'),
        why: `${id} is not available`,
      };
    return { kind: 'route', route, targets: [{ endpoint, to }], why };
  }
}
