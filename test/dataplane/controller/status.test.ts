/**
 * Status from the one compile: the facts `compile` returns (the spec's conditions and reasons per Gateway, listener
 * and route parent), and `computeStatus` turning them into the status each object must carry (generation,
 * transition times kept, other controllers' parents kept, nothing returned when nothing changed).
 */
import { SUPPORTED_FEATURES } from '../../../src/dataplane/controller/constants';
import { computeStatus, Condition, StatusInput } from '../../../src/dataplane/controller/status';
import { compile } from '../../../src/dataplane/engine/compile';
import type { StatusFacts } from '../../../src/dataplane/engine/model';
import type { KubeObject } from '../../../src/dataplane/kube/client';
import { docs, gateway, httpRoute, ruleTo } from '../engine/helpers';

const G = 'gateway.networking.k8s.io';
const ME = 'cdk8s-gateway.dev/gateway-controller';
const service = (name: string, namespace = 'default'): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 80 }] } });
const brief = (conditions: readonly { type: string; status: string; reason: string }[]): string[] => conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

function factsOf(objects: any[]): StatusFacts {
  return compile(docs(objects), { servicesComplete: true }).facts!;
}

describe('status facts of compile', () => {
  test('GIVEN listeners of every kind of fault WHEN compiled THEN each listener carries the spec\'s conditions and the valid kinds only', () => {
    // GIVEN
    const gw = gateway([
      { name: 'ok', port: 80, protocol: 'HTTP' },
      { name: 'tcp', port: 9000, protocol: 'TCP' },
      { name: 'same-host', port: 80, protocol: 'HTTP' },
      { name: 'https-missing', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'absent' }] } },
      { name: 'kinds', port: 8080, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'TCPRoute' }] } },
      { name: 'other-ns-secret', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } },
    ]);

    // WHEN
    const facts = factsOf([gw]);

    // THEN
    const l = Object.fromEntries(facts.gateways[0].listeners.map((x) => [x.name, x]));
    expect(facts.gateways[0].accepted).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(brief(l.ok.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
    expect(l.ok.supportedKinds).toStrictEqual([{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }]);
    expect(brief(l.tcp.conditions)).toStrictEqual(['Accepted=False/UnsupportedProtocol', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/Invalid']);
    expect(l.tcp.supportedKinds).toStrictEqual([]);
    expect(brief(l['same-host'].conditions)).toStrictEqual(['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/Invalid']);
    expect(brief(l['https-missing'].conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid']);
    expect(l['https-missing'].conditions[2].message).toMatch(/Secret default\/absent is not in the input/);
    expect(brief(l.kinds.conditions)[2]).toBe('ResolvedRefs=False/InvalidRouteKinds');
    expect(l.kinds.supportedKinds).toStrictEqual([{ group: G, kind: 'HTTPRoute' }]);
    expect(brief(l['other-ns-secret'].conditions)[2]).toBe('ResolvedRefs=False/RefNotPermitted');
  });

  test('GIVEN routes that attach and routes that do not WHEN compiled THEN each parent has the spec\'s reason and attachedRoutes counts the attached', () => {
    // GIVEN
    const gw = gateway([
      { name: 'http', port: 80, protocol: 'HTTP', hostname: 'a.example.com' },
      { name: 'grpc-only', port: 81, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } },
    ]);
    const objects = [
      gw, service('svc'),
      httpRoute('ok', { rules: [ruleTo('svc')] }),
      httpRoute('no-section', { parentRefs: [{ name: 'gw', sectionName: 'nope' }], rules: [ruleTo('svc')] }),
      httpRoute('other-host', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['b.example.com'], rules: [ruleTo('svc')] }),
      httpRoute('wrong-kind', { parentRefs: [{ name: 'gw', sectionName: 'grpc-only' }], rules: [ruleTo('svc')] }),
      httpRoute('foreign', { parentRefs: [{ name: 'gw', namespace: 'default' }], rules: [ruleTo('svc')] }, { namespace: 'team' }),
      httpRoute('missing', { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [ruleTo('absent')] }),
      httpRoute('kind', { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }] }] }),
      httpRoute('cross', { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'svc', namespace: 'team', port: 80 }] }] }),
      httpRoute('ext', { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ ...ruleTo('svc'), filters: [{ type: 'ExtensionRef', extensionRef: { group: 'x', kind: 'Y', name: 'z' } }], sessionPersistence: { type: 'Cookie' } }] }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const parent = (name: string): string[] => brief(facts.routes.find((r) => r.name === name)!.parents[0].conditions);
    expect(parent('ok')).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    expect(parent('no-section')[0]).toBe('Accepted=False/NoMatchingParent');
    expect(parent('other-host')[0]).toBe('Accepted=False/NoMatchingListenerHostname');
    expect(parent('wrong-kind')[0]).toBe('Accepted=False/NotAllowedByListeners');
    expect(parent('foreign')[0]).toBe('Accepted=False/NotAllowedByListeners');
    expect(parent('missing')).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
    expect(parent('kind')[1]).toBe('ResolvedRefs=False/InvalidKind');
    expect(parent('cross')[1]).toBe('ResolvedRefs=False/RefNotPermitted');
    expect(parent('ext')).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs', 'PartiallyInvalid=True/UnsupportedValue']);
    const ext = facts.routes.find((r) => r.name === 'ext')!.parents[0].conditions[2].message;
    expect(ext).toMatch(/spec\.rules\[0\]\.sessionPersistence is not supported by this gateway and is not applied/);
    expect(ext).toMatch(/filter ExtensionRef is not supported by this gateway: requests matching its rule get 500/);
    expect(facts.routes.find((r) => r.name === 'no-section')!.parents[0].parentRef).toStrictEqual({ group: G, kind: 'Gateway', namespace: 'default', name: 'gw', sectionName: 'nope' });
    const http = facts.gateways[0].listeners.find((l) => l.name === 'http')!;
    expect(http.attachedRoutes).toBe(5); // ok, missing, kind, cross, ext
  });

  test('GIVEN a Gateway with parameters, one with static addresses WHEN compiled THEN neither is accepted nor served', () => {
    // GIVEN
    const withParams = { ...gateway(undefined, 'params'), spec: { ...gateway().spec, infrastructure: { parametersRef: { group: 'x.io', kind: 'P', name: 'p' } } } };
    const withAddresses = { ...gateway(undefined, 'addr'), spec: { ...gateway().spec, addresses: [{ type: 'IPAddress', value: '192.0.2.1' }] } };

    // WHEN
    const table = compile(docs([withParams, withAddresses]));

    // THEN
    expect(table.facts!.gateways.map((g) => `${g.name}: ${g.accepted.status}/${g.accepted.reason}`)).toStrictEqual(['addr: False/UnsupportedAddress', 'params: False/InvalidParameters']);
    expect(table.sockets).toStrictEqual([]);
    expect(table.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^Gateway default\/params is not served \(InvalidParameters\): spec\.infrastructure\.parametersRef x\.io\/P p/));
    expect(brief(table.facts!.gateways[1].listeners[0].conditions)[3]).toBe('Programmed=False/Invalid');
  });

  test('GIVEN client certificate validation, then a client certificate towards backends WHEN compiled THEN both Gateways are accepted and served', () => {
    // GIVEN (both are applied by the gateway: frontend validation on the HTTPS sockets, the certificate towards backends
    // with a BackendTLSPolicy)
    const frontend = { ...gateway(undefined, 'front'), spec: { ...gateway().spec, tls: { frontend: { default: { validation: { caCertificateRefs: [{ name: 'ca' }] } } } } } };
    const backend = { ...gateway(undefined, 'back'), spec: { ...gateway().spec, tls: { backend: { clientCertificateRef: { name: 'client' } } } } };

    // WHEN
    const table = compile(docs([frontend, backend]));

    // THEN
    const [back, front] = table.facts!.gateways;
    expect(front.accepted).toStrictEqual({ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' });
    expect(back.accepted).toStrictEqual({ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' });
    expect(table.sockets.map((s) => s.gateway)).toStrictEqual(['default/back', 'default/front']);
  });
});

describe('computeStatus', () => {
  const T0 = '2026-12-01T00:00:00Z';
  const T1 = '2026-12-02T00:00:00Z';
  const gw: KubeObject = { ...gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]), metadata: { name: 'gw', namespace: 'default', generation: 3 } };
  const route: KubeObject = { ...httpRoute('r', { rules: [ruleTo('svc')] }), metadata: { name: 'r', namespace: 'default', generation: 7 } };
  const cls: KubeObject = { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: 'c', generation: 2 }, spec: { controllerName: ME } };
  const other: KubeObject = { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: 'o', generation: 1 }, spec: { controllerName: 'example.com/x' } };
  const facts = factsOf([gw, route, service('svc')]);
  const input = (over: Partial<StatusInput> = {}): StatusInput => ({
    controllerName: ME, gatewayClasses: [cls, other], gateways: [gw], routes: [route], facts, now: T0, ...over,
  });

  test('GIVEN objects without status WHEN computed THEN ours get conditions at their generation, other classes nothing', () => {
    // WHEN
    const updates = computeStatus(input());

    // THEN
    expect(updates.map((u) => `${u.kind} ${u.object.metadata.name}`)).toStrictEqual(['GatewayClass c', 'Gateway gw', 'HTTPRoute r']);
    const [c, g, r] = updates.map((u) => u.status as any);
    expect(c.conditions).toStrictEqual([{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 2, lastTransitionTime: T0 }]);
    expect(c.supportedFeatures).toStrictEqual(SUPPORTED_FEATURES.map((name) => ({ name })));
    expect(brief(g.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(g.conditions.every((x: Condition) => x.observedGeneration === 3)).toBe(true);
    expect(g.listeners[0].conditions.every((x: Condition) => x.observedGeneration === 3 && x.lastTransitionTime === T0)).toBe(true);
    expect(g.addresses).toBeUndefined();
    expect(r.parents).toStrictEqual([{
      parentRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'gw' },
      controllerName: ME,
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 7, lastTransitionTime: T0 },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', observedGeneration: 7, lastTransitionTime: T0 },
      ],
    }]);
  });

  test('GIVEN objects without status WHEN computed for one object only THEN only that one is returned', () => {
    // WHEN
    const updates = computeStatus(input({ only: new Set(['HTTPRoute default/r']) }));

    // THEN
    expect(updates.map((u) => `${u.kind} ${u.object.metadata.name}`)).toStrictEqual(['HTTPRoute r']);
  });

  test('GIVEN the status written WHEN computed again later THEN nothing is to be written', () => {
    // GIVEN
    const written = computeStatus(input());
    const withStatus = (o: KubeObject): KubeObject => ({ ...o, status: JSON.parse(JSON.stringify(written.find((u) => u.object === o)!.status)) });

    // WHEN
    const again = computeStatus(input({
      gatewayClasses: [withStatus(cls), other], gateways: [withStatus(gw)], routes: [withStatus(route)], now: T1,
    }));

    // THEN
    expect(again).toStrictEqual([]);
  });

  test('GIVEN a condition that flips and one that stays WHEN computed THEN only the flipped one gets the new time, both the new generation', () => {
    // GIVEN the route written at T0, then its backend removed and its generation bumped
    const before = { ...route, status: computeStatus(input()).find((u) => u.kind === 'HTTPRoute')!.status };
    const changed: KubeObject = { ...before, metadata: { ...before.metadata, generation: 8 }, spec: { ...route.spec, rules: [ruleTo('absent')] } };
    const newFacts = factsOf([gw, changed, service('svc')]);

    // WHEN
    const [u] = computeStatus(input({ gatewayClasses: [], gateways: [], routes: [changed], facts: newFacts, now: T1 }));

    // THEN
    const [accepted, resolved] = (u.status as any).parents[0].conditions;
    expect(accepted).toMatchObject({ status: 'True', observedGeneration: 8, lastTransitionTime: T0 });
    expect(resolved).toMatchObject({ status: 'False', reason: 'BackendNotFound', observedGeneration: 8, lastTransitionTime: T1 });
  });

  test('GIVEN another controller\'s parent and a parent of ours no longer referenced WHEN computed THEN theirs is kept and ours is replaced', () => {
    // GIVEN
    const theirs = { parentRef: { name: 'x' }, controllerName: 'example.com/x', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: T0 }] };
    const stale = { parentRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'gone' }, controllerName: ME, conditions: [] };
    const live = { ...route, status: { parents: [theirs, stale] } };

    // WHEN
    const [u] = computeStatus(input({ gatewayClasses: [], gateways: [], routes: [live] }));

    // THEN
    const parents = (u.status as any).parents;
    expect(parents[0]).toStrictEqual(theirs);
    expect(parents.map((p: any) => p.parentRef.name)).toStrictEqual(['x', 'gw']);
  });

  test('GIVEN --gateway naming one Gateway WHEN computed THEN our parent entries for other Gateways are left to the replicas serving them', () => {
    // GIVEN an entry of ours for a Gateway another replica serves
    const elsewhere = { parentRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'other' }, controllerName: ME, conditions: [] };
    const live = { ...route, status: { parents: [elsewhere] } };

    // WHEN
    const [filtered] = computeStatus(input({ gatewayClasses: [], gateways: [], routes: [live], gatewayFilter: ['default/gw'] }));
    const [unfiltered] = computeStatus(input({ gatewayClasses: [], gateways: [], routes: [live] }));

    // THEN
    expect((filtered.status as any).parents.map((p: any) => p.parentRef.name)).toStrictEqual(['other', 'gw']);
    expect((unfiltered.status as any).parents.map((p: any) => p.parentRef.name)).toStrictEqual(['gw']);
  });

  test('GIVEN a Service without address, then with one WHEN computed THEN the Gateway is not Programmed (AddressNotAssigned), then Programmed with the address', () => {
    // WHEN
    const none = computeStatus(input({ gatewayClasses: [], routes: [], addresses: [] }))[0].status as any;
    const some = computeStatus(input({ gatewayClasses: [], routes: [], addresses: [{ type: 'IPAddress', value: '10.96.0.10' }] }))[0].status as any;

    // THEN
    expect(brief(none.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=False/AddressNotAssigned']);
    expect(none.addresses).toBeUndefined();
    expect(brief(some.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(some.addresses).toStrictEqual([{ type: 'IPAddress', value: '10.96.0.10' }]);
  });

  test('GIVEN a route the compile could not read WHEN computed THEN each served parent says why, Accepted=False/UnsupportedValue', () => {
    // WHEN
    const rejected = new Map([['HTTPRoute default/r', 'HTTPRoute default/r:spec.rules[0].matches[0].path.value: invalid regular expression "(?<x>"']]);
    const u = computeStatus(input({ gatewayClasses: [], gateways: [gw], routes: [route], facts: { gateways: facts.gateways, routes: [] }, rejected })).find((x) => x.kind === 'HTTPRoute')!;

    // THEN
    const p = (u.status as any).parents[0];
    expect(p.parentRef).toStrictEqual({ group: G, kind: 'Gateway', namespace: 'default', name: 'gw' });
    expect(p.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message: rejected.get('HTTPRoute default/r') });
  });

  test('GIVEN a GatewayClass with parametersRef WHEN computed THEN it is not Accepted (InvalidParameters)', () => {
    // WHEN
    const withRef = { ...cls, spec: { ...cls.spec, parametersRef: { group: 'x.io', kind: 'P', name: 'p' } } };
    const [u] = computeStatus(input({ gatewayClasses: [withRef], gateways: [], routes: [] }));

    // THEN
    expect(brief((u.status as any).conditions)).toStrictEqual(['Accepted=False/InvalidParameters']);
  });
});
