import { describeExample, variantObjects } from './harness';
import { findObject } from './seed-compare';
import { section } from '../../examples/listener-set/main';
import { schemaIssues } from '../util/schema';

describeExample(section, (fresh) => {
  test('every object is valid against the v1.6.1 CRDs (schema and CEL rules)', () => {
    expect(schemaIssues(variantObjects(fresh()))).toStrictEqual([]);
  });

  test('the team\'s listeners are added to the shared Gateway, which admits the team\'s labelled namespace', () => {
    // GIVEN the synthesized objects
    const objects = variantObjects(fresh());
    const gateway = findObject(objects, 'Gateway', 'shared-gateway');
    const listeners = findObject(objects, 'ListenerSet', 'payments-listeners');
    const namespace = findObject(objects, 'Namespace', 'payments');
    // THEN
    expect(listeners.spec.parentRef).toStrictEqual({ name: 'shared-gateway', namespace: 'infra' });
    expect(gateway.spec.allowedListeners.namespaces.selector.matchLabels).toStrictEqual(namespace.metadata.labels);
    expect(listeners.spec.listeners.map((l: any) => `${l.name} ${l.protocol}/${l.port} ${l.tls.mode}`)).toStrictEqual(['api HTTPS/443 Terminate', 'db TLS/5432 Passthrough']);
  });

  test('the routes attach to the ListenerSet\'s listeners; the TLSRoute routes the database by SNI', () => {
    const objects = variantObjects(fresh());
    const ref = { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'payments-listeners' };
    expect(findObject(objects, 'HTTPRoute', 'payments-api').spec.parentRefs).toStrictEqual([{ ...ref, sectionName: 'api' }]);
    const tls = findObject(objects, 'TLSRoute', 'payments-db');
    expect(tls.spec.parentRefs).toStrictEqual([{ ...ref, sectionName: 'db' }]);
    expect(tls.spec.hostnames).toStrictEqual(['db.pay.example.com']);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
