import { ApiObject, Testing } from 'cdk8s';
import {
  AllowedListeners, Annotations, BackendRef, CertificateRef, Gateway, HttpRoute, LabelSelectorOperator, Listener, ListenerSet, ListenerSetParent,
  ParentRef, ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo,
} from '../src';

function byKind(chart: any, kind: string): any[] {
  return Testing.synth(chart).filter((o) => o.kind === kind);
}

function sharedGateway(chart: any, allowedListeners?: AllowedListeners): Gateway {
  return new Gateway(chart, 'gw', {
    metadata: { name: 'shared', namespace: 'infra' },
    gatewayClassName: 'cdk8s-gateway',
    allowedListeners,
    listeners: [Listener.http({ name: 'http' })],
  });
}

/** A shared Gateway, a ListenerSet "team" with listener "team-http" and a route "r" in infra attached to it by `parentRefs`. */
function routeOnTeamListenerSet(parentRefs: (ls: ListenerSet) => ParentRef[]): any {
  const chart = Testing.chart();
  const gw = sharedGateway(chart, AllowedListeners.same());
  const ls = new ListenerSet(chart, 'ls', {
    metadata: { name: 'team', namespace: 'infra' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'team-http', port: 8080 })],
  });
  new HttpRoute(chart, 'r', { metadata: { name: 'r', namespace: 'infra' }, parentRefs: parentRefs(ls), rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }] });
  return chart;
}

