/**
 * The typed CORS filter and the experimental-channel retry, tested through the gateway: a chart is synthesized, its
 * objects are served by the gateway in-process (127.0.0.1, port 0), and real requests check the behaviour.
 */
import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  BackendRef, Gateway, HttpRoute, HttpRouteFilter, HttpRouteFilterType, HttpRouteRuleProps, Listener, ParentRef, PathMatch,
} from '../src';
import { Backend, NS, request, startBackend, startGateway, StartedGateway } from './dataplane/proxy/helpers';
import { withSchemaChannel } from './util/schema';

const EXPERIMENTAL = { 'cdk8s-gateway:channel': 'experimental' };

/** A chart with the Gateway `same-namespace` (HTTP on 80) and one HTTPRoute `web` with `rules`. */
function chartWith(rules: HttpRouteRuleProps[], context: Record<string, string> = {}): { chart: Chart; route: HttpRoute } {
  const app = new App();
  for (const [key, value] of Object.entries(context)) app.node.setContext(key, value);
  const chart = new Chart(app, 'web', { namespace: NS, disableResourceNameHashes: true });
  const gateway = new Gateway(chart, 'gw', {
    metadata: { name: 'same-namespace' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 })],
  });
  const route = new HttpRoute(chart, 'route', { metadata: { name: 'web' }, parentRefs: [ParentRef.fromGateway(gateway)], rules });
  return { chart, route };
}

const echo = () => BackendRef.fromName('echo', { port: 8080 });

/** The chart's objects, checked against the experimental channel's CRDs (which have `retry`). */
const synthExperimental = (chart: Chart) => withSchemaChannel('experimental', () => Testing.synth(chart));

