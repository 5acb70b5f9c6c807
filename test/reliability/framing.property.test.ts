/**
 * Property: whatever streams of HTTP/1.1 requests several clients send at once (framing headers,
 * conflicting ones included, chunked bodies with extensions and trailers, bodies that look like
 * requests, methods, pipelining, writes split anywhere, HTTP/1.0, early closes), the backend (which
 * parses what it receives itself, raw-backend.ts) never sees more requests than the clients sent, never
 * one twice, never one the clients did not send; and every answer a client gets is the answer to its own
 * request, in order. Seeded, bounded: a fixed number of runs, each connection closed after 2 s at most.
 */
import * as fc from 'fast-check';
import { NS, StartedGateway, gatewayDoc, routeDoc, startGateway } from '../dataplane/proxy/helpers';
import { RawBackend, exchangeRaw, header, startRawBackend } from '../dataplane/proxy/raw-backend';

type Framing = 'none' | 'length' | 'chunked' | 'chunked-ext' | 'length-and-chunked' | 'two-lengths' | 'gzip-chunked' | 'length-zero';

interface GenRequest {
  readonly method: string;
  readonly framing: Framing;
  readonly body: string;
  readonly http10: boolean;
}

interface GenClient {
  readonly requests: readonly GenRequest[];
  /** Where the bytes are split into two writes (fraction of their length); 1 = one write. */
  readonly split: number;
  /** Close the connection right after writing, without reading. */
  readonly earlyClose: boolean;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'];
const BODIES = ['', 'x', 'hello world', 'GET /admin HTTP/1.1\r\nHost: internal\r\n\r\n', '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: internal\r\n\r\n', '\r\n\r\n'];

const request: fc.Arbitrary<GenRequest> = fc.record({
  method: fc.constantFrom(...METHODS),
  framing: fc.constantFrom<Framing>('none', 'length', 'chunked', 'chunked-ext', 'length-and-chunked', 'two-lengths', 'gzip-chunked', 'length-zero'),
  body: fc.constantFrom(...BODIES),
  http10: fc.boolean(),
});

const client: fc.Arbitrary<GenClient> = fc.record({
  requests: fc.array(request, { minLength: 1, maxLength: 4 }),
  split: fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 0.95, noNaN: true })),
  earlyClose: fc.boolean(),
});

/** The bytes of one request, carrying `x-id`. */
function bytesOf(r: GenRequest, id: string, last: boolean): string {
  const lines = [`${r.method} /p/${id} HTTP/1.${r.http10 ? 0 : 1}`, 'Host: example.com', `x-id: ${id}`];
  const len = Buffer.byteLength(r.body);
  let body = '';
  switch (r.framing) {
    case 'none':
      break;
    case 'length':
      lines.push(`Content-Length: ${len}`);
      body = r.body;
      break;
    case 'length-zero':
      lines.push('Content-Length: 0');
      break;
    case 'chunked':
      lines.push('Transfer-Encoding: chunked');
      body = `${len > 0 ? `${len.toString(16)}\r\n${r.body}\r\n` : ''}0\r\n\r\n`;
      break;
    case 'chunked-ext':
      lines.push('Transfer-Encoding: chunked');
      body = `${len > 0 ? `${len.toString(16)};name=value\r\n${r.body}\r\n` : ''}0\r\nx-trailer: t\r\n\r\n`;
      break;
    case 'length-and-chunked':
      lines.push(`Content-Length: ${len}`, 'Transfer-Encoding: chunked');
      body = `${len > 0 ? `${len.toString(16)}\r\n${r.body}\r\n` : ''}0\r\n\r\n`;
      break;
    case 'two-lengths':
      lines.push(`Content-Length: ${len}`, `Content-Length: ${len + 1}`);
      body = r.body;
      break;
    case 'gzip-chunked':
      lines.push('Transfer-Encoding: gzip, chunked');
      body = `${len > 0 ? `${len.toString(16)}\r\n${r.body}\r\n` : ''}0\r\n\r\n`;
      break;
  }
  if (last) lines.push('Connection: close');
  else if (r.http10) lines.push('Connection: keep-alive');
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

let raw: RawBackend;
let gw: StartedGateway;

beforeAll(async () => {
  raw = await startRawBackend();
  gw = await startGateway([gatewayDoc(), routeDoc('all', [{ backendRefs: [{ name: 'raw', port: 8080 }] }])], { [`${NS}/raw:8080`]: raw.address }, { accessLogSink: () => undefined });
});

afterAll(async () => {
  await gw?.close();
  await raw?.close();
});

test('generated request streams from several clients: no request invented, repeated or crossed', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(client, { minLength: 1, maxLength: 3 }), async (clients) => {
      // GIVEN clients, each with a stream of requests tagged with ids unique to this run
      const tag = `r${run++}`;
      const before = raw.requests.length;
      const ids = clients.map((c, ci) => c.requests.map((_, i) => `${tag}-c${ci}-${i}`));
      const sent = new Set(ids.flat());
      // WHEN they send them at once through the gateway
      const results = await Promise.all(clients.map((c, ci) => {
        const bytes = c.requests.map((r, i) => bytesOf(r, ids[ci][i], i === c.requests.length - 1)).join('');
        const at = Math.floor(bytes.length * c.split);
        const parts = c.split === 1 || at === 0 ? [bytes] : [bytes.slice(0, at), bytes.slice(at)];
        return exchangeRaw(gw.port(), parts, { waitMs: 2_000, gapMs: 5, endAfterWrite: c.earlyClose, isHead: (i) => c.requests[i]?.method === 'HEAD' });
      }));
      // THEN the backend saw only requests that were sent, each at most once
      const received = raw.requests.slice(before);
      const receivedIds = received.map((r) => header(r, 'x-id'));
      expect(received.length).toBeLessThanOrEqual(sent.size);
      for (const id of receivedIds) expect(sent.has(id!)).toBe(true);
      expect(new Set(receivedIds).size).toBe(receivedIds.length);
      // AND every answer a client got is the answer to its own request, in order: the backend's answers
      // echo that request's id; the gateway's own answers (400, 505...) are for requests never forwarded
      const forwarded = new Set(receivedIds);
      results.forEach((res, ci) => {
        res.responses.forEach((r, i) => {
          const echoed = r.headers['x-echo-id'];
          if (echoed !== undefined) expect(echoed).toBe(ids[ci][i]);
          else expect(forwarded.has(ids[ci][i])).toBe(false);
        });
        expect(res.responses.length).toBeLessThanOrEqual(clients[ci].requests.length);
      });
    }),
    { seed: 20261205, numRuns: 60, interruptAfterTimeLimit: 150_000 },
  );
}, 200_000);
