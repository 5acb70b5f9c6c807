/**
 * The status conformance run: the vendored upstream status cases (test/conformance/status/) through the real
 * controller against a real API server. Every expectation of every case whose features are all in the GatewayClass's
 * `supportedFeatures` runs, with the suite's timeouts; the others are recorded as skipped with the features they
 * need. Setup as upstream's suite: the class under test Accepted, base.json applied and its namespaces ready.
 *
 * Cases run one after the other, each cleaned up afterwards as upstream's `t.Cleanup` does (Namespaces are kept: with
 * no namespace controller a deleted Namespace would stay Terminating). Pods come from their Deployments' templates,
 * made Ready by their status (test/kube/pods.ts); the Gateways' addresses come from a Service given as `--service`.
 * `test/conformance/status/RESULTS.md` is written at the end.
 */
import * as fs from 'fs';
import * as path from 'path';
import { apply, Kube, refOf, startKube } from './harness';
import { readyPodsOf } from './pods';
import { GATEWAY_CONTROLLER_NAME, SUPPORTED_FEATURES } from '../../src/dataplane/controller/constants';
import { Controller } from '../../src/dataplane/controller/controller';
import { KubeApiError, KubeClient, KubeObject } from '../../src/dataplane/kube/client';
import { loadStatusSuite, ObjectRef, STATUS_DIR, StatusCase, StatusStep } from '../conformance/status/cases';
import { waitForExpectation } from '../conformance/status/expect';
import { fillPlaceholders, prepareForApply, SuiteCertificates, SuiteEnv } from '../conformance/status/suite-objects';

const G = 'gateway.networking.k8s.io';
const suite = loadStatusSuite();
const supported = new Set(SUPPORTED_FEATURES);
const runnable = suite.cases.filter((c) => c.features.every((f) => supported.has(f)));
const skipped = suite.cases.filter((c) => !runnable.includes(c));
/**
 * `STATUS_CASES=A,B` runs only those cases (while working on them); RESULTS.md is then left as it is, since only a
 * run of every runnable case writes it. A name that is not a runnable case fails the run, not silently nothing.
 */
const only = process.env.STATUS_CASES?.split(',').map((n) => n.trim()).filter((n) => n !== '');
const unknownCases = (only ?? []).filter((n) => !runnable.some((c) => c.name === n));
const selected = only ? runnable.filter((c) => only.includes(c.name)) : runnable;

/** apiVersion of the kinds a step patches or deletes by reference. */
const API_VERSIONS: Record<string, string> = {
  GatewayClass: `${G}/v1`,
  Gateway: `${G}/v1`,
  HTTPRoute: `${G}/v1`,
  GRPCRoute: `${G}/v1`,
  ReferenceGrant: `${G}/v1beta1`,
  ListenerSet: `${G}/v1`,
  TLSRoute: `${G}/v1`,
  BackendTLSPolicy: `${G}/v1`,
  Service: 'v1',
  Secret: 'v1',
  ConfigMap: 'v1',
  Namespace: 'v1',
  Deployment: 'apps/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Pod: 'v1',
};

const refObject = (r: ObjectRef): KubeObject => ({
  apiVersion: API_VERSIONS[r.kind], kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
});

interface CaseResult {
  readonly name: string;
  expectations: number;
  passed: number;
  failures: string[];
}

