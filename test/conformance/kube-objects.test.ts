/**
 * Every data-plane case file as objects of a real API server (harness/kube-objects.ts): the API server accepts each
 * object as written (CRD schemas and CEL rules, EndpointSlice and Service validation), and the slices point every
 * referenced Service at the echo "pod" that serves it, on the echo's real port.
 */
import { startBackends, type StartedBackends } from './harness/backends';
import { loadBackends, loadCaseFiles, type CaseFile } from './harness/cases';
import { generateCertificate, httpsHostnames } from './harness/certs';
import { kubeCaseObjects, POD_NETWORK } from './harness/kube-objects';
import { apply, Kube, refOf, startKube } from '../kube/harness';

const CONTROLLER = 'cdk8s-gateway.dev/gateway-controller';
const files = loadCaseFiles();
const backends = loadBackends();

describe('data-plane case files as API objects', () => {
  let kube: Kube;
  let secret: any;

  beforeAll(async () => {
    // The experimental HTTPRoute is a superset of the standard one: every case file's routes fit it.
    kube = await startKube({ crdChannel: 'experimental' });
    secret = (await generateCertificate(httpsHostnames(files))).secret;
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  async function withBackends<T>(file: CaseFile, fn: (started: StartedBackends) => Promise<T>): Promise<T> {
    const started = await startBackends(file, backends);
    try {
      return await fn(started);
    } finally {
      await started.close();
    }
  }

  test('GIVEN every case file WHEN its objects are applied THEN the API server accepts each one', async () => {
    const refused: string[] = [];
    let applied = 0;
    for (const file of files) {
      await withBackends(file, async (started) => {
        const { objects } = kubeCaseObjects(file, backends, started, { secrets: [secret], controllerName: CONTROLLER });
        for (const o of objects) {
          try {
            await apply(kube.client, o as any);
            applied++;
          } catch (e) {
            refused.push(`${file.name}: ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${(e as Error).message}`);
          }
        }
      });
    }
    expect(refused).toStrictEqual([]);
    expect(applied).toBeGreaterThan(files.length * 4);
  }, 300_000);

  test('GIVEN the Service types case WHEN its objects are built THEN each Service has a ready endpoint on its echo\'s real port', async () => {
    // GIVEN: a selector-less Service with manual slices, a headless Service, and a headless selector-less one
    const file = files.find((f) => f.name === 'HTTPRouteServiceTypes')!;
    await withBackends(file, async (started) => {
      // WHEN
      const { objects, addresses } = kubeCaseObjects(file, backends, started, { secrets: [], controllerName: CONTROLLER });

      // THEN
      const echo = started.http('gateway-conformance-infra/infra-backend-v1')!;
      const slices = objects.filter((o) => o.kind === 'EndpointSlice');
      const ready = (service: string) => slices
        .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service && s.addressType === 'IPv4')
        .flatMap((s) => s.endpoints.map((e: any) => ({ ip: e.addresses[0], ports: s.ports.map((p: any) => p.port) })));
      const expected: Record<string, number[]> = {
        'manual-endpointslices': [echo.httpPort],
        'headless': [echo.httpPort],
        'headless-manual-endpointslices': [echo.httpPort],
        // its ports 8080 -> 3000 (HTTP), 8081 -> 3001 (h2c), 8082 -> 3000 (WebSocket)
        'infra-backend-v1': [echo.httpPort, echo.h2cPort, echo.httpPort],
      };
      for (const [service, ports] of Object.entries(expected)) {
        const eps = ready(service);
        expect({ service, eps: eps.map((e) => e.ports) }).toStrictEqual({ service, eps: [ports] });
        expect(eps[0].ip.startsWith(POD_NETWORK)).toBe(true);
        expect(addresses.get(eps[0].ip)).toBe('127.0.0.1');
      }
      // the case's IPv6 slices stay, without endpoints (the echoes listen on IPv4 loopback only)
      expect(slices.filter((s) => s.addressType === 'IPv6').map((s) => [s.metadata.name, s.endpoints])).toStrictEqual([
        ['manual-endpointslices-ip6', []], ['headless-manual-endpointslices-ip6', []],
      ]);
      // and every object names a kind the API knows
      for (const o of objects) expect(() => refOf(o as any)).not.toThrow();
    });
  });
});
