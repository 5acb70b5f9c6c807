import { spawn } from 'child_process';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import WebSocket from 'ws';
import {
  canonicalHeaderKey,
  echoSetHeaders,
  grpcEchoClientConstructor,
  parseEchoSpecs,
  parseGoDuration,
  startEchoFleet,
  startGrpcEcho,
  startHttpEcho,
  type GrpcEchoServer,
  type HttpEchoServer,
} from '.';

jest.setTimeout(20_000);

interface Answer {
  status: number;
  raw: string[];
  body: string;
}

function get(port: number, target: string, headers: Record<string, string | string[]> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET', agent: false, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function rawHeader(a: Answer, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.raw.length; i += 2) if (a.raw[i] === name) out.push(a.raw[i + 1]);
  return out;
}

describe('Go behaviour', () => {
  test('canonical header keys as textproto', () => {
    expect(canonicalHeaderKey('x-header-ADD')).toBe('X-Header-Add');
    expect(canonicalHeaderKey('version')).toBe('Version');
    expect(canonicalHeaderKey('access-control-request-method')).toBe('Access-Control-Request-Method');
    expect(canonicalHeaderKey('bad name')).toBe('bad name');
  });

  test('Go durations', () => {
    expect(parseGoDuration('1s')).toBe(1000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('250us')).toBeCloseTo(0.25);
  });

  test('fails on durations Go refuses', () => {
    expect(() => parseGoDuration('10')).toThrow(/missing unit/);
    expect(() => parseGoDuration('1x')).toThrow(/invalid duration/);
    expect(() => parseGoDuration('')).toThrow(/invalid duration/);
  });

  test('X-Echo-Set-Header pairs keep their case and join repeats', () => {
    expect([...echoSetHeaders(['Some-Other-Header:val, X-Header-Set:a', 'X-Header-Set: b', ''])]).toStrictEqual([
      ['Some-Other-Header', 'val'],
      ['X-Header-Set', 'a,b'],
    ]);
  });
});

