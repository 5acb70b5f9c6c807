import { Testing } from 'cdk8s';
import * as l1 from '../src/imports/gateway.networking.k8s.io';

test('the generated L1 synthesizes a Gateway API v1 HTTPRoute', () => {
  // GIVEN
  const chart = Testing.chart();
  // WHEN
  new l1.HttpRoute(chart, 'Route', { metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'gw' }] } });
  // THEN
  expect(Testing.synth(chart)).toStrictEqual([
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'gw' }] } },
  ]);
});

test.each([
  ['ListenerSet', () => (chart: any) => new l1.ListenerSet(chart, 'Obj', {
    metadata: { name: 'team-a' },
    spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  })],
  ['TLSRoute', () => (chart: any) => new l1.TlsRoute(chart, 'Obj', {
    metadata: { name: 'team-a' },
    spec: { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
  })],
  ['TCPRoute', () => (chart: any) => new l1.TcpRoute(chart, 'Obj', {
    metadata: { name: 'team-a' },
    spec: { rules: [{ backendRefs: [{ name: 'svc', port: 5432 }] }] },
  })],
  ['UDPRoute', () => (chart: any) => new l1.UdpRoute(chart, 'Obj', {
    metadata: { name: 'team-a' },
    spec: { rules: [{ backendRefs: [{ name: 'svc', port: 53 }] }] },
  })],
])('the generated L1 synthesizes a standard-channel v1 %s', (kind, make) => {
  // GIVEN
  const chart = Testing.chart();
  // WHEN
  make()(chart);
  const [obj] = Testing.synth(chart);
  // THEN: the v1 (served, storage) version of the kind, valid against its CRD (the suite validates every synth)
  expect({ apiVersion: obj.apiVersion, kind: obj.kind }).toStrictEqual({ apiVersion: 'gateway.networking.k8s.io/v1', kind });
});
