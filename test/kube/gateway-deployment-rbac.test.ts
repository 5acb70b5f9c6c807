/**
 * The RBAC of a GatewayDeployment in controller mode, against a real API server: every object of
 * examples/controller-mode is created with strict field validation, then SubjectAccessReviews (as the admin, for the
 * service account's user) show that every call of `serve --kubernetes` is allowed and that the calls next to them
 * are denied; the service account's own rules review shows nothing more, and its own token can take its Lease and no
 * other.
 */
import { App } from 'cdk8s';
import { apply, Kube, refOf, startKube } from './harness';
import { buildApp } from '../../examples/controller-mode/main';
import { KubeApiError, KubeClient, KubeObject, ResourceRef, resourcePath } from '../../src/dataplane/kube/client';

const NS = 'task-api';
const SA = 'task-api-gateway-runtime';
const LEASE = 'task-api-gateway-runtime';
const USER = `system:serviceaccount:${NS}:${SA}`;
const G = 'gateway.networking.k8s.io';

/** One API call: verb, group, resource (`plural` or `plural/subresource`), namespace (none: cluster-wide), name. */
interface Call {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

const label = (c: Call): string => `${c.verb} ${c.group || 'core'}/${c.resource}${c.namespace ? ` in ${c.namespace}` : ''}${c.name ? ` named ${c.name}` : ''}`;

/** The calls CONTRACT.md lists for `serve --kubernetes`, cluster-wide and in a namespace of another team. */
const CONTROLLER_CALLS: Call[] = [
  ...[[G, 'gatewayclasses'], [G, 'gateways'], [G, 'httproutes'], [G, 'grpcroutes'], [G, 'referencegrants'], [G, 'backendtlspolicies'],
    [G, 'listenersets'], [G, 'tlsroutes'], [G, 'tcproutes'], [G, 'udproutes'], ['', 'namespaces'], ['', 'services'], ['', 'secrets'], ['', 'configmaps'], ['discovery.k8s.io', 'endpointslices']]
    .flatMap(([group, resource]) => ['get', 'list', 'watch'].flatMap((verb) => [
      { verb, group, resource },
      ...(resource === 'gatewayclasses' || resource === 'namespaces' ? [] : [{ verb, group, resource, namespace: 'other-team' }]),
    ])),
  { verb: 'update', group: G, resource: 'gatewayclasses/status', name: 'cdk8s-gateway' },
  { verb: 'update', group: G, resource: 'gateways/status', namespace: NS, name: 'task-api-gateway' },
  { verb: 'update', group: G, resource: 'httproutes/status', namespace: 'other-team', name: 'orders' },
  { verb: 'update', group: G, resource: 'grpcroutes/status', namespace: 'other-team', name: 'orders-grpc' },
  { verb: 'update', group: G, resource: 'listenersets/status', namespace: 'other-team', name: 'orders-listeners' },
  { verb: 'update', group: G, resource: 'tlsroutes/status', namespace: 'other-team', name: 'orders-tls' },
  { verb: 'update', group: G, resource: 'tcproutes/status', namespace: 'other-team', name: 'orders-db' },
  { verb: 'update', group: G, resource: 'udproutes/status', namespace: 'other-team', name: 'orders-dns' },
  { verb: 'update', group: G, resource: 'backendtlspolicies/status', namespace: 'other-team', name: 'orders-tls' },
  { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
  { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: LEASE },
  { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: LEASE },
];

/** Calls next to those: writes of specs, other kinds, other Leases, other verbs. */
const NEARBY_CALLS: Call[] = [
  { verb: 'update', group: G, resource: 'httproutes', namespace: NS, name: 'tasks' },
  { verb: 'patch', group: G, resource: 'httproutes', namespace: NS, name: 'tasks' },
  { verb: 'patch', group: G, resource: 'httproutes/status', namespace: NS, name: 'tasks' },
  { verb: 'delete', group: G, resource: 'httproutes', namespace: NS, name: 'tasks' },
  { verb: 'create', group: G, resource: 'gateways', namespace: NS },
  { verb: 'update', group: G, resource: 'gateways', namespace: NS, name: 'task-api-gateway' },
  { verb: 'update', group: G, resource: 'gatewayclasses', name: 'cdk8s-gateway' },
  { verb: 'update', group: G, resource: 'referencegrants/status', namespace: NS, name: 'grant' },
  { verb: 'update', group: G, resource: 'listenersets', namespace: 'other-team', name: 'orders-listeners' },
  { verb: 'patch', group: G, resource: 'listenersets/status', namespace: 'other-team', name: 'orders-listeners' },
  { verb: 'delete', group: G, resource: 'tlsroutes', namespace: 'other-team', name: 'orders-tls' },
  { verb: 'update', group: G, resource: 'tcproutes', namespace: 'other-team', name: 'orders-db' },
  { verb: 'patch', group: G, resource: 'udproutes/status', namespace: 'other-team', name: 'orders-dns' },
  { verb: 'update', group: G, resource: 'backendtlspolicies', namespace: NS, name: 'tasks-tls' },
  { verb: 'patch', group: G, resource: 'backendtlspolicies/status', namespace: NS, name: 'tasks-tls' },
  { verb: 'create', group: G, resource: 'backendtlspolicies', namespace: NS },
  { verb: 'update', group: '', resource: 'configmaps', namespace: NS, name: 'kube-root-ca.crt' },
  { verb: 'create', group: '', resource: 'configmaps', namespace: NS },
  { verb: 'delete', group: '', resource: 'configmaps', namespace: 'other-team', name: 'ca' },
  { verb: 'update', group: '', resource: 'secrets', namespace: NS, name: 'tasks-example-com-tls' },
  { verb: 'create', group: '', resource: 'secrets', namespace: NS },
  { verb: 'update', group: '', resource: 'services/status', namespace: NS, name: SA },
  { verb: 'list', group: '', resource: 'pods' },
  { verb: 'list', group: '', resource: 'endpoints' },
  { verb: 'create', group: '', resource: 'events', namespace: NS },
  { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: NS },
  { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: 'kube-controller-manager' },
  { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: 'other' },
  { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: LEASE },
  { verb: 'patch', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: LEASE },
  { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
  { verb: 'watch', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
  { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'other-team' },
  { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'other-team', name: LEASE },
];

/** Where an object of the example lives (the harness knows every kind but these two). */
function refFor(object: KubeObject): ResourceRef {
  const plural = ({ PodDisruptionBudget: 'poddisruptionbudgets', HorizontalPodAutoscaler: 'horizontalpodautoscalers' } as Record<string, string>)[object.kind!];
  if (!plural) return refOf(object as any);
  const [group, version] = object.apiVersion!.split('/');
  return { group, version, plural, namespace: object.metadata.namespace, name: object.metadata.name };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the RBAC of a controller-mode GatewayDeployment against a real API server', () => {
  let kube: Kube;
  let objects: KubeObject[];
  const created = new Map<string, KubeObject>();

  /** Whether the service account may make `call`, by a SubjectAccessReview the admin submits. */
  async function allowed(call: Call): Promise<boolean> {
    const [resource, subresource] = call.resource.split('/');
    const review = await kube.client.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: USER,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
          resourceAttributes: { verb: call.verb, group: call.group, resource, subresource, namespace: call.namespace, name: call.name },
        },
      },
    });
    return review.status.allowed === true;
  }

