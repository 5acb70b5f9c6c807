/**
 * One case file as objects of a real API server: what `input.ts` writes to files, plus the EndpointSlices that a
 * cluster's EndpointSlice controller (or, for selector-less Services, the test itself) would create for the echo
 * backends. No controller manager runs next to the test API server, so the harness writes those slices.
 *
 * The API server refuses loopback addresses in EndpointSlices (`may not be in the loopback range`), and the echo
 * backends listen on 127.0.0.1 only. Each echo instance (a "pod") therefore gets an address of TEST-NET-1
 * (192.0.2.0/24, RFC 5737: reserved for documentation, never routed), the slice names the echo's real local port,
 * and the gateway under test is given the translation `192.0.2.N -> 127.0.0.1` for its upstream connections.
 */
import { echoPort, planBackends, type StartedBackends } from './backends';
import { GATEWAY_CLASS_NAME, type BackendsFile, type CaseFile, type K8sObject } from './cases';
import { withGatewayClass } from './input';

/** The documentation network the echo "pods" are numbered in. */
export const POD_NETWORK = '192.0.2.';
/** Marks the slices this harness manages (as `endpointslice-controller.k8s.io` marks a cluster's). */
export const SLICE_MANAGER = 'conformance-harness.cdk8s-gateway.dev';

export interface KubeCaseObjects {
  /** Namespaces first, then Services, Secrets, EndpointSlices, the GatewayClass, Gateways, routes, grants, the rest. */
  readonly objects: K8sObject[];
  /** Pod address -> the host it really listens on (always 127.0.0.1), for the gateway's upstream connections. */
  readonly addresses: ReadonlyMap<string, string>;
}

/**
 * The objects of one case file for the API server, given its running echo backends. `controllerName` goes into the
 * GatewayClass the case's Gateways name.
 */
export function kubeCaseObjects(
  file: CaseFile, backends: BackendsFile, started: StartedBackends, extra: { secrets: K8sObject[]; controllerName: string },
): KubeCaseObjects {
  const plan = planBackends(file, backends);
  const addresses = new Map<string, string>();
  const podAddress = new Map<string, string>();
  for (const key of [...started.echoes.keys()].sort()) {
    if (podAddress.size >= 254) throw new Error(`${file.name}: more than 254 echo backends do not fit in ${POD_NETWORK}0/24`);
    const ip = `${POD_NETWORK}${podAddress.size + 1}`;
    podAddress.set(key, ip);
    addresses.set(ip, '127.0.0.1');
  }

  /** The echo's real local port for a pod port (targetPort), if it serves one there. */
  const localPort = (echoKey: string, targetPort: number): number | undefined => {
    const echo = started.echoes.get(echoKey);
    return echo ? echoPort(echo, targetPort) : undefined;
  };

  /** The slice a cluster would have for `service` backed by the pods of `echoKey`. */
  const sliceFor = (service: K8sObject, echoKey: string, name: string): K8sObject => {
    const ports = (service.spec?.ports ?? []).flatMap((p: any) => {
      const port = localPort(echoKey, Number(p.targetPort ?? p.port));
      if (port === undefined) return [];
      return [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }];
    });
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: service.metadata.namespace,
        labels: { 'kubernetes.io/service-name': service.metadata.name, 'endpointslice.kubernetes.io/managed-by': SLICE_MANAGER },
      },
      addressType: 'IPv4',
      ports,
      endpoints: [{ addresses: [podAddress.get(echoKey)!], conditions: { ready: true, serving: true, terminating: false } }],
    };
  };

  const slices: K8sObject[] = [];
  for (const svc of started.services) {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    if (started.echoes.has(key)) slices.push(sliceFor(svc, key, `${svc.metadata.name}-echo`));
  }

  const other: K8sObject[] = [];
  const own = (file.otherResources ?? []).map(withGatewayClass);
  for (const o of own) {
    if (o.kind !== 'EndpointSlice') other.push(o);
  }
  for (const [alias, target] of plan.aliases) {
    const svc = own.find((o) => o.kind === 'Service' && `${o.metadata.namespace ?? 'default'}/${o.metadata.name}` === alias)!;
    const manual = own.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name
      && (o.metadata.namespace ?? 'default') === (svc.metadata.namespace ?? 'default'));
    if (manual.length === 0) {
      // A Service with a selector: the cluster's EndpointSlice controller would make this slice.
      slices.push(sliceFor(svc, target, `${svc.metadata.name}-echo`));
      continue;
    }
    // Upstream fills the case's own slices with the infra-backend pods' addresses; the IPv6 ones stay empty here
    // (the echoes listen on 127.0.0.1 only), which leaves the Service exactly one endpoint, as in IPv4-only clusters.
    for (const m of manual) {
      if (m.addressType !== 'IPv4') {
        slices.push({ ...m, endpoints: [] });
        continue;
      }
      const filled = sliceFor(svc, target, m.metadata.name);
      slices.push({ ...m, ports: filled.ports, endpoints: filled.endpoints });
    }
  }

  const gatewayClass: K8sObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: GATEWAY_CLASS_NAME },
    spec: { controllerName: extra.controllerName },
  };
  return {
    objects: [
      ...started.namespaces,
      ...started.services,
      ...extra.secrets,
      ...slices,
      gatewayClass,
      ...file.gateways.map(withGatewayClass),
      ...file.routes.map(withGatewayClass),
      ...(file.referenceGrants ?? []).map(withGatewayClass),
      ...other,
    ],
    addresses,
  };
}
