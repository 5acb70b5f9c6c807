/**
 * EndpointSlice and Service objects as an informer hands them over (discovery.k8s.io/v1, core/v1).
 */
import type { KubeObject } from '../../../src/dataplane/kube/client';

export interface EndpointSpec {
  readonly ip: string;
  readonly ready?: boolean;
  readonly terminating?: boolean;
  /** Pod name of the targetRef. */
  readonly pod?: string;
}

export interface SlicePortSpec {
  readonly name?: string;
  readonly port: number;
  readonly appProtocol?: string;
}

export function endpointSlice(name: string, service: string, endpoints: readonly EndpointSpec[], options: {
  readonly ports?: readonly SlicePortSpec[];
  readonly addressType?: string;
  readonly namespace?: string;
} = {}): KubeObject {
  const namespace = options.namespace ?? 'apps';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: options.addressType ?? 'IPv4',
    ports: (options.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ...(e.ready !== undefined ? { ready: e.ready } : {}),
        ...(e.terminating !== undefined ? { terminating: e.terminating } : {}),
      },
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
    })),
  };
}

export function serviceObject(name: string, ports: readonly { name?: string; port: number; appProtocol?: string }[] = [{ name: 'http', port: 80 }],
  options: { readonly namespace?: string; readonly annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: options.namespace ?? 'apps', ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: { ports: ports.map((p) => ({ protocol: 'TCP', targetPort: 8080, ...p })) },
  };
}
