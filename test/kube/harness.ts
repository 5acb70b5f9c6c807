/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver (built by scripts/kube-binaries.sh) on
 * 127.0.0.1, ports chosen at run time, state in a temp folder, the vendored Gateway API CRDs installed and
 * Established, an admin kubeconfig written. `stop()` kills both and removes the folder; it also runs when the
 * process exits, so a failing test leaves nothing behind.
 *
 * One control plane per jest file (`startKube()` in `beforeAll`, `stop()` in `afterAll`): a start takes a few
 * seconds (see the README's "Tests against a real API server").
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { Controller, ControllerOptions } from '../../src/dataplane/controller/controller';
import { KubeApiError, KubeClient, KubeConnection, KubeObject, loadKubeconfig, ResourceRef } from '../../src/dataplane/kube/client';
import { generateCertificate } from '../conformance/harness/certs';

const REPO = path.resolve(__dirname, '..', '..');
const CRD_DIR = path.join(REPO, 'crds', 'gateway-api', 'v1.6.1');
/** The serving certificate names this host; clients reach 127.0.0.1 and verify it as this name (`tls-server-name`). */
export const SERVER_NAME = 'kube-apiserver.test';

export type CrdChannel = 'standard' | 'experimental';

export interface KubeOptions {
  /** Which Gateway API CRDs to install (default `standard`; `experimental`: the experimental HTTPRoute instead). */
  readonly crdChannel?: CrdChannel;
  /** Bound on the whole start (binaries found, etcd healthy, API server ready, CRDs Established); default 120 s. */
  readonly startTimeoutMs?: number;
}

export interface Kube {
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  /** The admin's kubeconfig (user `admin`, group `system:masters`). */
  readonly kubeconfig: string;
  readonly connection: KubeConnection;
  /** A client as the admin. */
  readonly client: KubeClient;
  /** The CRDs installed, by name (`httproutes.gateway.networking.k8s.io`). */
  readonly crds: readonly string[];
  /** The temp folder: etcd data, certificates, logs (`etcd.log`, `kube-apiserver.log`). */
  readonly dir: string;
  /** Kills both processes and removes the temp folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The folder holding kube-apiserver and etcd, or an error saying how to build them. */
export function kubeBinaries(): { apiserver: string; etcd: string } {
  let dir: string;
  try {
    dir = execFileSync('bash', [path.join(REPO, 'scripts', 'kube-binaries.sh'), '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env }).trim();
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`kube harness: ${stderr || (e as Error).message}`);
  }
  return { apiserver: path.join(dir, 'kube-apiserver'), etcd: path.join(dir, 'etcd') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 25): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 100-500 ms until it returns true, the process exits, or the deadline passes. */
async function waitFor(what: string, deadline: number, probe: () => Promise<boolean>, proc?: ChildProcess, log?: string): Promise<void> {
  let pause = 100;
  let last = '';
  for (;;) {
    if (proc && proc.exitCode !== null) {
      throw new Error(`kube harness: ${what}: the process exited with code ${proc.exitCode}; its log ends with:\n${log ? tail(log) : ''}`);
    }
    try {
      if (await probe()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`kube harness: ${what}: not ready before the deadline${last ? ` (last error: ${last})` : ''}${log ? `; its log ends with:\n${tail(log)}` : ''}`);
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 500);
  }
}

const running = new Set<() => void>();
process.on('exit', () => {
  for (const killNow of running) killNow();
});

function launch(bin: string, args: string[], log: string): ChildProcess {
  const fd = fs.openSync(log, 'a');
  const proc = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const kill = (): void => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  running.add(kill);
  proc.once('exit', () => running.delete(kill));
  return proc;
}

async function terminate(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The vendored CRDs of a channel, as objects: `crds/gateway-api/v1.6.1/*.yaml`, with, for `experimental`, each
 * CRD of `experimental/` (the experimental HTTPRoute: retries, destination-port matching) in place of the
 * standard one of the same name.
 */
export function gatewayApiCrds(channel: CrdChannel): KubeObject[] {
  const read = (dir: string): KubeObject[] => fs
    .readdirSync(dir)
    .filter((f) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(f))
    .sort()
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o && o.kind === 'CustomResourceDefinition');
  const crds = new Map(read(CRD_DIR).map((c) => [c.metadata.name, c]));
  if (channel === 'experimental') for (const c of read(path.join(CRD_DIR, 'experimental'))) crds.set(c.metadata.name, c);
  return [...crds.values()];
}

export async function startKube(options: KubeOptions = {}): Promise<Kube> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const bins = kubeBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-kube-'));
  const procs: ChildProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of procs.reverse()) await terminate(p);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Certificates: one self-signed serving certificate, trusted by the kubeconfig;
    // the admin authenticates with a static token; service account tokens are signed with a fresh key.
    const serving = await generateCertificate([SERVER_NAME]);
    const certFile = path.join(dir, 'apiserver.crt');
    const keyFile = path.join(dir, 'apiserver.key');
    fs.writeFileSync(certFile, serving.certPem);
    fs.writeFileSync(keyFile, serving.keyPem, { mode: 0o600 });
    const sa = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const saKey = path.join(dir, 'sa.key');
    const saPub = path.join(dir, 'sa.pub');
    fs.writeFileSync(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
    const token = crypto.randomBytes(24).toString('hex');
    const tokens = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

    // etcd: a fresh member, no fsync (the data lives as long as the test file).
    const etcdLog = path.join(dir, 'etcd.log');
    let etcdUrl = '';
    for (let attempt = 1; ; attempt++) {
      const [clientPort, peerPort] = [await freePort(), await freePort()];
      etcdUrl = `http://127.0.0.1:${clientPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcd = launch(bins.etcd, [
        '--name=test',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=test=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ], etcdLog);
      procs.push(etcd);
      try {
        await waitFor('etcd', deadline, async () => (await fetch(`${etcdUrl}/health`)).ok, etcd, etcdLog);
        break;
      } catch (e) {
        // another process may have taken a port between freePort() and etcd's bind: try other ports
        if (attempt >= 3 || etcd.exitCode === null || !/address already in use/.test(tail(etcdLog))) throw e;
        fs.rmSync(path.join(dir, 'etcd'), { recursive: true, force: true });
      }
    }

    // kube-apiserver: RBAC (the admin is in system:masters), no controllers behind it, so admission plugins that
    // need them (ServiceAccount: every Pod would wait for a default ServiceAccount) are off.
    const apiLog = path.join(dir, 'kube-apiserver.log');
    let server = '';
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      server = `https://127.0.0.1:${port}`;
      const apiserver = launch(bins.apiserver, [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${path.join(dir, 'certs')}`,
        `--tls-cert-file=${certFile}`,
        `--tls-private-key-file=${keyFile}`,
        `--token-auth-file=${tokens}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--api-audiences=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--disable-admission-plugins=ServiceAccount,DefaultStorageClass,DefaultIngressClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,DefaultTolerationSeconds,Priority,TaintNodesByCondition',
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        '--v=1',
      ], apiLog);
      procs.push(apiserver);
      try {
        await waitFor('kube-apiserver /readyz', deadline, async () => {
          const res = await fetchTls(`${server}/readyz`, token, serving.certPem);
          return res.status === 200;
        }, apiserver, apiLog);
        break;
      } catch (e) {
        if (attempt >= 3 || apiserver.exitCode === null || !/address already in use/.test(tail(apiLog))) throw e;
      }
    }

    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, YAML.stringify({
      'apiVersion': 'v1',
      'kind': 'Config',
      'clusters': [{ name: 'test', cluster: { 'server': server, 'tls-server-name': SERVER_NAME, 'certificate-authority-data': Buffer.from(serving.certPem).toString('base64') } }],
      'users': [{ name: 'admin', user: { token } }],
      'contexts': [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
      'current-context': 'test',
    }), { mode: 0o600 });
    const connection = loadKubeconfig(kubeconfig);
    const client = new KubeClient(connection);

    // CRDs: created, then Established.
    const crdRef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
    const crds = gatewayApiCrds(options.crdChannel ?? 'standard');
    for (const crd of crds) await client.create(crdRef, crd);
    for (const crd of crds) {
      await waitFor(`CRD ${crd.metadata.name} Established`, deadline, async () => {
        const live = await client.get({ ...crdRef, name: crd.metadata.name });
        return (live.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
      });
    }
    const kube: Kube = {
      server,
      kubeconfig,
      connection,
      client,
      crds: crds.map((c) => c.metadata.name),
      dir,
      stop: async () => {
        client.close();
        await stop();
      },
    };
    return kube;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A GET over TLS trusting `ca` (global fetch cannot be given a CA). */
function fetchTls(url: string, token: string, ca: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, servername: SERVER_NAME, headers: { Authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

/** Plural resource names (and scope) of the kinds the suite creates. */
const RESOURCES: Record<string, { plural: string; clusterScoped?: boolean }> = {
  Namespace: { plural: 'namespaces', clusterScoped: true },
  Service: { plural: 'services' },
  Secret: { plural: 'secrets' },
  ConfigMap: { plural: 'configmaps' },
  Pod: { plural: 'pods' },
  ServiceAccount: { plural: 'serviceaccounts' },
  Role: { plural: 'roles' },
  RoleBinding: { plural: 'rolebindings' },
  ClusterRole: { plural: 'clusterroles', clusterScoped: true },
  ClusterRoleBinding: { plural: 'clusterrolebindings', clusterScoped: true },
  Lease: { plural: 'leases' },
  Deployment: { plural: 'deployments' },
  EndpointSlice: { plural: 'endpointslices' },
  GatewayClass: { plural: 'gatewayclasses', clusterScoped: true },
  Gateway: { plural: 'gateways' },
  HTTPRoute: { plural: 'httproutes' },
  GRPCRoute: { plural: 'grpcroutes' },
  ReferenceGrant: { plural: 'referencegrants' },
  BackendTLSPolicy: { plural: 'backendtlspolicies' },
  ListenerSet: { plural: 'listenersets' },
  TLSRoute: { plural: 'tlsroutes' },
  TCPRoute: { plural: 'tcproutes' },
  UDPRoute: { plural: 'udproutes' },
};

/** Where an object lives in the API: its group and version from `apiVersion`, its plural from its kind. */
export function refOf(object: { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string } }): ResourceRef {
  const r = object.kind ? RESOURCES[object.kind] : undefined;
  if (!r || !object.apiVersion) {
    throw new Error(`kube harness: ${object.kind}/${object.metadata.name}: unknown kind or no apiVersion; add the kind to RESOURCES in test/kube/harness.ts`);
  }
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  if (!r.clusterScoped && !object.metadata.namespace) throw new Error(`kube harness: ${object.kind}/${object.metadata.name}: a namespaced kind needs metadata.namespace`);
  return { group, version, plural: r.plural, namespace: r.clusterScoped ? undefined : object.metadata.namespace, name: object.metadata.name };
}

/** Creates the object, or replaces it if it exists (upstream's applier: create, else update). */
export async function apply(client: KubeClient, object: KubeObject): Promise<KubeObject> {
  const ref = refOf(object);
  try {
    return await client.create({ ...ref, name: undefined }, object);
  } catch (e) {
    if (!(e instanceof KubeApiError) || e.code !== 409) throw e;
    const live = await client.get(ref);
    return client.replace(ref, { ...object, metadata: { ...object.metadata, resourceVersion: live.metadata.resourceVersion } });
  }
}

/** Polling for a state (test/kube/until.ts). */
export { until } from './until';

/** A GatewayClass of `controllerName`. */
export function gatewayClass(name: string, controllerName: string): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName } };
}

/** The condition of `type` in a status `conditions` list. */
export const conditionOf = (list: any[] | undefined, type: string): any => (list ?? []).find((c) => c.type === type);

/**
 * A controller (not started) on `kube` as the tests run it: no leader election, the informers' backoff short and
 * its jitter fixed.
 */
export function testController(kube: Kube, options: Partial<ControllerOptions> = {}): Controller {
  return new Controller({
    client: new KubeClient(kube.connection),
    leaderElection: false,
    informer: { random: () => 0.5, minBackoffMs: 50, maxBackoffMs: 200 },
    ...options,
  });
}

/** A namespace, a GatewayClass `ours` of `controllerName` and its Gateway `gw` there with one HTTP listener on port 80. */
export function servedGateway(namespace: string, controllerName: string): KubeObject[] {
  const G = 'gateway.networking.k8s.io';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    gatewayClass('ours', controllerName),
    { apiVersion: `${G}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace }, spec: { gatewayClassName: 'ours', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  ];
}
