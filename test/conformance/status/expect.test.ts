/**
 * The status expectations judged on hand-made reads, as upstream's helpers judge them (FORMAT.md): what holds,
 * and what fails with which message. test/kube/status-expect.test.ts polls them against a real API server.
 */
import type { StatusExpect } from './cases';
import { checkExpectation, unmatchedConditions } from './expect';
import type { KubeObject } from '../../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const T = { config: 'X', seconds: 1 };
const cond = (type: string, status: string, reason: string, observedGeneration = 1): any => ({ type, status, reason, observedGeneration });
const obj = (kind: string, status: unknown, generation = 1, meta: Partial<KubeObject['metadata']> = {}): KubeObject =>
  ({ kind, metadata: { name: 'x', namespace: 'ns', generation, ...meta }, status } as KubeObject);

describe('conditions', () => {
  test('GIVEN patterns THEN type, status and reason must match one condition; a missing status or reason means any', () => {
    const list = [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'False', 'BackendNotFound')];
    expect(unmatchedConditions(list, [{ type: 'Accepted' }, { type: 'ResolvedRefs', status: 'False' }, { type: 'ResolvedRefs', reasons: ['BackendNotFound', 'InvalidKind'] }])).toStrictEqual([]);
    expect(unmatchedConditions(list, [{ type: 'Accepted', status: 'False' }, { type: 'Programmed' }])).toStrictEqual(['Accepted=False', 'Programmed']);
  });

  test('fails a Gateway whose conditions miss a pattern or lag the generation, naming both', () => {
    const e: StatusExpect = { kind: 'Gateway', namespace: 'ns', name: 'x', source: 's', timeout: T, conditions: [{ type: 'Programmed', status: 'True' }], conditionsObservedGeneration: 'latest' };
    expect(checkExpectation(e, { object: obj('Gateway', { conditions: [cond('Programmed', 'True', 'Programmed', 2)] }, 2) })).toStrictEqual([]);
    expect(checkExpectation(e, { object: obj('Gateway', { conditions: [cond('Programmed', 'False', 'Pending', 1)] }, 2) })).toStrictEqual([
      'conditions: no condition Programmed=True (has Programmed=False/Pending@1)',
      'conditions not at generation 2 (Programmed=False/Pending@1)',
    ]);
    expect(checkExpectation(e, {})).toStrictEqual(['Gateway ns/x not found']);
  });
});

describe('listeners', () => {
  const listener = (name: string, attachedRoutes: number, kinds: unknown[] = [{ kind: 'HTTPRoute' }]): any =>
    ({ name, attachedRoutes, supportedKinds: kinds, conditions: [cond('Accepted', 'True', 'Accepted')] });
  const e: StatusExpect = {
    kind: 'Gateway',
    namespace: 'ns',
    name: 'x',
    source: 's',
    timeout: T,
    listeners: [{ name: 'http', attachedRoutes: 1, supportedKinds: [{ group: G, kind: 'HTTPRoute' }], conditions: [{ type: 'Accepted', status: 'True' }] }],
  };

  test('GIVEN the listed listener THEN a missing group counts as the Gateway API group and extra kinds are allowed', () => {
    expect(checkExpectation(e, { object: obj('Gateway', { listeners: [listener('http', 1, [{ kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }])] }) })).toStrictEqual([]);
  });

  test('fails on another count of listeners, attached routes or a missing kind', () => {
    expect(checkExpectation(e, { object: obj('Gateway', { listeners: [listener('http', 2, [{ kind: 'GRPCRoute' }]), listener('b', 0)] }) })).toStrictEqual([
      '2 listeners in status, expected 1',
      'listener http: attachedRoutes 2, expected 1',
      `listener http: supportedKinds lacks ${G}/HTTPRoute`,
    ]);
  });

  test('GIVEN listenerConditions "all" THEN an empty list holds (upstream quirk), named listeners must exist', () => {
    const all: StatusExpect = { kind: 'Gateway', namespace: 'ns', name: 'x', source: 's', timeout: T, listenerConditions: { listeners: 'all', conditions: [{ type: 'Accepted', status: 'True' }] } };
    expect(checkExpectation(all, { object: obj('Gateway', {}) })).toStrictEqual([]);
    expect(checkExpectation({ ...all, listenerConditions: { listeners: ['https'], conditions: [] } }, { object: obj('Gateway', {}) })).toStrictEqual(['listener https not in status']);
  });

  test('fails zeroAttachedRoutes when a listener has routes', () => {
    const z: StatusExpect = { kind: 'Gateway', namespace: 'ns', name: 'x', source: 's', timeout: T, zeroAttachedRoutes: true };
    expect(checkExpectation(z, { object: obj('Gateway', { listeners: [listener('a', 0)] }) })).toStrictEqual([]);
    expect(checkExpectation(z, { object: obj('Gateway', { listeners: [listener('a', 1)] }) })).toStrictEqual(['listeners a:1: expected none, or one with 0 attached routes']);
  });
});

