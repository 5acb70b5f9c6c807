/**
 * The admin `/config` dump: opt-in, without header values or certificate material, produced once per table
 * generation in chunks that give the event loop back between them.
 */
import { Backend, NS, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway } from './proxy/helpers';
import { compile } from '../../src/dataplane/engine/compile';
import { describeTable } from '../../src/dataplane/engine/describe';
import type { CompiledTable } from '../../src/dataplane/engine/model';
import { ConfigDump, REDACTED, redactHeaderValues } from '../../src/dataplane/proxy/config-dump';

const GATEWAY = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };

/** `n` routes, each with a header match, a request header modifier carrying a credential and a backend response header. */
function table(n: number, generation: number): CompiledTable {
  const docs: any[] = [GATEWAY];
  for (let i = 0; i < n; i++) {
    docs.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `r${String(i).padStart(3, '0')}`, namespace: 'ns' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [{
          matches: [{ path: { type: 'PathPrefix', value: `/p${i}` }, headers: [{ name: 'x-tenant', value: `tenant-${i}` }] }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'authorization', value: `Bearer token-${i}` }], remove: ['cookie'] } },
            { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
          ],
          backendRefs: [{ name: 'svc', port: 8080, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-key', value: `key-${i}` }] } }] }],
        }],
      },
    });
  }
  return compile(docs.map((object, i) => ({ file: 'in.yaml', document: i + 1, object, lineOf: () => undefined })), { generation });
}

async function dumpOf(dump: ConfigDump): Promise<string> {
  return Buffer.concat(await dump.body()).toString();
}

describe('the /config dump', () => {
  test('is describeTable without header values, in chunks of routes, and keeps rewrites', async () => {
    // GIVEN 7 routes dumped 3 at a time
    const t = table(7, 1);
    const text = await dumpOf(new ConfigDump(() => t, { routesPerChunk: 3 }));
    // THEN the JSON is the table's description with every header value redacted
    const parsed = JSON.parse(text);
    expect(parsed).toStrictEqual(redactHeaderValues(describeTable(t)));
    expect(text).not.toMatch(/token-|tenant-|key-\d/);
    const rule = parsed.gateways[0].ports[0].listeners[0].routes[6].rules[0];
    expect(rule.matches[0].headers).toStrictEqual([{ name: 'x-tenant', type: 'Exact', value: REDACTED }]);
    expect(rule.filters[0]).toStrictEqual({ type: 'RequestHeaderModifier', set: [{ name: 'authorization', value: REDACTED }], add: [], remove: ['cookie'] });
    expect(rule.filters[1]).toMatchObject({ type: 'URLRewrite' });
    expect(JSON.stringify(rule.filters[1])).toMatch(/\/v2/);
    expect(rule.backends[0].filters[0].add).toStrictEqual([{ name: 'x-key', value: REDACTED }]);
    expect(parsed.gateways[0].ports[0].listeners[0].routes.map((r: any) => r.name)).toStrictEqual(['r000', 'r001', 'r002', 'r003', 'r004', 'r005', 'r006']);
  });

  test('is produced once per table generation, giving the event loop back between chunks', async () => {
    // GIVEN a dump of 50 routes, 10 per chunk
    let t = table(50, 1);
    const dump = new ConfigDump(() => t, { routesPerChunk: 10 });
    // WHEN two requests ask at once, and a callback is queued behind the first chunk
    let turns = 0;
    const tick = () => {
      turns++;
      if (turns < 100) setImmediate(tick);
    };
    const first = dump.body();
    const second = dump.body();
    setImmediate(tick);
    const [a, b] = await Promise.all([first, second]);
    // THEN they share one production, during which the event loop turned
    expect(a).toBe(b);
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(await dump.body()).toBe(a);
    // WHEN the table changes THEN the next request gets the new generation
    t = table(2, 2);
    expect(JSON.parse(await dumpOf(dump)).generation).toBe(2);
  });

  describe('on the admin listener', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await startBackend('web');
    });
    afterAll(async () => backend?.close());

    test('--admin-config serves it without header values', async () => {
      // GIVEN a gateway with --admin-config and a route that sets a credential header
      const gw = await startGateway([gatewayDoc(), routeDoc('web', [{
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'authorization', value: 'Bearer s3cr3t' }] } }],
        backendRefs: [backendRef('web')],
      }])], { [`${NS}/web:8080`]: backend.address }, { adminConfig: true });
      try {
        // WHEN
        const reply = await request(gw.adminPort, { path: '/config' });
        // THEN
        expect(reply.status).toBe(200);
        expect(reply.headers['content-type']).toBe('application/json');
        expect(reply.body).not.toMatch(/s3cr3t/);
        expect(reply.json().gateways[0].ports[0].listeners[0].routes[0].rules[0].filters[0].set).toStrictEqual([{ name: 'authorization', value: REDACTED }]);
        const head = await request(gw.adminPort, { path: '/config', method: 'HEAD' });
        expect(head).toMatchObject({ status: 200, body: '' });
        expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
      } finally {
        await gw.close();
      }
    });
  });
});
