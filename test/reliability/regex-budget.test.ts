/**
 * The regex budget: matches on long inputs (1 KiB or more) may take a bounded share of the event loop;
 * past it, requests whose routing needs such a match get 503, while short inputs and every other route
 * are served as always. Also the limit flags of `serve`.
 */
import { compileRegex, setRegexGuard } from '../../src/dataplane/engine/util';
import { ConnectionLimits, DEFAULT_LIMITS, LIMITS_USAGE, RegexBudget, clientErrorStatus, parseLimitFlag } from '../../src/dataplane/proxy/limits';
import { SERVE_USAGE, parseDurationFlag, parseServeArgs } from '../../src/dataplane/serve';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway } from '../dataplane/proxy/helpers';

const EVIL = '/evil/((a|b)*a(a|b){15})+c';

function randomAb(n: number, seed: number): string {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += x / 2147483648 < 0.5 ? 'a' : 'b';
  }
  return s;
}

describe('RegexBudget', () => {
  afterEach(() => setRegexGuard(undefined));

  test('admits while milliseconds are left, refuses when spent, refills with time', async () => {
    const b = new RegexBudget(10);
    expect(b.admit()).toBe(true);
    b.spent(25);
    expect(b.admit()).toBe(false);
    expect(b.refused).toBe(1);
    await new Promise((r) => setTimeout(r, 1_700));
    expect(b.admit()).toBe(true);
  });

  test('only inputs of 1 KiB or more are metered; a refused match throws', () => {
    const b = new RegexBudget(1);
    b.spent(1_000);
    setRegexGuard(b);
    const m = compileRegex('/x/[ab]+');
    expect(m(`/x/${'a'.repeat(1000)}`)).toBe(true);
    expect(() => m(`/x/${'a'.repeat(1100)}`)).toThrow(/the regular-expression time budget is spent \(a match on 1103 characters was refused\)/);
  });
});

describe('serve under an adversarial regex flood', () => {
  let ok: Backend;
  let gw: StartedGateway;
  beforeAll(async () => {
    ok = await startBackend('ok');
    gw = await startGateway([
      gatewayDoc(),
      routeDoc('ok', [{ matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [backendRef('ok')] }]),
      routeDoc('evil', [{ matches: [{ path: { type: 'RegularExpression', value: EVIL } }], backendRefs: [backendRef('ok')] }]),
    ], { [`${NS}/ok:8080`]: ok.address }, { accessLogSink: () => undefined, limits: { regexBudgetMs: 5 } });
  });
  afterAll(async () => {
    await gw?.close();
    await ok?.close();
  });

  test('long adversarial paths past the budget get 503; short paths on the regex route and other routes are served', async () => {
    const statuses: number[] = [];
    const bodies = new Set<string>();
    for (let round = 0; round < 4; round++) {
      const batch = await Promise.all(Array.from({ length: 25 }, (_, i) => request(gw.port(), { path: `/evil/${randomAb(8000, round * 100 + i)}`, host: 'example.com' })));
      statuses.push(...batch.map((r) => r.status));
      batch.filter((r) => r.status === 503).forEach((r) => bodies.add(r.body));
      expect((await request(gw.port(), { path: '/ok/during', host: 'example.com' })).status).toBe(200);
      expect((await request(gw.port(), { path: `/evil/a${'b'.repeat(15)}c`, host: 'example.com' })).status).toBe(200);
    }
    expect(statuses.filter((s) => s !== 404 && s !== 503)).toStrictEqual([]);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(50);
    expect([...bodies]).toStrictEqual(['the gateway is overloaded: try again later\n']);
    const metrics = (await request(gw.adminPort, { path: '/metrics' })).body;
    expect(metrics).toMatch(/gateway_upstream_errors_total\{kind="overloaded"\} [1-9]/);
  });
});

describe('serve limit flags', () => {
  test('parses every limit flag', () => {
    expect(parseServeArgs([
      '--routes', 'x', '--max-connections', '500', '--max-header-size', '32768', '--max-uri-length', '4096', '--header-timeout', '5s',
      '--max-concurrent-streams', '50', '--max-premature-resets', '20', '--regex-budget', '20ms',
    ])).toMatchObject({
      limits: {
        maxConnections: 500,
        maxHeaderBytes: 32768,
        maxUriBytes: 4096,
        headerTimeoutMs: 5000,
        maxConcurrentStreams: 50,
        maxPrematureResets: 20,
        regexBudgetMs: 20,
      },
    });
    expect(parseServeArgs(['--routes', 'x'])).not.toHaveProperty('limits');
  });

  test('the usage text lists them with their defaults', () => {
    expect(SERVE_USAGE).toContain(LIMITS_USAGE);
    const flags = ['--max-connections', '--max-header-size', '--max-uri-length', '--header-timeout', '--max-concurrent-streams', '--max-premature-resets', '--regex-budget'];
    for (const flag of flags) {
      expect(LIMITS_USAGE).toContain(flag);
    }
    expect(LIMITS_USAGE).toContain(`default ${DEFAULT_LIMITS.maxConnections}.`);
  });

  test.each([
    [['--max-connections', '0'], /--max-connections: '0' must be an integer from 1 to 1000000/],
    [['--max-connections', 'many'], /--max-connections: 'many' must be an integer from 1 to 1000000/],
    [['--max-header-size', '100'], /--max-header-size: '100' must be an integer from 1024 to 1048576/],
    [['--max-uri-length', '1.5'], /--max-uri-length: '1.5' must be an integer from 64 to 1048576/],
    [['--max-concurrent-streams', '-1'], /--max-concurrent-streams needs a value|--max-concurrent-streams: '-1' must be an integer/],
    [['--header-timeout', '10'], /--header-timeout: '10' is not a duration/],
    [['--header-timeout', '10ms'], /--header-timeout: must be between 100ms and 1h/],
    [['--regex-budget', '2s'], /--regex-budget: must be at most 1s \(it is a share of each second\)/],
  ])('fails %j', (args, message) => {
    expect(() => parseServeArgs(['--routes', 'x', ...args])).toThrow(message);
  });

  test('parseLimitFlag ignores other flags', () => {
    const limits: { -readonly [K in keyof ConnectionLimits]?: number } = {};
    expect(parseLimitFlag('--drain-timeout', () => '1s', limits, parseDurationFlag)).toBe(false);
    expect(limits).toStrictEqual({});
  });

  test.each([
    ['header timeout', { code: 'ERR_HTTP_REQUEST_TIMEOUT' }, 408, /the request head was not complete within 10000 ms/],
    ['request line overflow', { code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(`GET /${'a'.repeat(9000)}`) }, 414, /the request line is longer than 8192 bytes/],
    ['header overflow', { code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(`GET / HTTP/1.1\r\nx: ${'a'.repeat(9000)}`) }, 431, /the request head is larger than 16384 bytes/],
    ['parse error', { code: 'HPE_INVALID_HEADER_TOKEN', reason: 'Invalid header value char' }, 400, /malformed HTTP\/1\.1 request \(HPE_INVALID_HEADER_TOKEN: Invalid header value char\)/],
  ])('clientErrorStatus: %s', (_name, err, status, message) => {
    const r = clientErrorStatus(err, DEFAULT_LIMITS);
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });
});
