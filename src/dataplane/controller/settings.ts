/**
 * Controller mode's settings from the command line and the environment: which API server (in-cluster, a kubeconfig),
 * which Lease, which identity. Pure given the environment and the file system paths passed in.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NamespacedName } from './controller';
import { inClusterConnection, KubeConnection, loadKubeconfig } from '../kube/client';

export const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The Lease name when `--lease` is not given. */
export const DEFAULT_LEASE_NAME = 'cdk8s-gateway';

/** `NS/NAME`, checked: both parts DNS-1123 names. */
export function parseNamespacedName(text: string, flag: string): NamespacedName {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  if (!m) throw new Error(`${flag}: '${text}' must be NAMESPACE/NAME (lowercase DNS names, e.g. gateway-system/cdk8s-gateway)`);
  return { namespace: m[1], name: m[3] };
}

/**
 * The API server connection: `--kubeconfig` if given; else the in-cluster service account when
 * KUBERNETES_SERVICE_HOST is set; else $KUBECONFIG (its first file); else ~/.kube/config.
 */
export function resolveConnection(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): KubeConnection {
  if (kubeconfig !== undefined) return loadKubeconfig(kubeconfig);
  if (env.KUBERNETES_SERVICE_HOST) return inClusterConnection(env);
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((f) => f !== '');
  return loadKubeconfig(fromEnv ?? path.join(home, '.kube', 'config'));
}

/** `--lease` default: `<pod namespace>/cdk8s-gateway` (the service account's namespace, else the connection's, else default). */
export function defaultLease(connection: KubeConnection, namespaceFile: string = SA_NAMESPACE_FILE): NamespacedName {
  let namespace = connection.namespace;
  try {
    namespace = fs.readFileSync(namespaceFile, 'utf8').trim() || namespace;
  } catch {
    // not in a pod
  }
  return { namespace: namespace ?? 'default', name: DEFAULT_LEASE_NAME };
}

/** `--identity` default: $POD_NAME, else the host name. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return env.POD_NAME || os.hostname();
}
