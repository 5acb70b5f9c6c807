// The README's feature table against what the gateway claims and what the library exports.
import * as fs from 'fs';
import * as path from 'path';
import * as lib from '../src';

/**
 * Claimed features that no transcribed conformance case exercises yet, and the test over real sockets that backs
 * each claim instead (the README names them too).
 */
const BACKED_BY_SOCKET_TESTS: Readonly<Record<string, string>> = {
  ListenerSet: 'test/dataplane/proxy/listener-set.test.ts',
  TLSRoute: 'test/dataplane/proxy/tls-route.test.ts',
  BackendTLSPolicy: 'test/dataplane/proxy/backend-tls.test.ts',
  BackendTLSPolicySANValidation: 'test/dataplane/proxy/backend-tls.test.ts',
  GatewayBackendClientCertificate: 'test/dataplane/proxy/backend-tls.test.ts',
  GatewayFrontendClientCertificateValidation: 'test/dataplane/proxy/client-certificates.test.ts',
  GatewayFrontendClientCertificateValidationInsecureFallback: 'test/dataplane/proxy/client-certificates.test.ts',
};

/**
 * The features the gateway claims. The truth is to come from the gateway itself: the `supportedFeatures` its
 * GatewayClass status reports (written by the controller); until that list exists, this one is the claim, and it
 * must be backed by the transcribed conformance cases (test/conformance/cases/*.json) that `npm test` runs, or, until
 * cases exist for them, by the socket tests named above.
 */
const GATEWAY_CLAIMED_FEATURES: readonly string[] = [
  'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant',
  'GatewayHTTPListenerIsolation', 'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GRPCRouteNamedRouteRule', 'HTTPRouteNamedRouteRule',
  'HTTPRouteQueryParamMatching', 'HTTPRouteMethodMatching', 'HTTPRouteResponseHeaderModification', 'HTTPRouteBackendRequestHeaderModification',
  'HTTPRoutePortRedirect', 'HTTPRouteSchemeRedirect', 'HTTPRoutePathRedirect',
  'HTTPRoute303RedirectStatusCode', 'HTTPRoute307RedirectStatusCode', 'HTTPRoute308RedirectStatusCode',
  'HTTPRouteHostRewrite', 'HTTPRoutePathRewrite', 'HTTPRouteRequestMirror', 'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout', 'HTTPRouteBackendTimeout', 'HTTPRouteParentRefPort', 'HTTPRouteCORS',
  'HTTPRouteBackendProtocolH2C', 'HTTPRouteBackendProtocolWebSocket',
  ...Object.keys(BACKED_BY_SOCKET_TESTS),
];

const REPO = path.join(__dirname, '..');

interface Row {
  readonly feature: string;
  readonly constructs: string;
  readonly api: string;
  readonly gateway: string;
}

/** The rows between the README's feature-table markers. */
function featureTable(): Row[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const match = /<!-- feature-table:begin -->\n([\s\S]*?)<!-- feature-table:end -->/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- feature-table:begin --> ... <!-- feature-table:end --> section');
  return match[1].trim().split('\n').slice(2).map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4) throw new Error(`README.md feature table: row ${JSON.stringify(line)} does not have 4 cells`);
    return { feature: cells[0], constructs: cells[1], api: cells[2], gateway: cells[3] };
  });
}

/** Every feature of the transcribed conformance cases. */
function conformanceFeatures(): Set<string> {
  const dir = path.join(REPO, 'test/conformance/cases');
  return new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).features ?? []));
}

describe('README feature table', () => {
  test('the gateway column says yes exactly for the features the gateway claims', () => {
    // GIVEN the table WHEN its gateway column is read THEN it is the claimed list, and every cell is yes or no
    const rows = featureTable();
    expect(rows.filter((r) => !['yes', 'no'].includes(r.gateway))).toStrictEqual([]);
    expect(rows.filter((r) => r.gateway === 'yes').map((r) => r.feature).sort()).toStrictEqual([...GATEWAY_CLAIMED_FEATURES].sort());
  });

  test('every feature the gateway claims is exercised by a transcribed conformance case or a named socket test', () => {
    // GIVEN the features of the conformance cases, and the socket tests named for the others
    const covered = conformanceFeatures();
    // WHEN each claim is looked up THEN it has a case, or a named test file that exists
    expect(GATEWAY_CLAIMED_FEATURES.filter((f) => !covered.has(f) && BACKED_BY_SOCKET_TESTS[f] === undefined)).toStrictEqual([]);
    const missing = Object.entries(BACKED_BY_SOCKET_TESTS).filter(([, file]) => !fs.existsSync(path.join(REPO, file)));
    expect(missing).toStrictEqual([]);
    // AND a socket test stands in only where no conformance case exists
    expect(Object.keys(BACKED_BY_SOCKET_TESTS).filter((f) => covered.has(f))).toStrictEqual([]);
  });

  test('each feature is listed once, and the standard-channel kinds are all there', () => {
    const features = featureTable().map((r) => r.feature);
    expect(features.filter((f, i) => features.indexOf(f) !== i)).toStrictEqual([]);
    for (const kind of ['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'ListenerSet', 'TLSRoute', 'BackendTLSPolicy', 'TCPRoute', 'UDPRoute']) {
      expect(features).toContain(kind);
    }
  });

  test('every construct the table names is exported by the library', () => {
    // GIVEN the backticked names of the API column that start with a capital or `l1.` (e.g. `Listener.tlsTerminate`)
    const named = featureTable().flatMap((r) => [...r.api.matchAll(/`((?:l1\.)?[A-Z]\w*(?:\.\w+)?)`/g)].map((m) => m[1]));
    // WHEN each is looked up on the library's exports
    const missing = named.filter((name) => name.split('.').reduce<any>((obj, key) => obj?.[key], lib) === undefined);
    // THEN none is missing
    expect(named.length).toBeGreaterThan(20);
    expect(missing).toStrictEqual([]);
  });

  test('a row that says the constructs support a feature names the API', () => {
    expect(featureTable().filter((r) => r.constructs === 'yes' && r.api === '').map((r) => r.feature)).toStrictEqual([]);
  });
});
