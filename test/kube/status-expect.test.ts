/**
 * A status case's expectation polled against a real API server: it holds once route status is written (here by
 * the test itself, in the place of the controller that comes later), and names what is wrong when it is not.
 */
import { apply, Kube, refOf, startKube } from './harness';
import type { KubeObject } from '../../src/dataplane/kube/client';
import { loadStatusSuite, StatusExpect } from '../conformance/status/cases';
import { waitForExpectation } from '../conformance/status/expect';
import { fillPlaceholders, prepareForApply, SuiteCertificates, SuiteEnv } from '../conformance/status/suite-objects';

const env: SuiteEnv = {
  gatewayClassName: 'cdk8s-gateway',
  controllerName: 'cdk8s-gateway.dev/gateway-controller',
  usableAddresses: [],
  unusableAddresses: [],
  certificates: new SuiteCertificates(),
};

describe('status expectations polled against a real API server', () => {
  let kube: Kube;
  let route: KubeObject;
  let expectation: StatusExpect;

  beforeAll(async () => {
    kube = await startKube();
    const suite = loadStatusSuite();
    const c = suite.cases.find((x) => x.name === 'HTTPRouteSimpleSameNamespace')!;
    for (const ns of suite.base.objects.filter((o) => o.kind === 'Namespace')) await apply(kube.client, ns);
    for (const o of c.objects) await apply(kube.client, prepareForApply(await fillPlaceholders(o, env, c.name), env));
    route = c.objects.find((o) => o.kind === 'HTTPRoute')!;
    expectation = await fillPlaceholders(c.steps[0].expect.find((e) => e.parents)!, env, c.name);
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  async function writeParentStatus(accepted: 'True' | 'False', reason: string): Promise<void> {
    const live = await kube.client.get(refOf(route));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kube.client.replace({ ...refOf(route), subresource: 'status' }, {
      ...live,
      status: {
        parents: [{
          parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'same-namespace', namespace: 'gateway-conformance-infra' },
          controllerName: env.controllerName,
          conditions: [{ type: 'Accepted', status: accepted, reason, message: '', observedGeneration: live.metadata.generation, lastTransitionTime: now }],
        }],
      },
    });
  }

  test('GIVEN the case\'s RouteMustHaveParents expectation WHEN the parent status is written while it polls THEN it holds', async () => {
    // GIVEN
    expect(expectation.source).toMatch(/RouteMustHaveParents$/);
    const polling = waitForExpectation(kube.client, expectation);

    // WHEN
    await new Promise((r) => setTimeout(r, 300));
    await writeParentStatus('True', 'Accepted');

    // THEN
    await expect(polling).resolves.toStrictEqual([]);
  });

  test('fails when the parent is refused, naming the parent and its conditions once the (scaled) timeout passes', async () => {
    // GIVEN
    await writeParentStatus('False', 'NotAllowedByListeners');

    // WHEN
    const problems = await waitForExpectation(kube.client, expectation, { timeoutScale: 0.02 });

    // THEN
    expect(problems).toStrictEqual([
      'no parent Gateway gateway-conformance-infra/same-namespace of cdk8s-gateway.dev/gateway-controller with Accepted=True/Accepted '
      + '(parents: Gateway gateway-conformance-infra/same-namespace [Accepted=False/NotAllowedByListeners@1])',
    ]);
  });
});
