import { Testing } from 'cdk8s';
import {
  Annotations, BackendRef, CertificateRef, Gateway, HttpRoute, Listener, ParentRef, ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo,
} from '../src';

describe('ReferenceGrant', () => {
  test('synthesizes from and to entries', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    const grant = new ReferenceGrant(chart, 'grant', {
      metadata: { name: 'web-to-backend', namespace: 'backend' },
      fromObjects: [ReferenceGrantFrom.httpRoutes('web'), ReferenceGrantFrom.grpcRoutes('web')],
      to: [ReferenceGrantTo.services('api')],
    });
    grant.addFrom(ReferenceGrantFrom.gateways('infra'));
    grant.addFrom(ReferenceGrantFrom.of('example.com', 'CustomRoute', 'web'));
    grant.addTo(ReferenceGrantTo.secrets());
    grant.addTo(ReferenceGrantTo.of('example.com', 'Backend', 'b'));
    // THEN
    expect(Testing.synth(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ReferenceGrant',
      metadata: { name: 'web-to-backend', namespace: 'backend' },
      spec: {
        from: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' },
          { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'web' },
          { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' },
          { group: 'example.com', kind: 'CustomRoute', namespace: 'web' },
        ],
        to: [
          { group: '', kind: 'Service', name: 'api' },
          { group: '', kind: 'Secret' },
          { group: 'example.com', kind: 'Backend', name: 'b' },
        ],
      },
    }]);
  });

  test('fails without from or to entries', () => {
    const chart = Testing.chart();
    new ReferenceGrant(chart, 'grant', { to: [ReferenceGrantTo.services()] });
    expect(() => Testing.synth(chart)).toThrow(/test\/grant: the reference grant has no from entries; add one with addFrom\(ReferenceGrantFrom.httpRoutes\(namespace\)\)/);
    const other = Testing.chart();
    new ReferenceGrant(other, 'grant', { fromObjects: [ReferenceGrantFrom.httpRoutes('web')] });
    expect(() => Testing.synth(other)).toThrow(/test\/grant: the reference grant has no to entries; add one with addTo\(ReferenceGrantTo.services\(\)\)/);
  });

  test('fails with more than 16 entries', () => {
    const chart = Testing.chart();
    new ReferenceGrant(chart, 'grant', { fromObjects: Array.from({ length: 17 }, (_, i) => ReferenceGrantFrom.httpRoutes(`ns${i}`)), to: [ReferenceGrantTo.services()] });
    expect(() => Testing.synth(chart)).toThrow(/test\/grant: the reference grant has 17 from entries; at most 16 are allowed/);
  });

  test('fails on an invalid namespace, kind, group or name, naming the grant and the entry', () => {
    // GIVEN a grant, and entries made outside it (the factories do not throw)
    const grant = new ReferenceGrant(Testing.chart(), 'grant');
    grant.addFrom(ReferenceGrantFrom.httpRoutes('web'));
    // WHEN the grant uses them, THEN the errors name its path, the entry, the bad value and the fix
    expect(() => grant.addFrom(ReferenceGrantFrom.httpRoutes('Web'))).toThrow(/^test\/grant: from 2: reference grant from namespace "Web" must be a kubernetes namespace name/);
    expect(() => grant.addFrom(ReferenceGrantFrom.of('example.com', 'my-kind-', 'web'))).toThrow(/^test\/grant: from 2: reference grant from kind "my-kind-" must be a kubernetes kind/);
    expect(() => grant.addTo(ReferenceGrantTo.of('Example', 'Backend'))).toThrow(/^test\/grant: to 1: reference grant to group "Example" must be an api group/);
    expect(() => new ReferenceGrant(Testing.chart(), 'other', { to: [ReferenceGrantTo.services('')] })).toThrow(/^test\/other: to 1: reference grant to name "" must be 1 to 253 characters long/);
  });
});

describe('cross-namespace references', () => {
  function app(withGrant: boolean) {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', {
      metadata: { name: 'gw', namespace: 'web' },
      gatewayClassName: 'c',
      listeners: [Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('tls', 'certs')] })],
    });
    const route = new HttpRoute(chart, 'route', {
      metadata: { name: 'r', namespace: 'web' },
      parentRefs: [ParentRef.fromGateway(gw)],
      rules: [{ backendRefs: [BackendRef.fromName('api', { port: 80, namespace: 'backend' })] }],
    });
    if (withGrant) {
      new ReferenceGrant(chart, 'grant', { metadata: { name: 'g', namespace: 'backend' }, fromObjects: [ReferenceGrantFrom.httpRoutes('web')], to: [ReferenceGrantTo.services('api')] });
      new ReferenceGrant(chart, 'certs', { metadata: { name: 'c', namespace: 'certs' }, fromObjects: [ReferenceGrantFrom.gateways('web')], to: [ReferenceGrantTo.secrets()] });
    }
    return { chart, gw, route };
  }

  test('warns when no ReferenceGrant in the app allows a backend or certificate in another namespace', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { chart, gw, route } = app(false);
      Testing.synth(chart);
      expect(Annotations.of(route).warnings).toStrictEqual([
        'test/route: rule 0 backendRef 1 refers to Service "api" in namespace "backend", and no ReferenceGrant in this app allows it; unless one exists in the cluster, the reference is refused. Add new ReferenceGrant(scope, id, { metadata: { namespace: "backend" }, fromObjects: [ReferenceGrantFrom.httpRoutes("web")], to: [ReferenceGrantTo.services("api")] })',
      ]);
      expect(Annotations.of(gw).warnings).toStrictEqual([
        'test/gw: listener "https" certificateRef 1 refers to Secret "tls" in namespace "certs", and no ReferenceGrant in this app allows it; unless one exists in the cluster, the reference is refused. Add new ReferenceGrant(scope, id, { metadata: { namespace: "certs" }, fromObjects: [ReferenceGrantFrom.gateways("web")], to: [ReferenceGrantTo.secrets("tls")] })',
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  test('no warning when the app has the grants', () => {
    const { chart, gw, route } = app(true);
    Testing.synth(chart);
    expect([...Annotations.of(route).warnings, ...Annotations.of(gw).warnings]).toStrictEqual([]);
  });
});