describe('HttpRouteFilter.cors', () => {
  let backend: Backend;
  let gw: StartedGateway;

  beforeAll(async () => {
    // GIVEN a route whose /api rule has a CORS filter for one origin, served by the gateway
    backend = await startBackend('echo');
    const { chart } = chartWith([{
      matches: [{ path: PathMatch.pathPrefix('/api') }],
      filters: [HttpRouteFilter.cors({
        allowOrigins: ['https://app.example.com'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['x-token'],
        exposeHeaders: ['x-request-id'],
        maxAge: Duration.minutes(10),
        allowCredentials: true,
      })],
      backendRefs: [echo()],
    }]);
    gw = await startGateway(Testing.synth(chart), { [`${NS}/echo:8080`]: backend.address });
  });

  afterAll(async () => {
    await gw?.close();
    await backend?.close();
  });

  test('synthesizes the CORS filter in the Gateway API\'s fields', () => {
    const { chart } = chartWith([{ filters: [HttpRouteFilter.cors({ allowOrigins: ['*'], maxAge: Duration.seconds(30) })], backendRefs: [echo()] }]);
    const route = Testing.synth(chart).find((o) => o.kind === 'HTTPRoute');
    expect(route.spec.rules[0].filters).toStrictEqual([{ type: 'CORS', cors: { allowOrigins: ['*'], maxAge: 30 } }]);
  });

  test('the gateway answers a preflight from an allowed origin with the configured headers', async () => {
    // WHEN a browser sends a preflight for a POST with x-token
    const reply = await request(gw.port(), {
      method: 'OPTIONS',
      path: '/api/tasks',
      headers: { 'origin': 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-token' },
    });
    // THEN the gateway answers it itself, with the filter's values
    expect(reply.status).toBeLessThan(300);
    expect(reply.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(reply.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(reply.headers['access-control-allow-headers']).toBe('x-token');
    expect(reply.headers['access-control-max-age']).toBe('600');
    expect(reply.headers['access-control-allow-credentials']).toBe('true');
    expect(backend.seen.filter((r) => r.method === 'OPTIONS')).toStrictEqual([]);
  });

  test('a request from an allowed origin gets the CORS headers on the backend\'s answer; another origin does not', async () => {
    const allowed = await request(gw.port(), { path: '/api/tasks', headers: { origin: 'https://app.example.com' } });
    expect(allowed.status).toBe(200);
    expect(allowed.json().backend).toBe('echo');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-expose-headers']).toBe('x-request-id');
    const other = await request(gw.port(), { path: '/api/tasks', headers: { origin: 'https://evil.example.org' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('fails where used on an origin that is not <scheme>://<host>[:<port>]', () => {
    const filter = HttpRouteFilter.cors({ allowOrigins: ['app.example.com'] });
    expect(filter.type).toBe(HttpRouteFilterType.CORS);
    const route = new HttpRoute(Testing.chart(), 'route');
    expect(() => route.addRule({ filters: [filter] }))
      .toThrow(/^test\/route: the 1st rule added: filter 1: cors allowOrigins entry "app\.example\.com" is not an origin; write <scheme>:\/\/<host>\[:<port>\]/);
  });

  test('fails where used on "*" with other entries, an unknown method, a bad header name or a maxAge below 1 second', () => {
    const route = new HttpRoute(Testing.chart(), 'route');
    const fails = (filter: HttpRouteFilter) => () => route.addRule({ filters: [filter] });
    expect(fails(HttpRouteFilter.cors({ allowOrigins: ['*', 'https://a.example.com'] })))
      .toThrow(/filter 1: cors allowOrigins lists "\*" with other entries \("https:\/\/a\.example\.com"\); "\*" already means any, so give it alone or drop it/);
    expect(fails(HttpRouteFilter.cors({ allowMethods: ['get'] })))
      .toThrow(/filter 1: cors allowMethods entry "get" is not an http method; use one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH \(upper case\), or "\*"/);
    expect(fails(HttpRouteFilter.cors({ allowHeaders: ['x token'] }))).toThrow(/filter 1: cors allowHeaders entry "x token" must be an rfc 7230 token/);
    expect(fails(HttpRouteFilter.cors({ exposeHeaders: ['x-a', 'X-A'] }))).toThrow(/filter 1: cors exposeHeaders lists "X-A" twice; list it once/);
    expect(fails(HttpRouteFilter.cors({ maxAge: Duration.millis(500) }))).toThrow(/filter 1: cors maxAge in seconds 0\.5 must be an integer from 1 to 2147483647/);
  });

  test('fails synth with two CORS filters in one rule', () => {
    const cors = () => HttpRouteFilter.cors({ allowOrigins: ['*'] });
    const { chart } = chartWith([{ filters: [cors(), cors()], backendRefs: [echo()] }]);
    expect(() => Testing.synth(chart)).toThrow(/web\/route: rule 0: has more than one CORS filter; merge them into one/);
  });
});

describe('HttpRouteRule retry (experimental channel)', () => {
  let flaky: Backend;
  let gw: StartedGateway;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    // GIVEN a backend that answers 503 to the first call for each path, and a route that retries 503 once
    flaky = await startBackend('flaky', (req, res) => {
      const n = (calls.get(req.url!) ?? 0) + 1;
      calls.set(req.url!, n);
      if (n > 1) return false;
      res.writeHead(503, { 'content-length': '0' });
      res.end();
      return true;
    });
    const { chart } = chartWith([
      { matches: [{ path: PathMatch.pathPrefix('/retried') }], retry: { codes: [503], attempts: 1, backoff: Duration.millis(1) }, backendRefs: [BackendRef.fromName('flaky', { port: 8080 })] },
      { matches: [{ path: PathMatch.pathPrefix('/once') }], backendRefs: [BackendRef.fromName('flaky', { port: 8080 })] },
    ], EXPERIMENTAL);
    gw = await startGateway(synthExperimental(chart), { [`${NS}/flaky:8080`]: flaky.address });
  });

  afterAll(async () => {
    await gw?.close();
    await flaky?.close();
  });

  test('emits retry in the rule when the experimental channel is declared', () => {
    const { chart } = chartWith([{ retry: { codes: [502, 503], attempts: 2, backoff: Duration.millis(250) }, backendRefs: [echo()] }], EXPERIMENTAL);
    const route = synthExperimental(chart).find((o) => o.kind === 'HTTPRoute');
    expect(route.spec.rules).toStrictEqual([{ backendRefs: [{ name: 'echo', port: 8080 }], retry: { codes: [502, 503], attempts: 2, backoff: '250ms' } }]);
  });

  test('the gateway retries a 503 and answers with the second attempt', async () => {
    // WHEN a request hits the retrying rule
    const reply = await request(gw.port(), { path: '/retried/a' });
    // THEN the client sees the retry's answer, and the backend saw two calls
    expect(reply.status).toBe(200);
    expect(reply.json().backend).toBe('flaky');
    expect(calls.get('/retried/a')).toBe(2);
  });

  test('without retry the 503 reaches the client after one call', async () => {
    const reply = await request(gw.port(), { path: '/once/a' });
    expect(reply.status).toBe(503);
    expect(calls.get('/once/a')).toBe(1);
  });

  test('fails synth with a retry when the experimental channel is not declared, and emits no retry', () => {
    // GIVEN a retrying rule in an app without the channel context
    const { chart, route } = chartWith([{ retry: { codes: [503] }, backendRefs: [echo()] }]);
    // WHEN synthesized, THEN synth fails with the path, the rule and the fix
    expect(() => Testing.synth(chart)).toThrow(/web\/route: rule 0 has a retry, a field of the experimental channel's CRD that the standard CRD does not have \(the API server would drop it\); declare the experimental CRDs with the context cdk8s-gateway:channel set to "experimental" \(app\.node\.setContext\('cdk8s-gateway:channel', 'experimental'\) before adding charts\), or remove the retry/);
    // AND the object itself (rendered without the app's validation) carries no retry
    expect(route.apiObject.toJson().spec.rules[0].retry).toBeUndefined();
  });

  test('fails on a code outside 400..599, a repeated code, attempts below 1 or a backoff under 1 ms', () => {
    const route = new HttpRoute(Testing.chart(), 'route');
    expect(() => route.addRule({ retry: { codes: [302] } })).toThrow(/^test\/route: the 1st rule added: retry code 302 must be an integer from 400 to 599 \(an http status code of a failed answer, e\.g\. 503\)/);
    expect(() => route.addRule({ retry: { codes: [503, 503] } })).toThrow(/^test\/route: the 1st rule added: retry lists code 503 twice; list it once/);
    expect(() => route.addRule({ retry: { attempts: 0 } })).toThrow(/^test\/route: the 1st rule added: retry attempts 0 must be an integer from 1 to 2147483647/);
    expect(() => route.addRule({ retry: { backoff: Duration.millis(0.5) } })).toThrow(/^test\/route: the 1st rule added: retry backoff 0\.5ms must be a whole, non-negative number of milliseconds/);
  });
});
