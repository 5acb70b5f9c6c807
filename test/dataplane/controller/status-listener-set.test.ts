/**
 * ListenerSet and TLSRoute status from the one compile: the facts `compile` returns for each ListenerSet naming a
 * served Gateway (Accepted and Programmed with the spec's reasons, its listeners), the Gateway's
 * `attachedListenerSets`, TLSRoute parents with ResolvedRefs, and `computeStatus` turning them into status written on
 * change only.
 */
import { computeStatus, StatusInput } from '../../../src/dataplane/controller/status';
import { compile } from '../../../src/dataplane/engine/compile';
import type { StatusFacts } from '../../../src/dataplane/engine/model';
import type { KubeObject } from '../../../src/dataplane/kube/client';
import { docs, gateway, httpRoute, ruleTo } from '../engine/helpers';

const G = 'gateway.networking.k8s.io';
const ME = 'cdk8s-gateway.dev/gateway-controller';
const T0 = '2026-01-01T00:00:00Z';
const service = (name: string, namespace = 'default'): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 80 }, { port: 443 }] } });
const brief = (conditions: readonly { type: string; status: string; reason: string }[]): string[] => conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

function listenerSet(name: string, listeners: any[], over: { namespace?: string; parent?: string; created?: string } = {}): any {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ListenerSet',
    metadata: { name, namespace: over.namespace ?? 'default', generation: 2, ...(over.created ? { creationTimestamp: over.created } : {}) },
    spec: { parentRef: { name: over.parent ?? 'gw', namespace: 'default' }, listeners },
  };
}

function tlsRoute(name: string, spec: any): any {
  return { apiVersion: `${G}/v1`, kind: 'TLSRoute', metadata: { name, namespace: 'default', generation: 1 }, spec };
}

function factsOf(objects: any[]): StatusFacts {
  return compile(docs(objects), { servicesComplete: true }).facts!;
}

const setOf = (facts: StatusFacts, name: string) => facts.listenerSets!.find((s) => s.name === name)!;

