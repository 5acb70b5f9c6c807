/**
 * The control-plane harness itself: the experimental channel serves the experimental HTTPRoute, `stop()` leaves
 * nothing behind, and missing binaries are reported with what to run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gatewayApiCrds, kubeBinaries, startKube } from './harness';
import { KubeApiError, resourcePath } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';

const retryRoute = {
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name: 'retry', namespace: 'default' },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ retry: { attempts: 2, codes: [503] }, backendRefs: [{ name: 'web', port: 80 }] }] },
};

describe('kube harness', () => {
  test('GIVEN the vendored CRDs THEN the experimental channel swaps in the experimental HTTPRoute and keeps the others', () => {
    // WHEN
    const standard = gatewayApiCrds('standard');
    const experimental = gatewayApiCrds('experimental');

    // THEN
    const names = standard.map((c) => c.metadata.name);
    expect(names).toStrictEqual(experimental.map((c) => c.metadata.name));
    expect(names).toEqual(expect.arrayContaining([`gatewayclasses.${G}`, `gateways.${G}`, `httproutes.${G}`, `grpcroutes.${G}`, `referencegrants.${G}`]));
    const channel = (list: typeof standard): string => (list.find((c) => c.metadata.name === `httproutes.${G}`)!.metadata.annotations as Record<string, string>)['gateway.networking.k8s.io/channel'];
    expect([channel(standard), channel(experimental)]).toStrictEqual(['standard', 'experimental']);
  });

  test('GIVEN an experimental control plane WHEN a route with retries is created THEN it is kept, AND stop() kills both processes and removes the folder', async () => {
    // GIVEN
    const kube = await startKube({ crdChannel: 'experimental' });
    let pids: number[] = [];
    try {
      // WHEN
      const created = await kube.client.create({ group: G, version: 'v1', plural: 'httproutes', namespace: 'default' }, retryRoute);

      // THEN
      expect(created.spec.rules[0].retry).toStrictEqual({ attempts: 2, codes: [503] });
      pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(kube.dir);
        } catch {
          return false;
        }
      });
      expect(pids.length).toBe(2);
    } finally {
      await kube.stop();
    }
    expect(fs.existsSync(kube.dir)).toBe(false);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(kube.dir)).toBe(false);
    await expect(kube.client.list({ group: G, version: 'v1', plural: 'httproutes' })).rejects.toThrow(/ECONNREFUSED/);
  }, 180_000);

  test('GIVEN the standard channel WHEN a route with retries is created THEN the field is pruned, and refused under strict field validation', async () => {
    // GIVEN
    const kube = await startKube();
    try {
      const collection = { group: G, version: 'v1', plural: 'httproutes', namespace: 'default' };

      // WHEN
      const created = await kube.client.create(collection, retryRoute);
      const strict = await kube.client
        .request('POST', resourcePath(collection), { body: { ...retryRoute, metadata: { name: 'strict', namespace: 'default' } }, query: { fieldValidation: 'Strict' } })
        .catch((e) => e);

      // THEN
      expect(created.spec.rules[0].retry).toBeUndefined();
      expect(strict).toBeInstanceOf(KubeApiError);
      expect(strict.message).toMatch(/400 BadRequest: .*unknown field "spec\.rules\[0\]\.retry"/);
    } finally {
      await kube.stop();
    }
  }, 180_000);

  test('fails when the binaries are not built, saying what to run', () => {
    // GIVEN an empty cache
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-cache-'));
    const before = process.env.CDK8S_GATEWAY_KUBE_CACHE;
    process.env.CDK8S_GATEWAY_KUBE_CACHE = empty;
    try {
      // THEN
      expect(() => kubeBinaries()).toThrow(/^kube harness: kube-binaries: kube-apiserver v1\.\d+\.\d+ and etcd v3\.\d+\.\d+ are not built yet \(.*\); run scripts\/kube-binaries\.sh/);
    } finally {
      if (before === undefined) delete process.env.CDK8S_GATEWAY_KUBE_CACHE;
      else process.env.CDK8S_GATEWAY_KUBE_CACHE = before;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
