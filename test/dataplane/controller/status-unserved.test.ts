/**
 * TCPRoutes and UDPRoutes are not served (the gateway has no TCP or UDP listeners): the one compile still gives each
 * parentRef naming a served Gateway, or a ListenerSet of one, a parent entry that says so, and `computeStatus` writes it.
 */
import { computeStatus } from '../../../src/dataplane/controller/status';
import { compile } from '../../../src/dataplane/engine/compile';
import type { KubeObject } from '../../../src/dataplane/kube/client';
import { docs, gateway } from '../engine/helpers';

const G = 'gateway.networking.k8s.io';
const ME = 'cdk8s-gateway.dev/gateway-controller';

function route(kind: 'TCPRoute' | 'UDPRoute', name: string, parentRefs: any[]): KubeObject {
  return {
    apiVersion: `${G}/v1`,
    kind,
    metadata: { name, namespace: 'default', generation: 3 },
    spec: { parentRefs, rules: [{ backendRefs: [{ name: 'svc', port: 9000 }] }] },
  };
}

const listenerSet: KubeObject = {
  apiVersion: `${G}/v1`,
  kind: 'ListenerSet',
  metadata: { name: 'team', namespace: 'default', generation: 1 },
  spec: { parentRef: { name: 'gw', namespace: 'default' }, listeners: [{ name: 'own', port: 80, protocol: 'HTTP', hostname: 'team.example.com' }] },
};

describe('TCPRoute and UDPRoute status', () => {
  // GIVEN a served Gateway admitting ListenerSets of its namespace, and one of them
  const gw = (): KubeObject => {
    const g = gateway([{ name: 'web', port: 80, protocol: 'HTTP' }]);
    return { ...g, spec: { ...g.spec, allowedListeners: { namespaces: { from: 'Same' } } } };
  };

  test('a parentRef to a served Gateway or a ListenerSet of one: Accepted=False/NotAllowedByListeners, saying why', () => {
    // GIVEN a TCPRoute naming the Gateway (twice: one entry) and another Gateway, and a UDPRoute naming the ListenerSet
    const tcp = route('TCPRoute', 'db', [{ name: 'gw' }, { name: 'gw' }, { name: 'elsewhere' }]);
    const udp = route('UDPRoute', 'dns', [{ kind: 'ListenerSet', group: G, name: 'team' }]);

    // WHEN compiled
    const table = compile(docs([gw(), listenerSet, tcp, udp]), { servicesComplete: true });

    // THEN each has one parent entry, not accepted, naming the kind and the way TLS over TCP is served
    const facts = table.facts!.routes.filter((r) => r.kind === 'TCPRoute' || r.kind === 'UDPRoute');
    expect(facts.map((r) => `${r.kind} ${r.name}: ${r.parents.map((p) => `${p.parentRef.kind} ${p.parentRef.name}`).join(', ')}`))
      .toStrictEqual(['TCPRoute db: Gateway gw', 'UDPRoute dns: ListenerSet team']);
    const [accepted] = facts[0].parents[0].conditions;
    expect(accepted).toMatchObject({ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' });
    expect(accepted.message).toMatch(/does not serve TCPRoutes: Gateway default\/gw has no TCP listener .*TLSRoute/);
    expect(facts[1].parents[0].conditions[0].message).toMatch(/does not serve UDPRoutes: Gateway default\/gw has no UDP listener/);
    // AND the file mode's warning is still given
    expect(table.warnings.map((w) => w.message)).toContain('TCPRoute is not supported by this gateway and is ignored: its traffic is not served');
  });

  test('a TCPRoute naming only other Gateways gets no entry', () => {
    // WHEN
    const table = compile(docs([gw(), route('TCPRoute', 'theirs', [{ name: 'elsewhere' }])]), { servicesComplete: true });

    // THEN
    expect(table.facts!.routes.filter((r) => r.kind === 'TCPRoute')).toStrictEqual([]);
  });

  test('GIVEN a TCPRoute without status WHEN computed THEN its parent is written at its generation, and not again', () => {
    // GIVEN
    const g = gw();
    const tcp = route('TCPRoute', 'db', [{ name: 'gw' }]);
    const input = (r: KubeObject) => ({
      controllerName: ME,
      gatewayClasses: [],
      gateways: [g],
      routes: [r],
      facts: compile(docs([g, r]), { servicesComplete: true }).facts!,
      now: '2026-01-01T00:00:00Z',
    });

    // WHEN
    const update = computeStatus(input(tcp)).find((u) => u.kind === 'TCPRoute');

    // THEN
    const parents = (update!.status as any).parents;
    expect(parents).toHaveLength(1);
    expect(parents[0]).toMatchObject({ controllerName: ME, parentRef: { kind: 'Gateway', name: 'gw', namespace: 'default' } });
    expect(parents[0].conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`)).toStrictEqual(['Accepted=False/NotAllowedByListeners@3']);
    expect(computeStatus(input({ ...tcp, status: update!.status })).find((u) => u.kind === 'TCPRoute')).toBeUndefined();
  });
});