describe('status conformance through the controller', () => {
  let kube: Kube;
  let controller: Controller;
  const podsOf = new Map<string, string[]>();
  let nextIp = 1;
  const env: SuiteEnv = {
    gatewayClassName: 'cdk8s-gateway',
    controllerName: GATEWAY_CONTROLLER_NAME,
    usableAddresses: [{ value: '192.0.2.10' }],
    unusableAddresses: [{ value: '198.51.100.10' }],
    certificates: new SuiteCertificates(),
    podEndpoints: (ns, deployment, family) => (podsOf.get(`${ns}/${deployment}`) ?? []).map((ip) => ({
      // an IPv6 twin of the Pod's IPv4 address, in the canonical form the API server requires
      addresses: [family === 'IPv4' ? ip : `fd00::${ip.split('.').slice(2).reduce((n, x) => n * 256 + Number(x), 0).toString(16)}`],
      conditions: { ready: true },
    })),
  };
  const results: CaseResult[] = [];
  const setup: CaseResult = { name: 'setup.json', expectations: 0, passed: 0, failures: [] };
  /** The controller's warnings and errors, shown with a case's failures. */
  const problems: string[] = [];

  /** Creates or updates the object (placeholders filled, upstream's rewrites made); a Deployment also gets Ready Pods. */
  async function applyObject(raw: KubeObject, where: string): Promise<KubeObject> {
    const o = prepareForApply(await fillPlaceholders(raw, env, where) as any, env) as KubeObject;
    const live = await apply(kube.client, o);
    if (o.kind === 'Deployment' && !podsOf.has(`${o.metadata.namespace}/${o.metadata.name}`)) {
      const replicas: number = o.spec?.replicas ?? 1;
      const ips = Array.from({ length: replicas }, () => `10.244.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`);
      await readyPodsOf(kube.client, o, ips);
      podsOf.set(`${o.metadata.namespace}/${o.metadata.name}`, ips);
    }
    return live;
  }

  async function remove(o: KubeObject): Promise<void> {
    if (o.kind === 'Namespace') return;
    try {
      await kube.client.delete(refOf(o));
    } catch (e) {
      if (!(e instanceof KubeApiError) || e.code !== 404) throw e;
    }
    if (o.kind === 'Deployment') {
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      const ips = podsOf.get(key) ?? [];
      for (let i = 0; i < ips.length; i++) await remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${o.metadata.name}-${i}`, namespace: o.metadata.namespace } });
      podsOf.delete(key);
    }
  }

  /** Runs a step: its mutations, then each expectation in order; returns the failures (stops at a fatal one). */
  async function runStep(step: StatusStep, where: string, applied: KubeObject[], result: CaseResult): Promise<boolean> {
    const expects = await fillPlaceholders(step.expect, env, where);
    const generationBefore = new Map<string, number | undefined>();
    for (const e of expects.filter((x) => x.generationChanged)) {
      const live = await kube.client.get(refOf(refObject(e))).catch(() => undefined);
      generationBefore.set(`${e.kind}/${e.namespace}/${e.name}`, live?.metadata.generation);
    }
    for (const raw of step.apply ?? []) {
      const objects: KubeObject[] = '$ref' in raw
        ? (raw.$ref === 'base.json#/objects' ? suite.base.objects : suite.base.generatedBySuite) as KubeObject[]
        : [raw as KubeObject];
      for (const o of objects) applied.push(await applyObject(o, where));
    }
    for (const p of await fillPlaceholders(step.patch ?? [], env, where)) {
      await kube.client.mergePatch(refOf(refObject(p)), p.mergePatch);
    }
    for (const d of step.delete ?? []) await remove(refObject(d));
    for (const e of expects) {
      result.expectations++;
      const unmet = await waitForExpectation(kube.client, e, { generationBefore: generationBefore.get(`${e.kind}/${e.namespace}/${e.name}`) });
      if (unmet.length === 0) {
        result.passed++;
        continue;
      }
      result.failures.push(`${step.name}: ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name} (${e.source}): ${unmet.join('; ')}`);
      if (e.failure !== 'error') return false;
    }
    return true;
  }

  beforeAll(async () => {
    if (unknownCases.length > 0) {
      throw new Error(`STATUS_CASES names ${unknownCases.join(', ')}: not a case that runs here (unknown, or a feature it needs is not in SUPPORTED_FEATURES)`);
    }
    kube = await startKube({ crdChannel: 'experimental' });
    await apply(kube.client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cdk8s-gateway-system' } });
    await apply(kube.client, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'cdk8s-gateway', namespace: 'cdk8s-gateway-system' },
      spec: { selector: { app: 'cdk8s-gateway' }, ports: [{ name: 'http', port: 80 }] },
    });
    await apply(kube.client, { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: env.gatewayClassName }, spec: { controllerName: env.controllerName } });
    controller = new Controller({
      client: new KubeClient(kube.connection),
      leaderElection: false,
      service: { namespace: 'cdk8s-gateway-system', name: 'cdk8s-gateway' },
      log: (level, msg, fields) => {
        if (level !== 'info') problems.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
      },
    });
    await controller.start();
    // upstream's suite starts against an implementation already running: its first status pass is done
    await controller.settled();
    for (const step of suite.setup.steps) if (!(await runStep(step, 'setup.json', [], setup))) break;
    if (setup.failures.length > 0) throw new Error(`status conformance setup failed: ${setup.failures.join('\n')}`);
  }, 600_000);

  afterAll(async () => {
    await controller?.stop();
    await kube?.stop();
    writeResults(setup, results, skipped);
  }, 60_000);

  test.each(selected.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // GIVEN the case's objects
    const result: CaseResult = { name: c.name, expectations: 0, passed: 0, failures: [] };
    results.push(result);
    const applied: KubeObject[] = [];
    problems.length = 0;
    try {
      for (const o of c.objects) applied.push(await applyObject(o as KubeObject, c.name));

      // WHEN each step's mutations are made THEN its expectations hold, polled with the suite's timeouts
      for (const step of c.steps) if (!(await runStep(step, `${c.name} ${step.name}`, applied, result))) break;
    } finally {
      for (const o of [...applied].reverse()) if (c.objects.some((x) => x.kind === o.kind && x.metadata.name === o.metadata.name)) await remove(o);
    }
    expect([...result.failures, ...(result.failures.length ? problems : [])]).toStrictEqual([]);
    expect(result.passed).toBe(c.steps.reduce((n, s) => n + s.expect.length, 0));
  }, 30 * 60_000);
});

/** Writes RESULTS.md: what ran, what passed, what was skipped and why. */
function writeResults(setup: CaseResult, results: readonly CaseResult[], skippedCases: readonly StatusCase[]): void {
  if (only || results.length < runnable.length) return; // a partial run (cases selected) does not overwrite the record
  const lines = [
    '# Status conformance results',
    '',
    'Written by `test/kube/status-conformance.test.ts`: the vendored upstream status cases run through the controller',
    '(`src/dataplane/controller/`) against a real kube-apiserver and etcd. A case runs when every feature it needs is in',
    'the GatewayClass\'s `supportedFeatures`; every one of its expectations is polled with the suite\'s timeouts.',
    '',
    `Setup (setup.json: the class Accepted, base.json applied, its namespaces ready): ${setup.passed} of ${setup.expectations} expectations held.`,
    '',
    `Run: ${results.length} cases, ${results.reduce((n, r) => n + r.expectations, 0)} expectations checked, `
      + `${results.filter((r) => r.failures.length === 0).length} cases passed; ${skippedCases.length} cases skipped.`,
    '',
    '| Case | Expectations | Passed | Result |',
    '| --- | ---: | ---: | --- |',
    ...results.map((r) => `| ${r.name} | ${r.expectations} | ${r.passed} | ${r.failures.length ? `FAILED: ${r.failures[0].replace(/\|/g, '\\|').slice(0, 300)}` : 'passed'} |`),
    '',
    '## Skipped: features not claimed',
    '',
    '| Case | Features not in supportedFeatures |',
    '| --- | --- |',
    ...skippedCases.map((c) => `| ${c.name} | ${c.features.filter((f) => !supported.has(f)).join(', ')} |`),
    '',
  ];
  fs.writeFileSync(path.join(STATUS_DIR, 'RESULTS.md'), lines.join('\n'));
}
