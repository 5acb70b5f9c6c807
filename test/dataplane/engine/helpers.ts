/**
 * Shared helpers of the engine tests: documents from plain objects, requests, a seeded PRNG.
 */
import { SourceDocument, parseDocuments } from '../../../src/dataplane/config/load';
import { RouteRequest } from '../../../src/dataplane/engine/model';

/** Plain objects -> SourceDocuments of one pretend file (document numbers 1..n). */
export function docs(objects: readonly any[], file = 'test.yaml'): SourceDocument[] {
  return objects.map((object, i) => ({ file, document: i + 1, object, lineOf: () => undefined }));
}

/** YAML text -> SourceDocuments (with line numbers). */
export function yamlDocs(text: string, file = 'routes.yaml'): SourceDocument[] {
  return parseDocuments(text, file);
}

/** A request with defaults: gateway default/gw, port 80, GET, host example.com. */
export function req(over: Partial<RouteRequest> & { url?: string } = {}): RouteRequest {
  const { url, ...rest } = over;
  let path = '/';
  let query = '';
  if (url !== undefined) {
    const q = url.indexOf('?');
    path = q < 0 ? url : url.slice(0, q);
    query = q < 0 ? '' : url.slice(q + 1);
  }
  return { gateway: 'default/gw', port: 80, host: 'example.com', method: 'GET', path, query, headers: {}, ...rest };
}

/** Park-Miller "minimal standard" (MINSTD, multiplier 48271): a tiny deterministic PRNG in [0, 1). */
export function seeded(seed: number): () => number {
  const M = 2147483647;
  let state = (Math.abs(Math.floor(seed)) % (M - 1)) + 1;
  return () => {
    state = (state * 48271) % M;
    return (state - 1) / (M - 1);
  };
}

/** A Gateway with the given listeners (default: one HTTP listener 'http' on 80 allowing All namespaces). */
export function gateway(listeners: any[] = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }], name = 'gw', namespace = 'default'): any {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace }, spec: { gatewayClassName: 'x', listeners } };
}

/** An HTTPRoute attached to default/gw. */
export function httpRoute(name: string, spec: any, meta: any = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', ...meta },
    spec: { parentRefs: [{ name: 'gw' }], ...spec },
  };
}

/** A rule with one backend `name:80`. */
export function ruleTo(backend: string, matches?: any[], extra: any = {}): any {
  return { ...(matches ? { matches } : {}), backendRefs: [{ name: backend, port: 80 }], ...extra };
}
