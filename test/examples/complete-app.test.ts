import { describeExample, variantObjects } from './harness';
import { section } from '../../examples/complete-app/main';
import { distDir } from '../../examples/section';
import { loadDocuments } from '../../src/dataplane/config/load';
import { validateDocuments } from '../../src/dataplane/schema';

describeExample(section, (fresh) => {
  test('the committed dist/ passes cdk8s-gateway validate', () => {
    const docs = loadDocuments([distDir(section)]);
    expect(docs.filter((d) => d.object.apiVersion?.startsWith('gateway.networking.k8s.io/')).length).toStrictEqual(7);
    expect(validateDocuments(docs)).toStrictEqual([]);
  });

  test('one chart holds the Gateway, its routes, the Services and the gateway runtime', () => {
    const kinds = variantObjects(fresh()).map((o: any) => o.kind).sort();
    expect([...new Set(kinds)]).toStrictEqual([
      'ConfigMap', 'Deployment', 'GRPCRoute', 'Gateway', 'HTTPRoute', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service',
    ]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
