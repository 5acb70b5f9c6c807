/**
 * Pods without a kubelet: the harness runs no scheduler or kubelet, so the Pods a Deployment would have are
 * created from its template and their status is written as a kubelet would write it (Running, Ready, a Pod IP),
 * through the pods/status subresource. Expectations that need Ready Pods (`namespaceReady`) are met that way.
 */
import type { KubeClient, KubeObject } from '../../src/dataplane/kube/client';

const pods = (namespace: string): { group: string; version: string; plural: string; namespace: string } => ({ group: '', version: 'v1', plural: 'pods', namespace });

/**
 * Creates `deployment.spec.replicas` Pods (default 1) from the template, named `<deployment>-<n>` and bound to a
 * node no kubelet serves (`no-kubelet`), writes each one Running and Ready with the next IP of `podIPs`, and returns
 * them as written.
 */
export async function readyPodsOf(client: KubeClient, deployment: KubeObject, podIPs: readonly string[]): Promise<KubeObject[]> {
  const replicas: number = deployment.spec?.replicas ?? 1;
  const ns = deployment.metadata.namespace;
  if (deployment.kind !== 'Deployment' || !ns) {
    throw new Error(`pods: ${deployment.kind} ${deployment.metadata.name}: expected a namespaced Deployment`);
  }
  if (podIPs.length < replicas) {
    throw new Error(`pods: Deployment ${ns}/${deployment.metadata.name} has ${replicas} replicas; give as many Pod IPs (got ${podIPs.length})`);
  }
  const out: KubeObject[] = [];
  for (let i = 0; i < replicas; i++) {
    const template = deployment.spec.template;
    const created = await client.create(pods(ns), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${deployment.metadata.name}-${i}`, namespace: ns, labels: template.metadata?.labels ?? {} },
      spec: { ...template.spec, nodeName: 'no-kubelet' },
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ready = (type: string): Record<string, string> => ({ type, status: 'True', lastTransitionTime: now });
    out.push(await client.replace({ ...pods(ns), name: created.metadata.name, subresource: 'status' }, {
      ...created,
      status: {
        phase: 'Running',
        podIP: podIPs[i],
        podIPs: [{ ip: podIPs[i] }],
        startTime: now,
        conditions: [ready('PodScheduled'), ready('Initialized'), ready('ContainersReady'), ready('Ready')],
      },
    }));
  }
  return out;
}
