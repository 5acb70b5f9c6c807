/**
 * The same conformance cases through a real API server: etcd and kube-apiserver on 127.0.0.1 (test/kube/harness.ts),
 * every object of a case file created there (harness/kube-objects.ts: the EndpointSlices of its echo backends
 * included), and the gateway in controller mode (`serve --kubernetes`) reading them, balancing over the slices'
 * endpoints and writing status. One case file at a time: the files reuse object names.
 */
import { defineConformanceSuite } from './harness/suite';
import { GATEWAY_CONTROLLER_NAME } from '../../src/dataplane/controller/constants';
import type { KubeObject } from '../../src/dataplane/kube/client';
import { apply, refOf, startKube } from '../kube/harness';

defineConformanceSuite({
  concurrency: 1,
  report: 'conformance-api-results.md',
  run: { testFile: 'test/conformance/api.test.ts', input: 'every object created in a real API server (controller mode)' },
  writesCommittedResults: false,
  kube: async () => {
    // The experimental HTTPRoute is a superset of the standard one: every case file's routes fit it.
    const kube = await startKube({ crdChannel: 'experimental' });
    return {
      kubeconfig: kube.kubeconfig,
      controllerName: GATEWAY_CONTROLLER_NAME,
      apply: async (o) => {
        await apply(kube.client, o as KubeObject);
      },
      remove: async (o) => {
        try {
          await kube.client.delete(refOf(o));
        } catch (e: any) {
          if (e?.code !== 404) throw e;
        }
      },
      stop: () => kube.stop(),
    };
  },
});
