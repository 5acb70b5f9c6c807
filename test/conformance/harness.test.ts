/**
 * Negative controls for the conformance runner: against the real gateway, a case whose expectation (or
 * route) was altered so that the gateway's correct answer no longer matches must FAIL, with the mismatch
 * named. This is what shows that a green conformance run means something.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadBackends, loadCaseFile, type CaseFile } from './harness/cases';
import { generateCertificate, httpsHostnames } from './harness/certs';
import { chooseLauncher } from './harness/gateway';
import { pool, runCaseFile, type CaseResult, type SuiteContext } from './harness/run';

jest.setTimeout(120_000);

interface Control {
  readonly title: string;
  readonly test: string;
  readonly index: number;
  readonly alter: (f: CaseFile) => void;
  readonly error: RegExp;
  /** What the failure report must also say (e.g. the gateway's access-log line). */
  readonly context?: RegExp;
}

const removeFilters = (f: CaseFile, type: string) => {
  for (const r of f.routes) for (const rule of r.spec.rules ?? []) rule.filters = (rule.filters ?? []).filter((x: any) => x.type !== type);
};

const CONTROLS: Control[] = [
  {
    title: 'another backend answered',
    test: 'HTTPRouteMatching',
    index: 0,
    alter: (f) => (f.cases[0].expect!.backend = 'infra-backend-v2'),
    error: /backend: expected a pod of infra-backend-v2, got pod 'infra-backend-v1-/,
    context: /gateway access log: status=200 .*infra-backend-v1/,
  },
  {
    title: 'a wrong status',
    test: 'HTTPRouteExactPathMatching',
    index: 0,
    alter: (f) => (f.cases[0].expect!.status = 404),
    error: /status: expected 404, got 200/,
  },
  {
    title: 'a request header the backend did not see',
    test: 'HTTPRouteRequestHeaderModifier',
    index: 0,
    alter: (f) => (f.cases[0].expect!.headers!['X-Header-Set'] = 'something-else'),
    error: /request header X-Header-Set: expected 'something-else' at the backend, got 'set-overwrites-values'/,
  },
  {
    title: 'a response header the gateway did not set',
    test: 'HTTPRouteResponseHeaderModifier',
    index: 0,
    alter: (f) => (f.cases[0].expect!.responseHeaders!['X-Header-Set'] = 'other'),
    error: /response header X-Header-Set: expected 'other', got 'set-overwrites-values'/,
  },
  {
    title: 'a redirect to another port',
    test: 'HTTPRouteRedirectPort',
    index: 0,
    alter: (f) => (f.cases[0].expect!.redirect!.port = '8084'),
    error: /redirect port: expected 8084, got '8083'/,
  },
  {
    title: 'a mirror that does not happen',
    test: 'HTTPRouteRequestMirror',
    index: 0,
    alter: (f) => {
      removeFilters(f, 'RequestMirror');
      // keep infra-backend-v2 referenced (so that it runs) by a rule no request matches
      f.routes[0].spec.rules.push({ matches: [{ path: { type: 'Exact', value: '/control-unused' } }], backendRefs: [{ name: 'infra-backend-v2', port: 8080 }] });
    },
    error: /mirror: gateway-conformance-infra\/infra-backend-v2 never received/,
  },
  {
    title: 'a CORS preflight answered by the backend',
    test: 'HTTPRouteCORS',
    index: 0,
    alter: (f) => removeFilters(f, 'CORS'),
    error: /expected an answer from the gateway itself, but echo backend pod 'infra-backend-v1-x-y' answered|response header access-control-allow-origin/,
  },
  {
    title: 'weights the gateway does not have',
    test: 'HTTPRouteWeight',
    index: 1,
    alter: (f) => {
      f.cases[1].distribution!.expectedShares = { 'infra-backend-v1': 0.3, 'infra-backend-v2': 0.7, 'infra-backend-v3': 0 };
      f.cases[1].distribution!.maxAttempts = 1;
    },
    error: /backend infra-backend-v1: share 0\.[67]\d*, expected 0\.3/,
  },
  {
    title: 'a mirror percentage the gateway does not have',
    test: 'HTTPRouteRequestPercentageMirror',
    index: 1,
    alter: (f) => {
      f.cases[1].mirrorDistribution!.acceptRange = [0, 10];
      f.cases[1].mirrorDistribution!.maxAttempts = 1;
    },
    error: /mirror infra-backend-v2 received \d+ of 500 requests, expected 0\.\.10/,
  },
  {
    title: 'another gRPC backend answered',
    test: 'GRPCExactMethodMatching',
    index: 0,
    alter: (f) => (f.cases[0].expect!.backend = 'grpc-infra-backend-v2'),
    error: /backend: expected a pod of grpc-infra-backend-v2, got pod 'grpc-infra-backend-v1-/,
    context: /gateway access log: status=200 .*grpc-infra-backend-v1/,
  },
  {
    title: 'a WebSocket echo that differs',
    test: 'HTTPRouteBackendProtocolWebSocket',
    index: 0,
    alter: (f) => (f.cases[0].websocket!.expectTextEcho = 'something else'),
    error: /text echo: expected 'something else', got 'Websocket Support!'/,
  },
  {
    title: 'a gateway that cannot start (its stderr is quoted)',
    test: 'HTTPRouteSimpleSameNamespace',
    index: 0,
    alter: (f) => (f.routes[0].spec.rules = 'not-a-list'),
    error: /could not run HTTPRouteSimpleSameNamespace: the gateway did not log "ready" \(exited with code [12]\): .*spec\.rules/,
  },
  {
    title: 'an HTTPS answer from another listener',
    test: 'HTTPRouteHTTPSListener',
    index: 0,
    alter: (f) => (f.cases[0].expect!.backend = 'infra-backend-v2'),
    error: /backend: expected a pod of infra-backend-v2, got pod 'infra-backend-v1-/,
  },
];

let ctx: Omit<SuiteContext, 'skipOf'>;
const results = new Map<string, CaseResult>();
let ran: Promise<unknown>;

beforeAll(async () => {
  const files = CONTROLS.map((c) => loadCaseFile(c.test));
  const cert = await generateCertificate(httpsHostnames(files));
  ctx = { backends: loadBackends(), cert, launcher: chooseLauncher().launcher, tmpRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-controls-')) };
  ran = pool(CONTROLS, 3, async (c) => {
    const file = loadCaseFile(c.test);
    c.alter(file);
    const only: SuiteContext['skipOf'] = (_t, i) => (i === c.index ? undefined : { test: c.test, case: i, reason: 'not part of this control' });
    const r = await runCaseFile(file, { ...ctx, skipOf: only });
    results.set(c.title, r[c.index]);
  });
  await ran;
});

afterAll(() => {
  if (ctx) fs.rmSync(ctx.tmpRoot, { recursive: true, force: true });
});

test.each(CONTROLS.map((c) => [c.title, c] as [string, Control]))('fails on %s', (_t, c) => {
  const r = results.get(c.title)!;
  expect(r.status).toBe('failed');
  expect(r.errors.join('\n')).toMatch(c.error);
  if (c.context) expect(r.errors.join('\n')).toMatch(c.context);
});
