import { App, Chart, Testing } from 'cdk8s';
import { Gateway, GatewayClass, Listener } from '../src';

function namespacedChart(): Chart {
  return new Chart(Testing.app(), 'edge', { namespace: 'edge', disableResourceNameHashes: true });
}

describe('GatewayClass', () => {
  test('names this project\'s controller by default, with its L1 object as the child `Resource`', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'cdk8s-gateway' }, description: 'cdk8s-gateway in controller mode' });
    // THEN
    expect(GatewayClass.CONTROLLER_NAME).toStrictEqual('cdk8s-gateway.dev/gateway-controller');
    expect(gc.node.defaultChild).toBe(gc.apiObject);
    expect(gc.apiObject.node.id).toStrictEqual('Resource');
    expect(Testing.synth(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'cdk8s-gateway' },
      spec: { controllerName: 'cdk8s-gateway.dev/gateway-controller', description: 'cdk8s-gateway in controller mode' },
    }]);
    expect([gc.name, gc.kind, gc.controllerName, gc.description]).toStrictEqual(['cdk8s-gateway', 'GatewayClass', GatewayClass.CONTROLLER_NAME, 'cdk8s-gateway in controller mode']);
  });

  test('is cluster-scoped: no namespace even in a chart that has one', () => {
    // GIVEN
    const chart = namespacedChart();
    // WHEN
    const gc = new GatewayClass(chart, 'Class', { controllerName: 'example.net/gateway-controller' });
    // THEN
    const [manifest] = Testing.synth(chart);
    expect(manifest.metadata).toStrictEqual({ name: 'edge-class' });
    expect(manifest.spec).toStrictEqual({ controllerName: 'example.net/gateway-controller' });
    expect(gc.namespace).toBeUndefined();
  });

  test('fails when given a namespace', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN / THEN
    expect(() => new GatewayClass(chart, 'Class', { metadata: { namespace: 'edge' } }))
      .toThrow('test/Class: metadata.namespace "edge" is set, but a GatewayClass is cluster-scoped; remove the namespace');
  });

  test.each([
    ['no domain', 'gateway-controller'],
    ['an upper-case domain', 'Example.net/gateway'],
    ['an empty path', 'example.net/'],
    ['a space in the path', 'example.net/my controller'],
  ])('fails on a controllerName with %s', (_what, controllerName) => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN / THEN
    expect(() => new GatewayClass(chart, 'Class', { controllerName }))
      .toThrow(`test/Class: controllerName ${JSON.stringify(controllerName)} must be a domain-prefixed path: a lowercase dns subdomain, '/', then a path (e.g. "cdk8s-gateway.dev/gateway-controller")`);
  });

  test('fails on a controllerName over 253 characters', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN / THEN
    expect(() => new GatewayClass(chart, 'Class', { controllerName: `example.net/${'c'.repeat(242)}` }))
      .toThrow(/^test\/Class: controllerName "example\.net\/c+\.\.\." must be 1 to 253 characters long \(it has 254\)$/);
  });

  test('fails on a description over 64 characters', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN / THEN
    expect(() => new GatewayClass(chart, 'Class', { description: 'd'.repeat(65) }))
      .toThrow(/^test\/Class: description "d+" must be 0 to 64 characters long \(it has 65\)$/);
  });
});

describe('Gateway with a GatewayClass', () => {
  test('takes the class construct: gatewayClassName is its name', () => {
    // GIVEN
    const chart = namespacedChart();
    const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'public' } });
    // WHEN
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: gc, listeners: [Listener.http({ name: 'http' })] });
    // THEN
    expect(gateway.gatewayClass).toBe(gc);
    expect(gateway.gatewayClassName).toStrictEqual('public');
    const manifest = Testing.synth(chart).find((m) => m.kind === 'Gateway');
    expect(manifest.spec.gatewayClassName).toStrictEqual('public');
  });

  test('a class that names another controller is fine for the Gateway itself', () => {
    // GIVEN
    const chart = Testing.chart();
    const gc = new GatewayClass(chart, 'Class', { controllerName: 'example.net/gateway-controller' });
    // WHEN
    new Gateway(chart, 'Gateway', { gatewayClass: gc, listeners: [Listener.http({ name: 'http' })] });
    // THEN
    expect(Testing.synth(chart).map((m) => m.kind)).toStrictEqual(['GatewayClass', 'Gateway']);
  });

  test('takes a class name as before; the class construct is then undefined', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    const gateway = new Gateway(chart, 'Gateway', { gatewayClassName: 'istio', listeners: [Listener.http({ name: 'http' })] });
    // THEN
    expect([gateway.gatewayClassName, gateway.gatewayClass]).toStrictEqual(['istio', undefined]);
  });

  test('fails when given both a class name and a class construct', () => {
    // GIVEN
    const chart = Testing.chart();
    const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'public' } });
    // WHEN / THEN
    expect(() => new Gateway(chart, 'Gateway', { gatewayClassName: 'internal', gatewayClass: gc }))
      .toThrow('test/Gateway: both gatewayClassName "internal" and gatewayClass (test/Class) are given; give the GatewayClass one way only');
  });

  test('fails when given no class', () => {
    // GIVEN
    const chart = new Chart(new App(), 'c');
    // WHEN / THEN
    expect(() => new Gateway(chart, 'Gateway', {}))
      .toThrow('c/Gateway: no GatewayClass given; name it with gatewayClassName (e.g. \'cdk8s-gateway\') or pass the construct as gatewayClass (e.g. new GatewayClass(chart, \'Class\'))');
  });
});
