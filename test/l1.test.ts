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