describe('HTTP echo', () => {
  let echo: HttpEchoServer;
  beforeAll(async () => {
    echo = await startHttpEcho({ namespace: 'ns-a', pod: 'svc-a-x-y' });
  });
  afterAll(() => echo.close());

  test('GIVEN a request WHEN echoed THEN the body describes it as echo-basic does', async () => {
    const a = await get(echo.httpPort, '/some/path?b=2&a=1', { 'Host': 'example.com:8080', 'x-multi': ['one', 'two'], 'X-Echo-Set-Header': 'X-Answer:42' });
    expect(a.status).toBe(200);
    expect(rawHeader(a, 'Content-Type')).toStrictEqual(['application/json']);
    expect(rawHeader(a, 'X-Answer')).toStrictEqual(['42']);
    const body = JSON.parse(a.body);
    expect(Object.keys(body)).toStrictEqual(['path', 'host', 'method', 'proto', 'headers', 'httpPort', 'namespace', 'ingress', 'service', 'pod']);
    expect(body).toMatchObject({ path: '/some/path?b=2&a=1', host: 'example.com:8080', method: 'GET', proto: 'HTTP/1.1', namespace: 'ns-a', pod: 'svc-a-x-y' });
    expect(body.headers['X-Multi']).toStrictEqual(['one', 'two']);
    expect(body.headers.Host).toBeUndefined();
    expect(echo.count('/some/path?b=2&a=1')).toBe(1);
  });

  test('status, health and delay', async () => {
    expect((await get(echo.httpPort, '/status/418')).status).toBe(418);
    expect((await get(echo.httpPort, '/status/41')).status).toBe(400);
    const h = await get(echo.httpPort, '/health');
    expect([h.status, h.body]).toStrictEqual([200, 'OK']);
    const t0 = Date.now();
    expect((await get(echo.httpPort, '/x?delay=300ms')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect((await get(echo.httpPort, '/x?delay=bogus')).status).toBe(500);
  });

  test('retry: the first succeedAfter attempts of a uuid fail with the code, then it echoes', async () => {
    const p = '/retry/x?responseCode=503&succeedAfter=2&uuid=u1';
    expect((await get(echo.httpPort, p)).status).toBe(503);
    expect((await get(echo.httpPort, p)).status).toBe(503);
    expect((await get(echo.httpPort, p)).status).toBe(200);
    expect((await get(echo.httpPort, '/retry/x?responseCode=503&succeedAfter=2&uuid=u2')).status).toBe(503);
  });

  test('retry without responseCode resets the connection', async () => {
    await expect(get(echo.httpPort, '/retry/x?succeedAfter=1&uuid=u3')).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect((await get(echo.httpPort, '/retry/x?succeedAfter=1&uuid=u3')).status).toBe(200);
  });

  test('waitForRequest gives up after its timeout', async () => {
    await expect(echo.waitForRequest('/never', 100)).resolves.toBe(false);
    await get(echo.httpPort, '/seen');
    await expect(echo.waitForRequest('/seen', 100)).resolves.toBe(true);
  });

  test('the h2c port answers HTTP/2 prior knowledge and refuses HTTP/1.1', async () => {
    const refused = await get(echo.h2cPort, '/');
    expect([refused.status, refused.body]).toStrictEqual([400, 'Expected h2c request']);
    const session = http2.connect(`http://127.0.0.1:${echo.h2cPort}`);
    try {
      const body = await new Promise<any>((resolve, reject) => {
        const s = session.request({ ':path': '/h2?x=1', ':authority': 'foo.example', 'x-thing': 'v' });
        let data = '';
        s.setEncoding('utf8');
        s.on('data', (c) => (data += c));
        s.on('end', () => resolve(JSON.parse(data)));
        s.on('error', reject);
        s.end();
      });
      expect(body).toMatchObject({ path: '/h2?x=1', host: 'foo.example', proto: 'HTTP/2.0', pod: 'svc-a-x-y' });
      expect(body.headers['X-Thing']).toStrictEqual(['v']);
    } finally {
      session.close();
    }
  });

  test('WebSocket echo of text and binary frames on /ws', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${echo.httpPort}/ws`);
    const got: Array<{ data: Buffer; binary: boolean }> = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), 5000);
      ws.on('open', () => {
        ws.send('hello');
        ws.send(Buffer.from([1, 2, 3]));
      });
      ws.on('message', (data, binary) => {
        got.push({ data: data as Buffer, binary });
        if (got.length === 2) {
          clearTimeout(t);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(got).toStrictEqual([
      { data: Buffer.from('hello'), binary: false },
      { data: Buffer.from([1, 2, 3]), binary: true },
    ]);
  });

  test('closing releases the ports', async () => {
    const e = await startHttpEcho({ namespace: 'n', pod: 'p-x-y' });
    await e.close();
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect(e.httpPort, '127.0.0.1');
        s.on('connect', () => resolve('connected'));
        s.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('gRPC echo', () => {
  let echo: GrpcEchoServer;
  let client: grpc.Client & Record<string, any>;
  beforeAll(async () => {
    echo = await startGrpcEcho({ namespace: 'ns-g', pod: 'grpc-svc-x-y' });
    const Ctor = grpcEchoClientConstructor();
    client = new Ctor(`127.0.0.1:${echo.port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'bar.com' }) as any;
  });
  afterAll(async () => {
    client.close();
    await echo.close();
  });

  const call = (method: string, md = new grpc.Metadata()) =>
    new Promise<{ err: grpc.ServiceError | null; res: any }>((resolve) => {
      client[method]({}, md, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: any) => resolve({ err, res }));
    });

  test('Echo and EchoTwo describe the call', async () => {
    const md = new grpc.Metadata();
    md.set('x-jitter', '7');
    const { err, res } = await call('Echo', md);
    expect(err).toBeNull();
    expect(res.assertions.fullyQualifiedMethod).toBe('/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo');
    expect(res.assertions.authority).toBe('bar.com');
    expect(res.assertions.context).toMatchObject({ namespace: 'ns-g', pod: 'grpc-svc-x-y' });
    expect(res.assertions.headers).toEqual(expect.arrayContaining([{ key: ':authority', value: 'bar.com' }, { key: 'x-jitter', value: '7' }]));
    const two = await call('EchoTwo');
    expect(two.res.assertions.fullyQualifiedMethod).toBe('/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo');
  });

  test('EchoThree is UNIMPLEMENTED', async () => {
    const { err } = await call('EchoThree');
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('echo fleet', () => {
  test('one instance per Service, the map points every Service port at the right echo port', async () => {
    const fleet = await startEchoFleet(parseEchoSpecs(['demo/web:8080', 'demo/web:8081=h2c', 'demo/web:8082=http', 'demo/rpc:9000=grpc']));
    try {
      const web = fleet.http('demo/web')!;
      expect(fleet.map).toStrictEqual({
        'demo/web:8080': `127.0.0.1:${web.httpPort}`,
        'demo/web:8081': `127.0.0.1:${web.h2cPort}`,
        'demo/web:8082': `127.0.0.1:${web.httpPort}`,
        'demo/rpc:9000': `127.0.0.1:${fleet.grpc('demo/rpc')!.port}`,
      });
      const body = JSON.parse((await get(web.httpPort, '/')).body);
      expect(body).toMatchObject({ namespace: 'demo', pod: 'web-x-y' });
    } finally {
      await fleet.close();
    }
  });

  test('fails on a malformed spec and on a Service mixing gRPC and HTTP ports', async () => {
    expect(() => parseEchoSpecs(['web:8080'])).toThrow(/'web:8080' is not NAMESPACE\/SERVICE:PORT/);
    expect(() => parseEchoSpecs(['demo/web:8080=tcp'])).toThrow(/is not NAMESPACE\/SERVICE:PORT/);
    await expect(startEchoFleet(parseEchoSpecs(['demo/x:1', 'demo/x:2=grpc']))).rejects.toThrow(/demo\/x: a Service is served either by the gRPC echo or by the HTTP echo/);
  });

  test('standalone: prints the map, serves, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'main.ts'), 'demo/web:8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no map printed within 15 s')), 15_000);
        let out = '';
        child.stdout!.on('data', (c) => {
          out += c;
          if (out.includes('\n')) {
            clearTimeout(t);
            resolve(out.split('\n')[0]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const map = JSON.parse(line);
      const port = Number(String(map['demo/web:8080']).split(':')[1]);
      expect((await get(port, '/health')).body).toBe('OK');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await expect(exited).resolves.toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
