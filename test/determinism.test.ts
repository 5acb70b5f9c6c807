import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BackendRef, CertificateRef, Gateway, GrpcMethodMatch, GrpcRoute, HeaderMatch, HttpMethod, HttpRoute, HttpRouteFilter,
  Listener, ParentRef, PathMatch, QueryParamMatch, ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo,
} from '../src';

function build(app: App): void {
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const gateway = new Gateway(chart, 'gw', {
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http' }), Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('shop-tls')] })],
  });
  const web = new kplus.Service(chart, 'web', { ports: [{ port: 8080 }] });
  const route = new HttpRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'https' })], hostnames: ['shop.example.com'] });
  route.addRule({ name: 'root', backendRefs: [BackendRef.fromService(web)] });
  route.addRule({
    name: 'api',
    matches: [{ path: PathMatch.pathPrefix('/api'), method: HttpMethod.GET, headers: [HeaderMatch.exact('x-v', '2')], queryParams: [QueryParamMatch.exact('beta', '1')] }],
    filters: [HttpRouteFilter.requestHeaderModifier({ set: { 'x-b': '2', 'x-a': '1' } })],
    backendRefs: [BackendRef.fromName('api', { port: 80, weight: 90 }), BackendRef.fromName('api-canary', { port: 80, weight: 10 })],
    timeouts: { request: Duration.seconds(5) },
  });
  route.addRule({ name: 'health', matches: [{ path: PathMatch.exact('/healthz') }], backendRefs: [BackendRef.fromService(web)] });
  new GrpcRoute(chart, 'grpc', {
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'https' })],
    hostnames: ['grpc.shop.example.com'],
    rules: [{ matches: [{ method: GrpcMethodMatch.exact({ service: 'shop.Cart' }) }], backendRefs: [BackendRef.fromName('cart', { port: 50051 })] }],
  });
  new ReferenceGrant(chart, 'grant', { fromObjects: [ReferenceGrantFrom.httpRoutes('shop')], to: [ReferenceGrantTo.services()] });
}

describe('determinism', () => {
  test('two synths of the same app write byte-identical yaml', () => {
    // GIVEN
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-determinism-')));
    try {
      // WHEN
      for (const outdir of dirs) {
        const app = new App({ outdir });
        build(app);
        app.synth();
      }
      // THEN
      const files = fs.readdirSync(dirs[0]).sort();
      expect(files).toStrictEqual(fs.readdirSync(dirs[1]).sort());
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        expect(fs.readFileSync(path.join(dirs[1], f))).toStrictEqual(fs.readFileSync(path.join(dirs[0], f)));
      }
      const yaml = fs.readFileSync(path.join(dirs[0], files[0]), 'utf8');
      expect(yaml).not.toMatch(/creationTimestamp|[0-9]{4}-[0-9]{2}-[0-9]{2}T/);
      // Rules are in precedence order, independent of insertion order.
      expect(yaml.indexOf('name: health')).toBeLessThan(yaml.indexOf('name: api\n'));
      expect(yaml.indexOf('name: api\n')).toBeLessThan(yaml.indexOf('name: root'));
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('synthesizing the same chart twice gives the same yaml', () => {
    const app = Testing.app();
    build(app);
    const chart = app.charts[0];
    expect(Yaml.stringify(...Testing.synth(chart))).toStrictEqual(Yaml.stringify(...Testing.synth(chart)));
  });
});
