/**
 * EndpointRegistry: EndpointSlices and Services -> the ready endpoints of each Service port, picked per request.
 */
import { endpointSlice, serviceObject } from './fixtures';
import { EndpointRegistry, LOAD_BALANCING_ANNOTATION, MAX_SLICE_ENDPOINTS } from '../../../src/dataplane/endpoints/registry';
import { seeded } from '../engine/helpers';

const idle = () => 0;

/** `n` picks (first attempts), counted by `host:port`. */
function spread(registry: EndpointRegistry, port: number, n: number, load: (key: string) => number = idle, service = 'web'): Record<string, number> {
  const counts: Record<string, number> = {};
  const eps = registry.resolve('apps', service, port)!;
  for (let i = 0; i < n; i++) {
    const ep = eps.next([], load)!;
    counts[ep.key] = (counts[ep.key] ?? 0) + 1;
  }
  return counts;
}

describe('EndpointRegistry', () => {
  test('maps a Service port to the slice port of the same name and picks its ready endpoints in turn', () => {
    // GIVEN Service web (port 80 "http" -> 8080, port 81 "admin" -> 9090) and one slice with three ready pods
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web', [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }]));
    registry.upsertSlice(endpointSlice('web-abc', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2', ready: true }, { ip: '10.0.0.3' }], {
      ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }],
    }));
    // WHEN 9 requests pick an endpoint of port 80, and 3 of port 81
    // THEN round robin gives each pod exactly 3, on the target port of the named slice port
    expect(spread(registry, 80, 9)).toEqual({ '10.0.0.1:8080': 3, '10.0.0.2:8080': 3, '10.0.0.3:8080': 3 });
    expect(spread(registry, 81, 3)).toEqual({ '10.0.0.1:9090': 1, '10.0.0.2:9090': 1, '10.0.0.3:9090': 1 });
    expect(registry.resolve('apps', 'web', 82)!.size).toBe(0);
  });

  test('an unnamed single port, and a Service not seen yet (the slice port of the same number)', () => {
    // GIVEN Service api with one unnamed port 80 -> slice port "" 8080, and a slice of a Service whose object is not known
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('api', [{ port: 80 }]));
    registry.upsertSlice(endpointSlice('api-1', 'api', [{ ip: '10.0.1.1' }], { ports: [{ port: 8080 }] }));
    registry.upsertSlice(endpointSlice('raw-1', 'raw', [{ ip: '10.0.2.1' }], { ports: [{ name: 'http', port: 7000 }] }));
    // THEN the unnamed port maps by its empty name; without the Service the backendRef port must equal the slice port
    expect(registry.resolve('apps', 'api', 80)!.next([], idle)!.key).toBe('10.0.1.1:8080');
    expect(registry.resolve('apps', 'raw', 7000)!.next([], idle)!.key).toBe('10.0.2.1:7000');
    expect(registry.resolve('apps', 'raw', 80)!.size).toBe(0);
    expect(registry.resolve('apps', 'nothing', 80)).toBeUndefined();
  });

  test('not-ready and terminating endpoints are not picked; an absent ready condition means ready', () => {
    // GIVEN one endpoint of each kind
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web'));
    registry.upsertSlice(endpointSlice('web-1', 'web', [
      { ip: '10.0.0.1' }, { ip: '10.0.0.2', ready: false }, { ip: '10.0.0.3', ready: true, terminating: true }, { ip: '10.0.0.4', ready: true },
    ]));
    // THEN only the ready ones are picked
    expect(spread(registry, 80, 4)).toEqual({ '10.0.0.1:8080': 2, '10.0.0.4:8080': 2 });
  });

  test('appProtocol: the slice port\'s, else the Service port\'s, else none', () => {
    // GIVEN three Services: h2c on the slice port, ws on the Service port only, nothing
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('grpc', [{ name: 'grpc', port: 80, appProtocol: 'kubernetes.io/ws' }]));
    registry.upsertSlice(endpointSlice('grpc-1', 'grpc', [{ ip: '10.0.0.1' }], { ports: [{ name: 'grpc', port: 9000, appProtocol: 'kubernetes.io/h2c' }] }));
    registry.upsertService(serviceObject('chat', [{ name: 'ws', port: 80, appProtocol: 'kubernetes.io/ws' }]));
    registry.upsertSlice(endpointSlice('chat-1', 'chat', [{ ip: '10.0.0.2' }], { ports: [{ name: 'ws', port: 9000 }] }));
    registry.upsertService(serviceObject('plain'));
    registry.upsertSlice(endpointSlice('plain-1', 'plain', [{ ip: '10.0.0.3' }]));
    // THEN
    expect(registry.resolve('apps', 'grpc', 80)!.protocol).toBe('h2c');
    expect(registry.resolve('apps', 'chat', 80)!.protocol).toBe('ws');
    expect(registry.resolve('apps', 'plain', 80)!.protocol).toBeUndefined();
  });

  test('dual stack: a pod in the IPv4 and the IPv6 slice is one endpoint (its IPv4 address); the same address in two slices is one', () => {
    // GIVEN pods a and b in both families, pod c only in IPv6, and 10.0.0.9 (no pod) listed by two IPv4 slices
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web'));
    registry.upsertSlice(endpointSlice('web-v6', 'web', [{ ip: 'fd00::a', pod: 'a' }, { ip: 'fd00::b', pod: 'b' }, { ip: 'fd00::c', pod: 'c' }], { addressType: 'IPv6' }));
    registry.upsertSlice(endpointSlice('web-v4', 'web', [{ ip: '10.0.0.1', pod: 'a' }, { ip: '10.0.0.2', pod: 'b' }, { ip: '10.0.0.9' }]));
    registry.upsertSlice(endpointSlice('web-v4-moved', 'web', [{ ip: '10.0.0.9' }]));
    // THEN four endpoints, each picked once in four requests
    expect(spread(registry, 80, 4)).toEqual({ '10.0.0.1:8080': 1, '10.0.0.2:8080': 1, '[fd00::c]:8080': 1, '10.0.0.9:8080': 1 });
  });

  test('changes are seen by the object already resolved (slices added later), and the round-robin position carries over', () => {
    // GIVEN a Service without slices, resolved once
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web'));
    const eps = registry.resolve('apps', 'web', 80)!;
    expect(eps.size).toBe(0);
    expect(eps.next([], idle)).toBeUndefined();
    // WHEN a slice arrives, then a second one
    registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]));
    expect(registry.resolve('apps', 'web', 80)).toBe(eps);
    expect(spread(registry, 80, 2)).toEqual({ '10.0.0.1:8080': 1, '10.0.0.2:8080': 1 });
    registry.upsertSlice(endpointSlice('web-2', 'web', [{ ip: '10.0.0.3' }]));
    // THEN the same object now picks among three, going on from where it was (the third), not from the first
    expect(registry.resolve('apps', 'web', 80)).toBe(eps);
    expect([0, 1, 2].map(() => eps.next([], idle)!.key)).toEqual(['10.0.0.3:8080', '10.0.0.1:8080', '10.0.0.2:8080']);
  });

  test('a retry avoids the endpoints already tried while another exists', () => {
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web'));
    registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }]));
    const eps = registry.resolve('apps', 'web', 80)!;
    // WHEN three attempts of one request pick, each told the ones before
    const tried: string[] = [];
    for (let i = 0; i < 3; i++) tried.push(eps.next(tried, idle)!.key);
    // THEN three distinct endpoints; a fourth (all tried) still gets one
    expect(new Set(tried).size).toBe(3);
    expect(eps.next(tried, idle)).toBeDefined();
  });

  test('least-request (Service annotation): the less loaded of two seeded random choices', () => {
    // GIVEN a Service choosing least-request, 10.0.0.1 with 5 requests in flight, the others idle
    const registry = new EndpointRegistry({ random: seeded(11) });
    registry.upsertService(serviceObject('web', undefined, { annotations: { [LOAD_BALANCING_ANNOTATION]: 'least-request' } }));
    registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }]));
    const load = (key: string) => (key === '10.0.0.1:8080' ? 5 : 0);
    // WHEN 300 requests pick
    const counts = spread(registry, 80, 300, load);
    // THEN the busy one is never picked (it loses every comparison), the two idle ones share the rest
    expect(counts['10.0.0.1:8080']).toBeUndefined();
    expect(counts['10.0.0.2:8080'] + counts['10.0.0.3:8080']).toBe(300);
    expect(counts['10.0.0.2:8080']).toBeGreaterThan(100);
    expect(counts['10.0.0.3:8080']).toBeGreaterThan(100);
  });

  test('endpoints that stop being ready anywhere are drained (removed, not ready, slice deleted); one moving between slices is not', () => {
    const drained: string[] = [];
    const registry = new EndpointRegistry();
    registry.onDrain((key) => drained.push(key));
    registry.upsertService(serviceObject('web'));
    registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }]));
    expect([...registry.endpointKeys()].sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    // WHEN 10.0.0.3 moves to another slice (added there first), 10.0.0.2 becomes not ready, 10.0.0.1 goes away
    registry.upsertSlice(endpointSlice('web-2', 'web', [{ ip: '10.0.0.3' }]));
    registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.2', ready: false }]));
    // THEN 10.0.0.1 and 10.0.0.2 are drained, 10.0.0.3 is not
    expect(drained.sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    // WHEN the second slice is deleted
    registry.deleteSlice(endpointSlice('web-2', 'web', []));
    // THEN 10.0.0.3 is drained too and nothing is ready
    expect(drained).toContain('10.0.0.3:8080');
    expect([...registry.endpointKeys()]).toEqual([]);
    expect(registry.resolve('apps', 'web', 80)!.size).toBe(0);
  });

  test('a Service with neither slices nor its object is forgotten (its resolved object empties)', () => {
    const registry = new EndpointRegistry();
    registry.upsertService(serviceObject('web'));
    const slice = endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }]);
    registry.upsertSlice(slice);
    const eps = registry.resolve('apps', 'web', 80)!;
    // WHEN both go away
    registry.deleteSlice(slice);
    registry.deleteService(serviceObject('web'));
    // THEN the Service is unknown and a request holding the old object finds nothing to pick
    expect(registry.resolve('apps', 'web', 80)).toBeUndefined();
    expect(eps.size).toBe(0);
  });

  describe('malformed objects', () => {
    function collect(): { registry: EndpointRegistry; told: string[] } {
      const told: string[] = [];
      return { registry: new EndpointRegistry({ onProblem: (p) => told.push(p) }), told };
    }

    test('fails to use a slice without the service-name label, naming it and the fix', () => {
      const { registry, told } = collect();
      const slice = endpointSlice('orphan', 'web', [{ ip: '10.0.0.1' }]);
      delete slice.metadata.labels;
      const problems = registry.upsertSlice(slice);
      expect(problems).toEqual([expect.stringMatching(/^EndpointSlice apps\/orphan has no kubernetes\.io\/service-name label: not used .*label the slice/)]);
      expect(told).toEqual(problems);
      expect(registry.resolve('apps', 'web', 8080)).toBeUndefined();
    });

    test('fails to use a slice of an unknown addressType', () => {
      const { registry } = collect();
      const problems = registry.upsertSlice(endpointSlice('web-x', 'web', [{ ip: '10.0.0.1' }], { addressType: 'IPv5' }));
      expect(problems).toEqual([expect.stringContaining('EndpointSlice apps/web-x: addressType "IPv5" is not IPv4, IPv6 or FQDN')]);
      expect(registry.resolve('apps', 'web', 8080)).toBeUndefined();
    });

    test('fails on bad addresses and ports one by one, using the rest', () => {
      const { registry } = collect();
      registry.upsertService(serviceObject('web'));
      const slice = endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '300.0.0.1' }, { ip: 'fd00::1' }]);
      slice.endpoints.push({ conditions: {} }, null);
      slice.ports.push({ name: 'bad', port: 70000 });
      const problems = registry.upsertSlice(slice);
      expect(problems).toEqual([
        expect.stringContaining('ports[1].port 70000 is not a port number (1-65535)'),
        expect.stringContaining('endpoints[1].addresses[0] "300.0.0.1" is not an IPv4 address: that endpoint is skipped'),
        expect.stringContaining('endpoints[2].addresses[0] "fd00::1" is not an IPv4 address'),
        expect.stringContaining('endpoints[3].addresses[0] undefined is not an IPv4 address'),
        expect.stringContaining('endpoints[4].addresses[0] undefined'),
      ]);
      expect(spread(registry, 80, 2)).toEqual({ '10.0.0.1:8080': 2 });
    });

    test('fails on lists that are not lists, objects that are not objects, and too many endpoints, without throwing', () => {
      const { registry } = collect();
      registry.upsertService(serviceObject('web'));
      expect(registry.upsertSlice({ ...endpointSlice('web-1', 'web', []), endpoints: 'x', ports: 5 })).toEqual([
        expect.stringContaining('ports is not a list'),
        expect.stringContaining('endpoints is not a list'),
      ]);
      expect(registry.upsertSlice(null as any)).toEqual([expect.stringContaining('EndpointSlice without metadata.name')]);
      expect(registry.upsertSlice({ metadata: 'x' } as any)).toEqual([expect.stringContaining('EndpointSlice without metadata.name')]);
      expect(registry.upsertService({ metadata: { name: 'svc' }, spec: { ports: [{ port: 'http' }] } })).toEqual([
        expect.stringContaining('Service default/svc: spec.ports[0].port "http" is not a port number'),
      ]);
      const many = Array.from({ length: MAX_SLICE_ENDPOINTS + 5 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
      expect(registry.upsertSlice(endpointSlice('web-big', 'web', many))).toEqual([
        expect.stringContaining(`${MAX_SLICE_ENDPOINTS + 5} endpoints, more than the ${MAX_SLICE_ENDPOINTS} allowed`),
      ]);
      expect(registry.resolve('apps', 'web', 80)!.size).toBe(MAX_SLICE_ENDPOINTS);
      expect(() => registry.deleteSlice(undefined as any)).not.toThrow();
    });

    test('fails on an unknown policy annotation (the default is used)', () => {
      const { registry } = collect();
      expect(registry.upsertService(serviceObject('web', undefined, { annotations: { [LOAD_BALANCING_ANNOTATION]: 'random' } }))).toEqual([
        expect.stringContaining('"random" is not one of round-robin, least-request: the default policy is used'),
      ]);
      registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]));
      expect(spread(registry, 80, 4)).toEqual({ '10.0.0.1:8080': 2, '10.0.0.2:8080': 2 });
    });

    test('fails on a slice that turns malformed: its endpoints are forgotten and drained', () => {
      const drained: string[] = [];
      const { registry } = collect();
      registry.onDrain((k) => drained.push(k));
      registry.upsertService(serviceObject('web'));
      registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }]));
      expect(registry.upsertSlice(endpointSlice('web-1', 'web', [{ ip: '10.0.0.1' }], { addressType: 'bogus' }))).toHaveLength(1);
      expect(drained).toEqual(['10.0.0.1:8080']);
      expect(registry.resolve('apps', 'web', 80)!.size).toBe(0);
    });
  });
});
