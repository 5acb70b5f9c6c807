/**
 * The harness's own tests: every case file translates into a gateway input, every backend a case can reach
 * is started (or is deliberately invalid), and the HTTPS certificate covers what the cases ask for.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import * as YAML from 'yaml';
import { planBackends, referencedServices, startBackends } from './harness/backends';
import { loadBackends, loadCaseFiles, loadCaseFile, GATEWAY_CLASS_NAME, type CaseFile } from './harness/cases';
import { generateCertificate, httpsHostnames, TLS_SECRET_NAME, TLS_SECRET_NAMESPACE } from './harness/certs';
import { inputParts, listenArgs, writeInput } from './harness/input';
import { SKIPS } from './skips';
import { runValidate } from '../../src/dataplane/validate';

jest.setTimeout(60_000);

const files = loadCaseFiles();
const backends = loadBackends();
// Service backendRefs that must not resolve (refs of another kind never reach the Service map).
const invalidRefs = new Set(backends.invalidBackendRefs.filter((r) => r.group === '' && r.kind === 'Service').map((r) => `${r.namespace}/${r.name}`));

describe('case files', () => {
  test('all 46 transcribed tests with 254 cases are found', () => {
    expect(files).toHaveLength(46);
    expect(files.reduce((n, f) => n + f.cases.length, 0)).toBe(254);
  });

  test.each(files.map((f) => [f.name, f] as [string, CaseFile]))('%s: every referenced Service is started or deliberately invalid', (_n, file) => {
    const plan = planBackends(file, backends);
    for (const ref of referencedServices(file)) {
      const key = `${ref.namespace}/${ref.name}`;
      const served = plan.run.has(key) || plan.aliases.has(key);
      expect(served || invalidRefs.has(key)).toBe(true);
      expect(served && invalidRefs.has(key)).toBe(false);
    }
    for (const m of plan.missing) expect(invalidRefs.has(m)).toBe(true);
  });

  test.each(files.map((f) => [f.name, f] as [string, CaseFile]))('%s: every case targets a Gateway of the file on one of its listener ports', (_n, file) => {
    for (const c of file.cases) {
      const gw = file.gateways.find((g) => `${g.metadata.namespace}/${g.metadata.name}` === c.gateway);
      expect(gw).toBeDefined();
      const ports = (gw!.spec.listeners as any[]).map((l) => l.port);
      if (!c.request.url) expect(ports).toContain(c.request.port ?? (c.request.scheme === 'https' ? 443 : 80));
    }
  });
});

describe('translation into a gateway input', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-translate-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test.each(files.map((f) => [f.name, f] as [string, CaseFile]))('%s', async (_n, file) => {
    const started = await startBackends(file, backends);
    try {
      const parts = inputParts(file, { namespaces: started.namespaces, services: started.services, secrets: [] });
      const dir = writeInput(path.join(tmp, file.name), parts, started.map);
      // GIVEN the written directory THEN it parses back into the same objects, with the class name replaced
      const docs = fs
        .readdirSync(dir.routesDir)
        .sort()
        .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir.routesDir, f), 'utf8')).map((d) => d.toJSON()));
      const kinds = new Set(docs.map((d) => d.kind));
      expect(kinds.has('Gateway')).toBe(true);
      expect(kinds.has('Namespace')).toBe(true);
      expect(JSON.stringify(docs)).not.toContain('{GATEWAY_CLASS_NAME}');
      for (const g of docs.filter((d) => d.kind === 'Gateway')) expect(g.spec.gatewayClassName).toBe(GATEWAY_CLASS_NAME);
      expect(docs.filter((d) => d.kind === 'HTTPRoute' || d.kind === 'GRPCRoute')).toHaveLength(file.routes.length);
      // every map entry belongs to a Service of the input and points at a live port
      const map = JSON.parse(fs.readFileSync(dir.backendsFile, 'utf8')) as Record<string, string>;
      const services = new Set(docs.filter((d) => d.kind === 'Service').map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
      for (const [key, addr] of Object.entries(map)) {
        expect(services.has(key.replace(/:\d+$/, ''))).toBe(true);
        expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);
      }
      for (const ref of referencedServices(file)) {
        const key = `${ref.namespace}/${ref.name}`;
        if (invalidRefs.has(key)) {
          expect(services.has(key)).toBe(false);
          expect(Object.keys(map).some((k) => k.startsWith(`${key}:`))).toBe(false);
        }
      }
      expect(listenArgs(file).length).toBeGreaterThan(0);
      // the whole input passes the CRD schemas and CEL rules of the case's channel
      let report = '';
      const code = await runValidate([dir.routesDir, '--channel', file.crdChannel], { stdout: (t) => (report += t), stderr: (t) => (report += t) });
      expect({ code, report }).toMatchObject({ code: 0 });
    } finally {
      await started.close();
    }
  });

  test('a delete mutation removes the object from the files', async () => {
    const file = loadCaseFile('HTTPRouteReferenceGrant');
    const started = await startBackends(file, backends);
    try {
      const dir = writeInput(path.join(tmp, 'mutation'), inputParts(file, { namespaces: started.namespaces, services: started.services, secrets: [] }), started.map);
      const grants = () =>
        fs
          .readdirSync(dir.routesDir)
          .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir.routesDir, f), 'utf8')).map((d) => d.toJSON()))
          .filter((d) => d.kind === 'ReferenceGrant');
      expect(grants()).toHaveLength(1);
      dir.apply(file.cases[1].before!);
      expect(grants()).toHaveLength(0);
      expect(() => dir.apply(file.cases[1].before!)).toThrow(/not in the input/);
    } finally {
      await started.close();
    }
  });

  test('the map of HTTPRouteServiceTypes sends the selector-less and headless Services to infra-backend-v1', async () => {
    const file = loadCaseFile('HTTPRouteServiceTypes');
    const started = await startBackends(file, backends);
    try {
      const v1 = started.http('gateway-conformance-infra/infra-backend-v1')!;
      expect(started.map).toStrictEqual({
        'gateway-conformance-infra/infra-backend-v1:8080': `127.0.0.1:${v1.httpPort}`,
        'gateway-conformance-infra/infra-backend-v1:8081': `127.0.0.1:${v1.h2cPort}`,
        'gateway-conformance-infra/infra-backend-v1:8082': `127.0.0.1:${v1.httpPort}`,
        'gateway-conformance-infra/manual-endpointslices:8080': `127.0.0.1:${v1.httpPort}`,
        'gateway-conformance-infra/headless:8080': `127.0.0.1:${v1.httpPort}`,
        'gateway-conformance-infra/headless-manual-endpointslices:8080': `127.0.0.1:${v1.httpPort}`,
      });
      // the case's own Service objects are used, not backends.json's copies
      expect(started.services.map((s) => s.metadata.name)).toStrictEqual(['infra-backend-v1']);
    } finally {
      await started.close();
    }
  });

  test('--listen names the Gateway when several Gateways share a port', () => {
    expect(listenArgs(loadCaseFile('HTTPRouteMultipleGateways'))).toStrictEqual([
      'gateway-conformance-infra/all-namespaces:80=127.0.0.1:0',
      'gateway-conformance-infra/same-namespace:80=127.0.0.1:0',
    ]);
    expect(listenArgs(loadCaseFile('HTTPRouteListenerPortMatching'))).toStrictEqual(['80=127.0.0.1:0', '8080=127.0.0.1:0', '8090=127.0.0.1:0']);
  });
});

describe('HTTPS certificate', () => {
  test('covers every name the HTTPS cases send and verifies for each SNI', async () => {
    const names = httpsHostnames(files);
    expect(names).toEqual(expect.arrayContaining(['example.org', 'second-example.org', '*.wildcard.org', 'third-example.wildcard.org', 'unknown-example.org']));
    const cert = await generateCertificate(names);
    expect(cert.secret).toMatchObject({ kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: TLS_SECRET_NAME, namespace: TLS_SECRET_NAMESPACE } });
    expect(Buffer.from(cert.secret.data['tls.crt'], 'base64').toString()).toBe(cert.certPem);
    const x509 = new crypto.X509Certificate(cert.certPem);
    for (const f of files) {
      for (const c of f.cases) {
        if (c.request.scheme !== 'https') continue;
        expect(tls.checkServerIdentity(c.request.tls!.serverName!, { subjectaltname: x509.subjectAltName, subject: {} } as any)).toBeUndefined();
      }
    }
  });
});

describe('skip list', () => {
  test('every skip names an existing test (and case) and gives a reason', () => {
    for (const s of SKIPS) {
      const file = files.find((f) => f.name === s.test);
      expect(file).toBeDefined();
      if (s.case !== undefined) expect(file!.cases[s.case]).toBeDefined();
      expect(s.reason.length).toBeGreaterThan(20);
    }
  });
});
