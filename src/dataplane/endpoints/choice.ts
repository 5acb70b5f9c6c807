/**
 * EndpointChoice: how the proxy gets the endpoint of each attempt of a request. A fixed list (file mode:
 * `--backends`, a DNS name) rotates; a Service known to an EndpointRegistry picks among its ready
 * endpoints of the moment with its policy (registry.ts).
 */
import { EndpointPolicy, pickEndpointIndex } from '../engine/balancer';
import { Endpoint, endpointKey } from '../proxy/upstream';

/** Requests in flight to an endpoint, by `host:port` (UpstreamPools.inFlight). */
export type EndpointLoad = (key: string) => number;

export interface EndpointChoice {
  /**
   * The endpoint of the next attempt: not one whose `host:port` is in `tried` while another exists;
   * undefined when there is none.
   */
  next(tried: readonly string[], load: EndpointLoad): KeyedEndpoint | undefined;
}

/** An endpoint with its pool key (`host:port`), computed once. */
export interface KeyedEndpoint extends Endpoint {
  readonly key: string;
}

export function keyed(ep: Endpoint): KeyedEndpoint {
  return { host: ep.host, port: ep.port, key: endpointKey(ep) };
}

/** No endpoint tried yet (the first attempt). */
export const NONE_TRIED: readonly string[] = Object.freeze([]);

/** Picks among `endpoints` with `policy`; `cursor` is the round-robin position, advanced by each pick. */
export class EndpointRotation implements EndpointChoice {
  private cursor = 0;

  constructor(private endpoints: readonly KeyedEndpoint[], private policy: EndpointPolicy = 'round-robin',
    private readonly random: () => number = Math.random) {}

  /** The endpoints picked from now on (the round-robin position carries over). */
  update(endpoints: readonly KeyedEndpoint[], policy: EndpointPolicy): void {
    this.endpoints = endpoints;
    this.policy = policy;
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** The endpoints picked from, in order. */
  get members(): readonly KeyedEndpoint[] {
    return this.endpoints;
  }

  next(tried: readonly string[], load: EndpointLoad): KeyedEndpoint | undefined {
    const eps = this.endpoints;
    if (this.policy === 'round-robin' && tried.length === 0) {
      // The first attempt in round robin (most requests): no closure, no call.
      if (eps.length <= 1) return eps[0];
      const at = this.cursor % eps.length;
      this.cursor = at + 1;
      return eps[at];
    }
    const i = pickEndpointIndex(eps.length, this.policy, this.cursor, (k) => load(eps[k].key), this.random,
      tried.length > 0 ? (k) => tried.includes(eps[k].key) : undefined);
    if (i < 0) return undefined;
    if (this.policy === 'round-robin') this.cursor = i + 1;
    return eps[i];
  }
}