describe('ListenerSet', () => {
  test('synthesizes a v1 ListenerSet with its parent Gateway and listeners; the Gateway renders allowedListeners', () => {
    // GIVEN a Gateway that allows ListenerSets from every namespace
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.all());
    // WHEN a team adds an HTTPS listener with its own certificate
    new ListenerSet(chart, 'team-a', {
      metadata: { name: 'team-a', namespace: 'team-a' },
      parent: ListenerSetParent.fromGateway(gw),
      listeners: [Listener.https({ name: 'https', hostname: 'a.example.com', certificateRefs: [CertificateRef.fromSecretName('a-tls')] })],
    });
    // THEN
    expect(byKind(chart, 'ListenerSet')).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name: 'team-a', namespace: 'team-a' },
      spec: {
        parentRef: { name: 'shared', namespace: 'infra' },
        listeners: [{
          name: 'https',
          hostname: 'a.example.com',
          port: 443,
          protocol: 'HTTPS',
          tls: { mode: 'Terminate', certificateRefs: [{ name: 'a-tls' }] },
        }],
      },
    }]);
    expect(byKind(chart, 'Gateway')[0].spec.allowedListeners).toStrictEqual({ namespaces: { from: 'All' } });
  });

  test('a parent by name renders its namespace only when it differs; addListener adds listeners', () => {
    // GIVEN
    const chart = Testing.chart();
    const ls = new ListenerSet(chart, 'ls', { metadata: { name: 'ls', namespace: 'infra' }, parent: ListenerSetParent.named('shared', { namespace: 'infra' }) });
    // WHEN
    ls.addListener(Listener.http({ name: 'alt', port: 8080 }));
    // THEN
    expect(byKind(chart, 'ListenerSet')[0].spec).toStrictEqual({ parentRef: { name: 'shared' }, listeners: [{ name: 'alt', port: 8080, protocol: 'HTTP' }] });
    expect(ls.listeners.map((l) => l.name)).toStrictEqual(['alt']);
  });

  test('routes attach to a ListenerSet listener with ParentRef.fromListenerSet (group and kind rendered)', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.same());
    const ls = new ListenerSet(chart, 'ls', {
      metadata: { name: 'team', namespace: 'infra' },
      parent: ListenerSetParent.fromGateway(gw),
      listeners: [Listener.http({ name: 'team-http', port: 8080 })],
    });
    // WHEN
    new HttpRoute(chart, 'r', {
      metadata: { name: 'r', namespace: 'infra' },
      parentRefs: [ParentRef.fromListenerSet(ls, { sectionName: 'team-http' })],
      rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }],
    });
    // THEN
    expect(byKind(chart, 'HTTPRoute')[0].spec.parentRefs).toStrictEqual([
      { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'team', sectionName: 'team-http' },
    ]);
  });

  test('a route attaches to a ListenerSet by name, in another namespace; a Gateway and a ListenerSet of one name are two parents', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new HttpRoute(chart, 'r', {
      metadata: { name: 'r', namespace: 'web' },
      parentRefs: [ParentRef.namedListenerSet('team', { namespace: 'infra', sectionName: 'https' }), ParentRef.named('team', { namespace: 'infra' })],
      rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }],
    });
    // THEN both references are kept, the ListenerSet one with its group and kind
    expect(byKind(chart, 'HTTPRoute')[0].spec.parentRefs).toStrictEqual([
      { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'team', namespace: 'infra', sectionName: 'https' },
      { name: 'team', namespace: 'infra' },
    ]);
  });

  test('a ListenerSet listener\'s allowedRoutes Same means the ListenerSet\'s namespace, not the Gateway\'s', () => {
    // GIVEN a Gateway in infra and a ListenerSet in team-a whose listener keeps the default (Same)
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.all());
    const ls = new ListenerSet(chart, 'ls', {
      metadata: { name: 'team', namespace: 'team-a' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'team-http', port: 8080 })],
    });
    const rules = [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }];
    // WHEN a route in team-a and one in infra attach to it
    new HttpRoute(chart, 'ok', { metadata: { namespace: 'team-a' }, parentRefs: [ParentRef.fromListenerSet(ls)], rules });
    new HttpRoute(chart, 'infra', { metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromListenerSet(ls, { sectionName: 'team-http' })], rules });
    // THEN only the one from the Gateway's namespace fails
    expect(() => Testing.synth(chart)).toThrow(/test\/infra: no listener of parent listener set "test\/ls" accepts this route: listener "team-http" only accepts routes from its own namespace "team-a", not "infra"/);
    expect(() => Testing.synth(chart)).not.toThrow(/test\/ok:/);
  });

  test('fails when a route names a listener the ListenerSet does not have', () => {
    // GIVEN / WHEN a route names listener "nope" of a ListenerSet
    const chart = routeOnTeamListenerSet((ls) => [ParentRef.fromListenerSet(ls, { sectionName: 'nope' })]);
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/r: parent listener set "test\/ls" has no listener named "nope"; use one of "team-http"/);
  });

  test('fails when the parent Gateway does not allow ListenerSets (allowedListeners unset means None)', () => {
    // GIVEN a Gateway without allowedListeners
    const chart = Testing.chart();
    const gw = sharedGateway(chart);
    // WHEN
    new ListenerSet(chart, 'ls', { metadata: { namespace: 'infra' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'x', port: 8080 })] });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/ls: parent gateway "test\/gw" does not allow ListenerSets \(allowedListeners is unset, which means None\); give the gateway allowedListeners: AllowedListeners.same\(\)/);
  });

  test('fails when allowedListeners Same and the ListenerSet is in another namespace', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.same());
    // WHEN
    new ListenerSet(chart, 'ls', { metadata: { namespace: 'team-a' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'x', port: 8080 })] });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/ls: parent gateway "test\/gw" allows ListenerSets from its own namespace "infra", not from namespace "team-a"; move the listener set or widen/);
  });

  test('a Selector admits a namespace declared with its labels, and fails one without them', () => {
    // GIVEN a Gateway selecting namespaces labelled shared-gateway=true, and two namespaces declared in the app
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.fromSelector({ matchLabels: { 'shared-gateway': 'true' } }));
    new ApiObject(chart, 'ns-a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'shared-gateway': 'true' } } });
    new ApiObject(chart, 'ns-b', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    new ListenerSet(chart, 'a', { metadata: { namespace: 'team-a' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'a', port: 8081 })] });
    // WHEN team-b adds a ListenerSet
    new ListenerSet(chart, 'b', { metadata: { namespace: 'team-b' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'b', port: 8082 })] });
    // THEN only team-b's fails
    expect(() => Testing.synth(chart)).toThrow(/test\/b: parent gateway "test\/gw" allows ListenerSets from namespaces selected by/);
    expect(() => Testing.synth(chart)).not.toThrow(/test\/a:/);
  });

  test('fails a listener that conflicts with the parent Gateway\'s (the Gateway\'s own listeners come first)', () => {
    // GIVEN a Gateway with an HTTP listener on port 80 for every hostname
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.same());
    // WHEN a ListenerSet adds the same port, protocol and hostname
    new ListenerSet(chart, 'ls', { metadata: { namespace: 'infra' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'again' })] });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/ls: listener "again" conflicts with listener "http" of gateway "test\/gw": it has the same port 80, protocol HTTP and no hostname; the gateway's own listeners come first/);
  });

  test('fails a listener whose protocol cannot share the port; HTTPS and TLS listeners with other hostnames share a port', () => {
    // GIVEN a Gateway with HTTP on 80
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.same());
    gw.addListener(Listener.https({ name: 'https', hostname: 'a.example.com', certificateRefs: [CertificateRef.fromSecretName('a')] }));
    // WHEN a ListenerSet adds HTTPS on 80, and a TLS passthrough for another hostname on 443
    new ListenerSet(chart, 'ls', {
      metadata: { namespace: 'infra' },
      parent: ListenerSetParent.fromGateway(gw),
      listeners: [
        Listener.https({ name: 's80', port: 80, certificateRefs: [CertificateRef.fromSecretName('b')] }),
        Listener.tlsPassthrough({ name: 'db', hostname: 'db.example.com' }),
      ],
    });
    // THEN only the port-80 one fails
    expect(() => Testing.synth(chart)).toThrow(/test\/ls: listener "s80" conflicts with listener "http" of gateway "test\/gw": it uses port 80 with protocol HTTPS, which cannot share the port with HTTP/);
    expect(() => Testing.synth(chart)).not.toThrow(/listener "db"/);
  });

  test('fails the later ListenerSet (by namespace/name) of two that conflict', () => {
    // GIVEN two ListenerSets with the same listener, one named "a-team" and one "b-team"
    const chart = Testing.chart();
    const gw = sharedGateway(chart, AllowedListeners.same());
    new ListenerSet(chart, 'second', { metadata: { name: 'b-team', namespace: 'infra' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'x', port: 8080 })] });
    new ListenerSet(chart, 'first', { metadata: { name: 'a-team', namespace: 'infra' }, parent: ListenerSetParent.fromGateway(gw), listeners: [Listener.http({ name: 'y', port: 8080 })] });
    // WHEN / THEN the one that sorts later fails, naming the order rule
    expect(() => Testing.synth(chart)).toThrow(/test\/second: listener "x" conflicts with listener "y" of listener set "infra\/a-team": .*listener sets are ordered by creation time, then by namespace\/name/);
    expect(() => Testing.synth(chart)).not.toThrow(/test\/first:/);
  });

  test('fails a ListenerSet without listeners, with duplicate names, or duplicate port/protocol/hostname', () => {
    // GIVEN
    const chart = Testing.chart();
    new ListenerSet(chart, 'empty', { parent: ListenerSetParent.named('gw') });
    new ListenerSet(chart, 'dup', { parent: ListenerSetParent.named('gw'), listeners: [Listener.http({ name: 'a' }), Listener.http({ name: 'a', port: 81 })] });
    new ListenerSet(chart, 'combo', { parent: ListenerSetParent.named('gw'), listeners: [Listener.http({ name: 'a' }), Listener.http({ name: 'b' })] });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/empty: the listener set has no listeners; add one with addListener/);
    expect(() => Testing.synth(chart)).toThrow(/test\/dup: listeners 1 and 2 are both named "a"; listener names must be unique in a listener set/);
    expect(() => Testing.synth(chart)).toThrow(/test\/combo: listeners "a" and "b" both use port 80, protocol HTTP and no hostname/);
    new ListenerSet(chart, 'many', { parent: ListenerSetParent.named('gw'), listeners: Array.from({ length: 65 }, (_, i) => Listener.http({ name: `l${i}`, port: 1000 + i })) });
    expect(() => Testing.synth(chart)).toThrow(/test\/many: the listener set has 65 listeners; at most 64 are allowed \(split them across listener sets\)/);
  });

  test('fails where the gateway is created when its allowed-listeners selector is empty or has a bad requirement', () => {
    // GIVEN selectors with problems (the factory does not throw)
    const empty = AllowedListeners.fromSelector({});
    const noValues = AllowedListeners.fromSelector({ matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.IN }] });
    // WHEN each is given to a gateway THEN the gateway path, the prop and the fix are named
    const gateway = (allowedListeners: AllowedListeners) => () => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', allowedListeners });
    expect(gateway(empty))
      .toThrow(new Error('test/gw: allowedListeners: allowed listeners selector is empty; give matchLabels or matchExpressions (or use AllowedListeners.all())'));
    expect(gateway(noValues))
      .toThrow(new Error('test/gw: allowedListeners: allowed listeners selector requirement on "team" with operator In needs at least one value'));
  });

  test('fails where the listener set is created when its parent name or namespace is invalid', () => {
    // GIVEN / WHEN / THEN
    const listenerSet = (parent: ListenerSetParent) => () => new ListenerSet(Testing.chart(), 'ls', { parent });
    expect(listenerSet(ListenerSetParent.named('')))
      .toThrow(new Error('test/ls: parent: gateway name "" must be 1 to 253 characters long'));
    expect(listenerSet(ListenerSetParent.named('shared', { namespace: 'a.b' })))
      .toThrow(new Error('test/ls: parent: gateway "shared" namespace "a.b" must be a kubernetes namespace name: at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. "team-a")'));
  });

  test('fails where a listener is added to a listener set when the listener has a problem', () => {
    // GIVEN a listener set
    const ls = new ListenerSet(Testing.chart(), 'ls', { parent: ListenerSetParent.named('gw'), listeners: [Listener.http({ name: 'a' })] });
    // WHEN a TLS terminate listener without certificates is added THEN its place in the set is named
    expect(() => ls.addListener(Listener.tlsTerminate({ name: 'db', certificateRefs: [] })))
      .toThrow(new Error('test/ls: listener 2: tls listener "db" has 0 certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName(\'example-com-tls\')])'));
    expect(ls.listeners.map((l) => l.name)).toEqual(['a']);
  });

  test('fails naming a listener set, not a gateway, when a route references it twice without sectionNames', () => {
    // GIVEN / WHEN
    const chart = routeOnTeamListenerSet((ls) => [ParentRef.fromListenerSet(ls), ParentRef.fromListenerSet(ls, { port: 8080 })]);
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/r: parentRefs reference listener set "infra\/team" 2 times, not all with a sectionName; give every reference to the same listener set a distinct sectionName \(or reference it once\)/);
  });

  test('fails where a route takes a listener set reference with a bad sectionName, naming the kind', () => {
    // GIVEN / WHEN / THEN
    const route = new HttpRoute(Testing.chart(), 'r');
    expect(() => route.addParentRef(ParentRef.namedListenerSet('team', { sectionName: 'HTTP' })))
      .toThrow(new Error('test/r: parentRef 1: parent listener set "team" sectionName "HTTP" must be a lowercase rfc 1123 subdomain of at most 253 characters: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (e.g. "my-name")'));
  });

  test.each([
    ['without a grant', false],
    ['with a ReferenceGrant from ListenerSets', true],
  ])('a certificate in another namespace %s: warned only without the grant', (_name, granted) => {
    // GIVEN a ListenerSet whose certificate is in namespace certs
    const chart = Testing.chart();
    const ls = new ListenerSet(chart, 'ls', {
      metadata: { namespace: 'team-a' },
      parent: ListenerSetParent.named('gw', { namespace: 'infra' }),
      listeners: [Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('a-tls', 'certs')] })],
    });
    if (granted) {
      new ReferenceGrant(chart, 'grant', {
        metadata: { namespace: 'certs' }, fromObjects: [ReferenceGrantFrom.listenerSets('team-a')], to: [ReferenceGrantTo.secrets('a-tls')],
      });
    }
    // WHEN
    Testing.synth(chart);
    // THEN
    expect(Annotations.of(ls).warnings).toStrictEqual(granted ? [] : [expect.stringMatching(
      /test\/ls: listener "https" certificateRef 1 refers to Secret "a-tls" in namespace "certs", and no ReferenceGrant in this app allows it.*ReferenceGrantFrom.listenerSets\("team-a"\)/)]);
  });
});