  /** A client with a fresh token of the service account `name` of NS. */
  async function clientOf(name: string): Promise<KubeClient> {
    const request = await kube.client.create({ group: '', version: 'v1', plural: 'serviceaccounts', namespace: NS, name, subresource: 'token' }, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name }, spec: { expirationSeconds: 600 },
    });
    return new KubeClient({ ...kube.connection, token: request.status.token });
  }

  /** The resource rules a client's user has in `namespace` (SelfSubjectRulesReview), one `verb group/resource` line each. */
  async function rulesOf(client: KubeClient, namespace: string): Promise<string[]> {
    const review = await client.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    });
    return review.status.resourceRules
      .flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) =>
        `${v} ${g || 'core'}/${res}${r.resourceNames ? ` named ${r.resourceNames.join(',')}` : ''}`))))
      .sort();
  }

  beforeAll(async () => {
    kube = await startKube();
    // the example's objects, as `cdk8s synth` writes them
    const app: App = buildApp('unused');
    objects = app.charts.flatMap((chart) => chart.toJson());
    await apply(kube.client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const object of objects) {
      const ref = refFor(object);
      // Strict: a field the API server does not know fails the create instead of being dropped
      created.set(`${object.kind}/${object.metadata.name}`, await kube.client.request('POST', resourcePath({ ...ref, name: undefined }), {
        body: object, query: { fieldValidation: 'Strict' },
      }));
    }
    // the authorizer reads RBAC objects through its own informers: wait until it has seen the bindings
    const bound = async (): Promise<boolean> => await allowed(CONTROLLER_CALLS[0]) && allowed(CONTROLLER_CALLS[CONTROLLER_CALLS.length - 1]);
    for (let i = 0; i < 100 && !(await bound()); i++) await sleep(100);
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  test('the API server accepts every object of the example under strict field validation, and keeps the RBAC as synthesized', () => {
    // THEN
    expect([...created.keys()].sort()).toStrictEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    for (const kind of ['ClusterRole', 'Role']) {
      const synthesized = objects.find((o) => o.kind === kind)!;
      expect(created.get(`${kind}/${synthesized.metadata.name}`)!.rules).toStrictEqual(synthesized.rules);
    }
    expect(objects.find((o) => o.kind === 'ServiceAccount')!.metadata.name).toStrictEqual(SA);
  });

  test('every call of serve --kubernetes is allowed', async () => {
    // WHEN
    const denied: string[] = [];
    for (const call of CONTROLLER_CALLS) if (!(await allowed(call))) denied.push(label(call));
    // THEN
    expect(denied).toStrictEqual([]);
  });

  test('the calls next to them are denied: spec writes, other kinds, other Leases, other verbs', async () => {
    // WHEN
    const permitted: string[] = [];
    for (const call of NEARBY_CALLS) if (await allowed(call)) permitted.push(label(call));
    // THEN
    expect(permitted).toStrictEqual([]);
  });

  test('the service account\'s own rules review lists exactly the contract\'s rules on top of what every service account has', async () => {
    // GIVEN the service account and one that nothing binds
    await apply(kube.client, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: NS } });
    const [client, nobody] = [await clientOf(SA), await clientOf('nobody')];
    try {
      // WHEN
      const added = async (namespace: string): Promise<string[]> => {
        const baseline = new Set(await rulesOf(nobody, namespace));
        return (await rulesOf(client, namespace)).filter((r) => !baseline.has(r));
      };
      // THEN
      const cluster = [
        ...['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies'].map((r) => `${G}/${r}`),
        'core/namespaces', 'core/services', 'core/secrets', 'core/configmaps', 'discovery.k8s.io/endpointslices',
        ...['listenersets', 'tlsroutes', 'tcproutes', 'udproutes'].map((r) => `${G}/${r}`),
      ].flatMap((r) => ['get', 'list', 'watch'].map((v) => `${v} ${r}`))
        .concat(['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'listenersets', 'tlsroutes', 'tcproutes', 'udproutes', 'backendtlspolicies'].map((r) => `update ${G}/${r}/status`));
      expect(await added('other-team')).toStrictEqual([...cluster].sort());
      expect(await added(NS)).toStrictEqual([
        ...cluster,
        'create coordination.k8s.io/leases',
        `get coordination.k8s.io/leases named ${LEASE}`,
        `update coordination.k8s.io/leases named ${LEASE}`,
      ].sort());
    } finally {
      client.close();
      nobody.close();
    }
  });

  test('the service account creates and renews its Lease, and fails to take another one', async () => {
    // GIVEN a client with a token of the service account, and a Lease someone else holds
    const client = await clientOf(SA);
    const leases = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS };
    const lease = (name: string, holder: string): KubeObject => ({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NS }, spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
    });
    await kube.client.create(leases, lease('other', 'someone-else'));
    try {
      // WHEN
      const mine = await client.create(leases, lease(LEASE, 'pod-a'));
      const renewed = await client.replace({ ...leases, name: LEASE }, { ...mine, spec: { ...mine.spec, holderIdentity: 'pod-b' } });
      const other = await kube.client.get({ ...leases, name: 'other' });
      const takeOver = await client.replace({ ...leases, name: 'other' }, { ...other, spec: { ...other.spec, holderIdentity: 'pod-a' } }).catch((e) => e);
      const remove = await client.delete({ ...leases, name: LEASE }).catch((e: KubeApiError) => e);
      // THEN
      expect(renewed.spec.holderIdentity).toStrictEqual('pod-b');
      expect(takeOver).toBeInstanceOf(KubeApiError);
      expect(takeOver.message).toMatch(new RegExp(`403 Forbidden: .*User "${USER}" cannot update resource "leases".*`));
      expect(remove).toBeInstanceOf(KubeApiError);
      expect((remove as KubeApiError).code).toStrictEqual(403);
    } finally {
      client.close();
    }
  });
});
