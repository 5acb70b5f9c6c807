import { describeExample, variantObjects } from './harness';
import { section } from '../../examples/controller-mode/main';
import { distDir } from '../../examples/section';
import { GatewayClass } from '../../src';
import { loadDocuments } from '../../src/dataplane/config/load';
import { validateDocuments } from '../../src/dataplane/schema';

describeExample(section, (fresh) => {
  test('the committed dist/ passes cdk8s-gateway validate', () => {
    // GIVEN
    const docs = loadDocuments([distDir(section)]);
    // WHEN / THEN
    expect(docs.filter((d) => d.object.apiVersion?.startsWith('gateway.networking.k8s.io/')).map((d) => d.object.kind).sort())
      .toStrictEqual(['Gateway', 'GatewayClass', 'HTTPRoute', 'HTTPRoute', 'HTTPRoute']);
    expect(validateDocuments(docs)).toStrictEqual([]);
  });

  test('one chart holds the class, the Gateway, its routes, the Services and the controller with its RBAC, and no routes ConfigMap', () => {
    // GIVEN
    const objects: any[] = variantObjects(fresh());
    // THEN
    expect([...new Set(objects.map((o: any) => o.kind))].sort()).toStrictEqual([
      'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Gateway', 'GatewayClass', 'HTTPRoute', 'HorizontalPodAutoscaler',
      'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount',
    ]);
    const gatewayClass = objects.find((o: any) => o.kind === 'GatewayClass');
    expect(gatewayClass.metadata).toStrictEqual({ name: 'cdk8s-gateway' });
    expect(gatewayClass.spec.controllerName).toStrictEqual(GatewayClass.CONTROLLER_NAME);
    expect(objects.find((o: any) => o.kind === 'Gateway').spec.gatewayClassName).toStrictEqual('cdk8s-gateway');
    const args: string[] = objects.find((o: any) => o.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args.slice(0, 2)).toStrictEqual(['serve', '--kubernetes']);
    expect(args.join(' ')).toContain('--gateway task-api/task-api-gateway --lease task-api/task-api-gateway-runtime --service task-api/task-api-gateway-runtime');
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
