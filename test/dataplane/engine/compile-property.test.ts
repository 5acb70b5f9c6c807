/**
 * compile on damaged input: replacing any field of valid objects with any value either compiles or
 * throws ConfigError naming the file and document, never another exception.
 */
import * as fc from 'fast-check';
import { docs, req } from './helpers';
import { ConfigError } from '../../../src/dataplane/config/load';
import { compile } from '../../../src/dataplane/engine/compile';
import { route } from '../../../src/dataplane/engine/router';

const BASE: any[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { team: 'a' } } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'team' }, spec: { ports: [{ port: 80, appProtocol: 'kubernetes.io/h2c' }] } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert' }, stringData: { 'tls.crt': '-----BEGIN CERTIFICATE-----', 'tls.key': '-----BEGIN KEY-----' } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'g', namespace: 'team' },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'default' }],
      to: [{ group: '', kind: 'Service' }],
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw' },
    spec: {
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] } }, kinds: [{ kind: 'HTTPRoute' }] } },
        { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
      ],
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      parentRefs: [{ name: 'gw', sectionName: 'https', port: 443 }],
      hostnames: ['a.example.com'],
      rules: [{
        name: 'one',
        matches: [{ path: { type: 'RegularExpression', value: '/a.*' }, method: 'GET', headers: [{ name: 'x', value: '1' }], queryParams: [{ name: 'q', type: 'RegularExpression', value: '[0-9]+' }] }],
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }], add: [{ name: 'c', value: 'd' }], remove: ['e'] } },
          { type: 'URLRewrite', urlRewrite: { hostname: 'h', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'api', namespace: 'team', port: 80 }, fraction: { numerator: 1, denominator: 2 } } },
          { type: 'CORS', cors: { allowOrigins: ['*'], maxAge: 10 } },
        ],
        backendRefs: [{ name: 'api', namespace: 'team', port: 80, weight: 2, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x'] } }] }],
        timeouts: { request: '1s', backendRequest: '500ms' },
        retry: { codes: [503], attempts: 2, backoff: '10ms' },
      }, {
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'b', port: 8443, statusCode: 301, path: { type: 'ReplaceFullPath', replaceFullPath: '/y' } } }],
      }],
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name: 'g' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['g.example.com'], rules: [{ matches: [{ method: { type: 'RegularExpression', service: 'a\\..*', method: 'M' }, headers: [{ name: 'v', value: '1' }] }], backendRefs: [{ name: 'api', namespace: 'team', port: 80 }] }] },
  },
];

/** Every (document index, field path) of BASE. */
function paths(): [number, (string | number)[]][] {
  const out: [number, (string | number)[]][] = [];
  const walk = (doc: number, v: any, at: (string | number)[]) => {
    out.push([doc, at]);
    if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(doc, v[k], [...at, Array.isArray(v) ? Number(k) : k]);
  };
  BASE.forEach((o, i) => walk(i, o, []));
  return out.filter(([, at]) => at.length > 0);
}

function setAt(objects: any[], doc: number, at: (string | number)[], value: unknown): any[] {
  const copy = JSON.parse(JSON.stringify(objects));
  let v = copy[doc];
  for (const k of at.slice(0, -1)) {
    v = v?.[k];
    if (v === null || typeof v !== 'object') return copy; // an earlier edit replaced a parent
  }
  v[at[at.length - 1]] = value;
  return copy;
}

describe('compile on damaged input', () => {
  test('the undamaged input compiles and routes', () => {
    const t = compile(docs(BASE));
    expect(t.warnings).toEqual([]);
    const d = route(t, req({ port: 443, sni: 'a.example.com', host: 'a.example.com', url: '/abc?q=12', headers: { x: '1' } }));
    expect(d.outcome === 'routed' && d.rule.name).toBe('one');
  });

  test('any field replaced by any value compiles or throws ConfigError', () => {
    const all = paths();
    const value = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(null, '', '*', '-1', -1, 0, 1.5, 70000, [], {}, '/(', 'Selector', 'RegularExpression', 'ReplacePrefixMatch', 'HTTPS'),
    );
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), value), { minLength: 1, maxLength: 3 }), (edits) => {
      let objects = BASE;
      for (const [i, v] of edits) objects = setAt(objects, all[i][0], all[i][1], v);
      try {
        const t = compile(docs(objects, 'd.yaml'));
        route(t, req({ port: 443, sni: 'a.example.com', host: 'a.example.com', url: '/abc?q=12', headers: { x: '1' } }));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        expect(e.message).toMatch(/^d\.yaml:\d+/);
      }
    }), { numRuns: Number(process.env.FC_RUNS ?? 1500), seed: Number(process.env.FC_SEED ?? 99) });
  });
});