describe('addresses', () => {
  test('GIVEN minCount THEN one typed address is enough; GIVEN count THEN the exact set is checked', () => {
    const min: StatusExpect = { kind: 'Gateway', namespace: 'ns', name: 'x', source: 's', timeout: T, addresses: { minCount: 1, typeRequired: true } };
    expect(checkExpectation(min, { object: obj('Gateway', { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] }) })).toStrictEqual([]);
    expect(checkExpectation(min, { object: obj('Gateway', { addresses: [{ value: '10.0.0.1' }] }) })).toStrictEqual(['no status.addresses entry with a type (has [{"value":"10.0.0.1"}])']);
    const exact: StatusExpect = { ...min, addresses: { count: 1, mustContain: [{ type: 'IPAddress', value: '192.0.2.1' }], mustNotContain: ['198.51.100.1'] } };
    expect(checkExpectation(exact, { object: obj('Gateway', { addresses: [{ type: 'IPAddress', value: '198.51.100.1' }, { value: '10.0.0.1' }] }) })).toStrictEqual([
      '2 addresses in status, expected 1',
      'address IPAddress 192.0.2.1 missing',
      'address 198.51.100.1 must not be in status',
    ]);
  });
});

describe('route parents', () => {
  const parent = (over: any = {}): any => ({
    parentRef: { group: G, kind: 'Gateway', name: 'gw', namespace: 'ns', ...over.parentRef },
    controllerName: over.controllerName ?? 'example.com/c',
    conditions: over.conditions ?? [cond('Accepted', 'True', 'Accepted')],
  });
  const e: StatusExpect = {
    kind: 'HTTPRoute',
    namespace: 'ns',
    name: 'x',
    source: 's',
    timeout: T,
    parentsObservedGeneration: 'latest',
    parents: [{ parentRef: { group: G, kind: 'Gateway', name: 'gw', namespace: 'ns' }, namespaceRequired: false, controllerName: 'example.com/c', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted' }] }],
  };

  test('GIVEN a parent of this controller THEN it holds, also without a namespace when not required', () => {
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent()] }) })).toStrictEqual([]);
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent({ parentRef: { namespace: undefined } })] }) })).toStrictEqual([]);
  });

  test('fails on an omitted group, another controller, stale conditions, and a refused parent', () => {
    const miss = /^no parent Gateway ns\/gw of example\.com\/c with Accepted=True\/Accepted /;
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent({ parentRef: { group: undefined } })] }) })).toStrictEqual([expect.stringMatching(miss)]);
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent({ controllerName: 'other.io/c' })] }) })).toStrictEqual([expect.stringMatching(miss)]);
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent()] }, 2) })).toStrictEqual(['parent conditions not at generation 2']);
    expect(checkExpectation(e, { object: obj('HTTPRoute', { parents: [parent({ conditions: [cond('Accepted', 'False', 'NotAllowedByListeners')] })] }) })).toStrictEqual([
      'no parent Gateway ns/gw of example.com/c with Accepted=True/Accepted (parents: Gateway ns/gw [Accepted=False/NotAllowedByListeners@1])',
    ]);
  });

  test('GIVEN noAcceptedParents THEN two empty reads or one refused parent hold, one empty read does not', () => {
    const n: StatusExpect = { kind: 'HTTPRoute', namespace: 'ns', name: 'x', source: 's', timeout: T, noAcceptedParents: true };
    const empty = obj('HTTPRoute', {});
    expect(checkExpectation(n, { object: empty })).toStrictEqual(['expected no parents on two reads, or one parent with Accepted=False (has 0)']);
    expect(checkExpectation(n, { object: empty, previous: empty })).toStrictEqual([]);
    expect(checkExpectation(n, { object: obj('HTTPRoute', { parents: [parent({ conditions: [cond('Accepted', 'False', 'NoMatchingParent')] })] }) })).toStrictEqual([]);
  });
});

describe('namespaces and generations', () => {
  test('GIVEN namespaceReady THEN every Gateway not skipped is Accepted and Programmed, and every Pod is Ready', () => {
    const e: StatusExpect = { kind: 'Namespace', name: 'ns', source: 's', timeout: T, namespaceReady: true };
    const ready = obj('Gateway', { conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')] });
    const skipped = obj('Gateway', {}, 1, { name: 'skip', annotations: { 'gateway-api/skip-this-for-readiness': 'true' } });
    const pod = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject;
    expect(checkExpectation(e, { gateways: [ready, skipped], pods: [pod] })).toStrictEqual([]);
    expect(checkExpectation(e, { gateways: [obj('Gateway', {})], pods: [] })).toStrictEqual([
      'Gateway x: no condition Accepted=True, Programmed=True (has none)',
      'no Pod in namespace ns',
    ]);
  });

  test('fails generationChanged when the generation did not move', () => {
    const e: StatusExpect = { kind: 'GatewayClass', name: 'x', source: 's', timeout: T, generationChanged: true };
    expect(checkExpectation(e, { object: obj('GatewayClass', {}, 2), generationBefore: 1 })).toStrictEqual([]);
    expect(checkExpectation(e, { object: obj('GatewayClass', {}, 1), generationBefore: 1 })).toStrictEqual(['metadata.generation still 1']);
  });
});