describe('ListenerSet status facts of compile', () => {
  // GIVEN a Gateway admitting ListenerSets of its own namespace, with one listener on port 80
  const gw = (extra: any = {}): any => {
    const g = gateway([{ name: 'web', port: 80, protocol: 'HTTP', hostname: 'web.example.com' }]);
    return { ...g, spec: { ...g.spec, allowedListeners: { namespaces: { from: 'Same' } }, ...extra } };
  };

  test('an admitted ListenerSet: Accepted and Programmed, its listeners with routes counted, a conflicting listener Conflicted', () => {
    // GIVEN a ListenerSet with a listener of its own and one whose hostname the Gateway's listener already has, and a
    // route naming the ListenerSet
    const objects = [
      gw(), service('svc'),
      listenerSet('team', [
        { name: 'own', port: 80, protocol: 'HTTP', hostname: 'team.example.com' },
        { name: 'clash', port: 80, protocol: 'HTTP', hostname: 'web.example.com' },
      ]),
      httpRoute('r', { parentRefs: [{ kind: 'ListenerSet', group: G, name: 'team' }], rules: [ruleTo('svc')] }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN the ListenerSet is attached, the Gateway counts it, and each listener has the spec's conditions
    const set = setOf(facts, 'team');
    expect(set.gateway).toBe('default/gw');
    expect(brief(set.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(facts.gateways[0].attachedListenerSets).toBe(1);
    const [own, clash] = set.listeners;
    expect(own).toMatchObject({ name: 'own', attachedRoutes: 1, supportedKinds: [{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }] });
    expect(brief(own.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
    expect(clash.attachedRoutes).toBe(0);
    expect(brief(clash.conditions)).toStrictEqual(['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/HostnameConflict']);
    expect(clash.conditions[0].message).toMatch(/Gateway default\/gw listener "web"/);
    // AND the route's parent is the ListenerSet, as the route named it
    const parent = facts.routes.find((r) => r.name === 'r')!.parents[0];
    expect(parent.parentRef).toStrictEqual({ group: G, kind: 'ListenerSet', namespace: 'default', name: 'team' });
    expect(brief(parent.conditions)[0]).toBe('Accepted=True/Accepted');
  });

  test('fails a ListenerSet in a namespace the Gateway does not admit: NotAllowed, no listeners, not counted, its routes told why', () => {
    // GIVEN a ListenerSet in namespace "other" (the Gateway admits its own namespace only)
    const objects = [
      gw(), service('svc', 'other'),
      listenerSet('outsider', [{ name: 'x', port: 80, protocol: 'HTTP', hostname: 'x.example.com' }], { namespace: 'other' }),
      httpRoute('lost', { parentRefs: [{ kind: 'ListenerSet', group: G, name: 'outsider' }], rules: [ruleTo('svc')] }, { namespace: 'other' }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const set = setOf(facts, 'outsider');
    expect(brief(set.conditions)).toStrictEqual(['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
    // AND a route naming it is told why it does not attach
    const parent = facts.routes.find((r) => r.name === 'lost')!.parents[0];
    expect(brief(parent.conditions)[0]).toBe('Accepted=False/NoMatchingParent');
    expect(parent.conditions[0].message).toBe("ListenerSet other/outsider is not attached to Gateway default/gw: the Gateway's spec.allowedListeners does not admit its namespace");
    expect(set.conditions[0].message).toMatch(/Gateway default\/gw spec.allowedListeners does not admit ListenerSets from namespace other/);
    expect(set.listeners).toStrictEqual([]);
    expect(facts.gateways[0].attachedListenerSets).toBe(0);
  });

  test('fails a ListenerSet none of whose listeners can be served: ListenersNotValid (conflicts, unresolved certificates)', () => {
    // GIVEN a ListenerSet whose only listener takes the Gateway's port with another protocol, and one whose HTTPS
    // listener names a Secret that is not there
    const objects = [
      gw(),
      listenerSet('tcp', [{ name: 'raw', port: 80, protocol: 'TCP' }], { created: '2026-01-01T00:00:00Z' }),
      listenerSet('tls', [{ name: 'secure', port: 443, protocol: 'HTTPS', hostname: 's.example.com', tls: { certificateRefs: [{ name: 'absent' }] } }], { created: '2026-01-01T00:00:01Z' }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const tcp = setOf(facts, 'tcp');
    expect(brief(tcp.conditions)).toStrictEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
    expect(tcp.conditions[0].message).toMatch(/"raw" ProtocolConflict/);
    expect(brief(tcp.listeners[0].conditions)).toStrictEqual(['Accepted=False/ProtocolConflict', 'Conflicted=True/ProtocolConflict', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/ProtocolConflict']);
    const tls = setOf(facts, 'tls');
    expect(brief(tls.conditions)).toStrictEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
    expect(brief(tls.listeners[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid']);
    expect(facts.gateways[0].attachedListenerSets).toBe(0);
  });

  test('fails a ListenerSet whose parent Gateway is not accepted: ParentNotAccepted', () => {
    // GIVEN a Gateway with static addresses (not supported: not accepted) and a ListenerSet it would admit
    const objects = [gw({ addresses: [{ value: '192.0.2.1' }] }), listenerSet('team', [{ name: 'own', port: 80, protocol: 'HTTP', hostname: 'team.example.com' }])];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const set = setOf(facts, 'team');
    expect(brief(set.conditions)).toStrictEqual(['Accepted=False/ParentNotAccepted', 'Programmed=False/ParentNotAccepted']);
    expect(set.conditions[0].message).toMatch(/parent Gateway default\/gw is not accepted: spec.addresses/);
    expect(brief(set.listeners[0].conditions)[3]).toBe('Programmed=False/Invalid');
  });

  test('a ListenerSet naming a Gateway that is not served has no facts (its status is left to whoever serves it)', () => {
    // GIVEN a ListenerSet naming a Gateway that is not in the input
    const facts = factsOf([gw(), listenerSet('elsewhere', [{ name: 'x', port: 80, protocol: 'HTTP' }], { parent: 'absent' })]);

    // THEN
    expect(facts.listenerSets).toStrictEqual([]);
  });
});

describe('TLSRoute status facts of compile', () => {
  const tlsGateway = (): any => gateway([{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { namespaces: { from: 'Same' } } }]);

  test('a TLSRoute attached to a TLS listener: its parent Accepted, ResolvedRefs from its backends, the listener counts it', () => {
    // GIVEN two TLSRoutes on the Gateway's TLS listener, one naming it twice, one with a backend that does not exist
    const objects = [
      tlsGateway(), service('svc'),
      tlsRoute('good', { parentRefs: [{ name: 'gw', sectionName: 'tls' }, { name: 'gw', sectionName: 'tls' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] }),
      tlsRoute('missing', { parentRefs: [{ name: 'gw' }], hostnames: ['b.example.com'], rules: [{ backendRefs: [{ name: 'absent', port: 443 }] }] }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const good = facts.routes.find((r) => r.kind === 'TLSRoute' && r.name === 'good')!;
    expect(good.parents).toStrictEqual([expect.objectContaining({ parentRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'gw', sectionName: 'tls' } })]);
    expect(brief(good.parents[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    const missing = facts.routes.find((r) => r.kind === 'TLSRoute' && r.name === 'missing')!;
    expect(brief(missing.parents[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
    expect(facts.gateways[0].listeners[0]).toMatchObject({ name: 'tls', attachedRoutes: 2, supportedKinds: [{ group: G, kind: 'TLSRoute' }] });
  });

  test('a TLSRoute naming a ListenerSet: attached to its TLS listener, which counts it; fails with NoMatchingParent on one the Gateway does not admit', () => {
    // GIVEN a Gateway admitting ListenerSets of its namespace, one there with a TLS listener, one in "other" (not
    // admitted), and a TLSRoute naming each
    const g = tlsGateway();
    const objects = [
      { ...g, spec: { ...g.spec, allowedListeners: { namespaces: { from: 'Same' } } } }, service('svc'),
      listenerSet('team', [{ name: 'pass', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      listenerSet('outsider', [{ name: 'pass', port: 9443, protocol: 'TLS', tls: { mode: 'Passthrough' } }], { namespace: 'other' }),
      tlsRoute('via-set', { parentRefs: [{ kind: 'ListenerSet', name: 'team' }, { kind: 'ListenerSet', name: 'outsider', namespace: 'other' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] }),
    ];

    // WHEN
    const facts = factsOf(objects);

    // THEN the parent naming the admitted ListenerSet is accepted and its listener counts the route
    const parents = facts.routes.find((r) => r.name === 'via-set')!.parents;
    expect(parents.map((p) => `${p.parentRef.kind} ${p.parentRef.namespace}/${p.parentRef.name} ${brief(p.conditions)[0]}`)).toStrictEqual([
      'ListenerSet default/team Accepted=True/Accepted',
      'ListenerSet other/outsider Accepted=False/NoMatchingParent',
    ]);
    expect(parents[1].conditions[0].message).toBe('the ListenerSet has no attached listener of protocol TLS');
    expect(setOf(facts, 'team').listeners[0]).toMatchObject({ name: 'pass', attachedRoutes: 1, supportedKinds: [{ group: G, kind: 'TLSRoute' }] });
  });

  test('fails a Terminate TLS listener whose certificate Secret is not there: ResolvedRefs False, not Programmed', () => {
    // GIVEN a TLS listener terminating with a Secret that is not in the input
    const objects = [gateway([{ name: 'term', port: 443, protocol: 'TLS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'absent' }] } }])];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const [term] = facts.gateways[0].listeners;
    expect(brief(term.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid']);
    expect(term.conditions[2].message).toMatch(/Secret default\/absent is not in the input/);
  });

  test('fails an HTTPRoute naming a Gateway whose only listener is of protocol TLS: NotAllowedByListeners', () => {
    // GIVEN
    const objects = [tlsGateway(), service('svc'), httpRoute('web', { rules: [ruleTo('svc')] })];

    // WHEN
    const facts = factsOf(objects);

    // THEN
    const parent = facts.routes.find((r) => r.name === 'web')!.parents[0];
    expect(brief(parent.conditions)).toStrictEqual(['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=True/ResolvedRefs']);
    expect(parent.conditions[0].message).toMatch(/listener "tls" is of protocol TLS and does not allow HTTPRoute/);
    expect(facts.gateways[0].listeners[0].attachedRoutes).toBe(0);
  });

  test('fails a TLSRoute whose listener does not admit its namespace: NotAllowedByListeners', () => {
    // GIVEN a TLSRoute in namespace "other" (the listener admits its own namespace only)
    const route = { ...tlsRoute('far', { parentRefs: [{ name: 'gw', namespace: 'default' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] }) };
    route.metadata = { ...route.metadata, namespace: 'other' };

    // WHEN
    const facts = factsOf([tlsGateway(), service('svc', 'other'), route]);

    // THEN
    const parent = facts.routes.find((r) => r.name === 'far')!.parents[0];
    expect(brief(parent.conditions)[0]).toBe('Accepted=False/NotAllowedByListeners');
  });
});

describe('computeStatus for ListenerSets, the Gateway and TLSRoutes', () => {
  const gwObject = (): KubeObject => {
    const g = gateway([{ name: 'web', port: 80, protocol: 'HTTP', hostname: 'web.example.com' }, { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]);
    return { ...g, metadata: { ...g.metadata, generation: 1 }, spec: { ...g.spec, gatewayClassName: 'mine', allowedListeners: { namespaces: { from: 'Same' } } } };
  };
  const cls: KubeObject = { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: 'mine', generation: 1 }, spec: { controllerName: ME } };
  const set: KubeObject = listenerSet('team', [{ name: 'own', port: 80, protocol: 'HTTP', hostname: 'team.example.com' }]);
  const stranger: KubeObject = listenerSet('stranger', [{ name: 'x', port: 80, protocol: 'HTTP' }], { parent: 'someone-elses' });
  const route: KubeObject = tlsRoute('pass', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] });
  const input = (objects: { gw: KubeObject; set: KubeObject; route: KubeObject }, over: Partial<StatusInput> = {}): StatusInput => ({
    controllerName: ME,
    gatewayClasses: [cls],
    gateways: [objects.gw],
    routes: [objects.route],
    listenerSets: [objects.set, stranger],
    facts: factsOf([objects.gw, objects.set, stranger, objects.route, service('svc')]),
    now: T0,
    ...over,
  });

  test('GIVEN a ListenerSet and a TLSRoute without status WHEN computed THEN each gets its status at its generation, once', () => {
    // WHEN
    const objects = { gw: gwObject(), set, route };
    const updates = computeStatus(input(objects));

    // THEN the ListenerSet's conditions and listeners, the Gateway's count and the TLSRoute's parent are written
    const byKind = Object.fromEntries(updates.map((u) => [`${u.kind} ${u.object.metadata.name}`, u.status as any]));
    expect(Object.keys(byKind).sort()).toStrictEqual(['Gateway gw', 'GatewayClass mine', 'ListenerSet team', 'TLSRoute pass']);
    const ls = byKind['ListenerSet team'];
    expect(brief(ls.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(ls.conditions.every((c: any) => c.observedGeneration === 2 && c.lastTransitionTime === T0)).toBe(true);
    expect(ls.listeners).toStrictEqual([expect.objectContaining({ name: 'own', attachedRoutes: 0, supportedKinds: [{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }] })]);
    expect(ls.listeners[0].conditions.map((c: any) => c.observedGeneration)).toStrictEqual([2, 2, 2, 2]);
    expect(byKind['Gateway gw'].attachedListenerSets).toBe(1);
    expect(byKind['Gateway gw'].listeners.find((l: any) => l.name === 'tls').attachedRoutes).toBe(1);
    expect(byKind['TLSRoute pass'].parents).toStrictEqual([expect.objectContaining({
      controllerName: ME,
      parentRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'gw' },
    })]);
    expect(brief(byKind['TLSRoute pass'].parents[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);

    // AND WHEN the objects carry what was written THEN nothing is written again (status is written on change only)
    const written = (o: KubeObject, kind: string): KubeObject => ({ ...o, status: updates.find((u) => u.kind === kind && u.object === o)!.status });
    const again = computeStatus(input({ gw: written(objects.gw, 'Gateway'), set: written(set, 'ListenerSet'), route: written(route, 'TLSRoute') }, { gatewayClasses: [] }));
    expect(again).toStrictEqual([]);
  });

  test('GIVEN a ListenerSet whose listener changes WHEN computed again THEN only it is written, unchanged conditions keep their time', () => {
    // GIVEN the status written at T0
    const objects = { gw: gwObject(), set, route };
    const first = computeStatus(input(objects));
    const setStatus = first.find((u) => u.kind === 'ListenerSet')!.status as any;
    // WHEN its listener now clashes with the Gateway's (same hostname), at generation 3
    const changed: KubeObject = {
      ...listenerSet('team', [{ name: 'own', port: 80, protocol: 'HTTP', hostname: 'web.example.com' }]),
      metadata: { ...set.metadata, generation: 3 },
      status: setStatus,
    };
    const gwWritten = { ...objects.gw, status: first.find((u) => u.kind === 'Gateway')!.status };
    const later = '2026-01-01T00:01:00Z';
    const updates = computeStatus(input({ gw: gwWritten, set: changed, route }, { gatewayClasses: [], routes: [], now: later }));

    // THEN the ListenerSet is no longer accepted and the Gateway counts none
    const ls = updates.find((u) => u.kind === 'ListenerSet')!.status as any;
    expect(brief(ls.conditions)).toStrictEqual(['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid']);
    expect(ls.conditions.every((c: any) => c.observedGeneration === 3 && c.lastTransitionTime === later)).toBe(true);
    const resolved = ls.listeners[0].conditions.find((c: any) => c.type === 'ResolvedRefs');
    expect(resolved).toMatchObject({ status: 'True', observedGeneration: 3, lastTransitionTime: T0 });
    expect((updates.find((u) => u.kind === 'Gateway')!.status as any).attachedListenerSets).toBe(0);
  });

  test('GIVEN --gateway names the served Gateway WHEN a route with a ListenerSet parent is computed again THEN its one parent entry is replaced, not repeated', () => {
    // GIVEN an HTTPRoute naming the ListenerSet, its status written once by a replica serving only default/gw
    const objects = { gw: gwObject(), set, route };
    const viaSet: KubeObject = {
      ...httpRoute('via-set', { parentRefs: [{ kind: 'ListenerSet', group: G, name: 'team' }], rules: [ruleTo('svc')] }),
      metadata: { name: 'via-set', namespace: 'default', generation: 1 },
    };
    const facts = factsOf([objects.gw, set, stranger, viaSet, service('svc')]);
    const filtered = (r: KubeObject): StatusInput => ({ ...input(objects), routes: [r], facts, gatewayFilter: ['default/gw'] });
    const first = computeStatus(filtered(viaSet)).find((u) => u.kind === 'HTTPRoute')!;
    expect((first.status as any).parents).toHaveLength(1);

    // WHEN the route carries that status and the pass runs again, then after a change of the route
    const written: KubeObject = { ...viaSet, status: first.status };
    const again = computeStatus(filtered(written)).find((u) => u.kind === 'HTTPRoute');
    const bumped = computeStatus(filtered({ ...written, metadata: { ...written.metadata, generation: 2 } })).find((u) => u.kind === 'HTTPRoute')!;

    // THEN nothing is written when nothing changed, and a change keeps one entry for the ListenerSet
    expect(again).toBeUndefined();
    expect((bumped.status as any).parents.map((p: any) => `${p.parentRef.kind} ${p.parentRef.name} ${p.conditions[0].observedGeneration}`)).toStrictEqual(['ListenerSet team 2']);
  });
});
