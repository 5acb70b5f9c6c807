/**
 * The client as a pod's service account would use it, against a real API server: a token from the TokenRequest
 * API (signed with the harness's service account key) in a mounted-token folder, read by
 * `inClusterConnection()`; RBAC refuses what no Role grants and allows it once a RoleBinding does.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { apply, Kube, SERVER_NAME, startKube } from './harness';
import { inClusterConnection, KubeApiError, KubeClient, ResourceRef } from '../../src/dataplane/kube/client';

const NS = 'sa-test';
const routes: ResourceRef = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: NS };

describe('service account access against a real API server', () => {
  let kube: Kube;
  let saDir: string;
  let client: KubeClient;

  beforeAll(async () => {
    kube = await startKube();
    await apply(kube.client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await apply(kube.client, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gateway', namespace: NS } });
    const request = await kube.client.create({ group: '', version: 'v1', plural: 'serviceaccounts', namespace: NS, name: 'gateway', subresource: 'token' }, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'gateway' },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 600 },
    });
    saDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-'));
    fs.writeFileSync(path.join(saDir, 'token'), request.status.token);
    fs.writeFileSync(path.join(saDir, 'ca.crt'), kube.connection.ca!);
    fs.writeFileSync(path.join(saDir, 'namespace'), NS);
    const connection = inClusterConnection({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(kube.server).port }, saDir);
    // the serving certificate names the harness's host, not 127.0.0.1 (in a cluster it names the service IP)
    client = new KubeClient({ ...connection, tlsServerName: SERVER_NAME });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    if (saDir) fs.rmSync(saDir, { recursive: true, force: true });
    await kube?.stop();
  });

  test('fails to list routes before any Role allows it, with Forbidden naming the service account', async () => {
    // WHEN
    const error = await client.list(routes).catch((e) => e);

    // THEN
    expect(client.connection.namespace).toBe(NS);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(403);
    expect(error.message).toMatch(/403 Forbidden: httproutes\.gateway\.networking\.k8s\.io is forbidden: User "system:serviceaccount:sa-test:gateway" cannot list resource "httproutes"/);
  });

  test('GIVEN a Role and RoleBinding for reading routes WHEN the service account lists THEN it is allowed, and writing is still refused', async () => {
    // GIVEN
    await apply(kube.client, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'read-routes', namespace: NS },
      rules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list', 'watch'] }],
    });
    await apply(kube.client, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'gateway-reads-routes', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-routes' },
      subjects: [{ kind: 'ServiceAccount', name: 'gateway', namespace: NS }],
    });

    // WHEN the authorizer has seen the binding (it reads RBAC through its own informers)
    let listed: unknown;
    for (let i = 0; i < 100 && !listed; i++) {
      listed = await client.list(routes).catch(() => undefined);
      if (!listed) await new Promise((r) => setTimeout(r, 100));
    }

    // THEN
    expect(listed).toMatchObject({ items: [] });
    const write = await client.create(routes, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: NS }, spec: {} }).catch((e) => e);
    expect(write).toBeInstanceOf(KubeApiError);
    expect(write.message).toMatch(/403 Forbidden: .*cannot create resource "httproutes"/);
  });
});
