/**
 * listen() over real sockets, with handlers of the test's own: what the listener does around the handlers
 * (in-flight responses told to close their connection on goAway, the open connections cut on close).
 */
import * as http from 'http';
import * as net from 'net';
import { BoundListener, listen } from '../../../src/dataplane/proxy/listeners';

interface Held {
  readonly res: http.ServerResponse;
  readonly path: string;
}

/** A cleartext listener whose handler holds every response until the test answers it. */
async function holdingListener(): Promise<{ bound: BoundListener; held: Held[]; arrived: (n: number) => Promise<void> }> {
  const held: Held[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const bound = await listen({
    host: '127.0.0.1',
    port: 0,
    spec: { gateway: 'default/gw', port: 80, protocol: 'HTTP' },
    handlers: {
      request: (_b, req, res) => {
        held.push({ res: res as http.ServerResponse, path: req.url ?? '' });
        for (const w of waiters.splice(0)) if (held.length >= w.n) w.resolve(); else waiters.push(w);
      },
      upgrade: (_b, _req, socket) => socket.destroy(),
    },
  });
  const arrived = (n: number) => new Promise<void>((resolve) => (held.length >= n ? resolve() : waiters.push({ n, resolve })));
  return { bound, held, arrived };
}

/** Raw HTTP/1.1 on one connection: writes `requests`; `read(pattern)` resolves once what was read matches. */
function connection(port: number, requests: string): { socket: net.Socket; closed: Promise<void>; read: (pattern: RegExp) => Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(requests);
  socket.setEncoding('latin1');
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (c) => (text += c));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const read = (pattern: RegExp) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not read within 5 s: ${pattern}; read: ${JSON.stringify(text)}`)), 5_000);
    const check = () => {
      if (!pattern.test(text)) return;
      clearTimeout(timer);
      socket.off('data', check);
      resolve(text);
    };
    socket.on('data', check);
    check();
  });
  return { socket, closed, read };
}

describe('listen()', () => {
  test('goAway: responses in flight on kept-alive connections answer with Connection: close, and their connections close', async () => {
    // GIVEN three keep-alive connections, each with a request whose response has not started
    const { bound, held, arrived } = await holdingListener();
    const clients = [0, 1, 2].map((i) => connection(bound.port, `GET /r${i} HTTP/1.1\r\nHost: a.example\r\n\r\n`));
    try {
      await arrived(3);
      const answer = (path: string, body: string) => held.find((h) => h.path === path)!.res.end(body);
      // the first is answered before goAway
      answer('/r0', 'early');
      const early = await clients[0].read(/early$/);

      // WHEN the listener is asked to go away, and then the other two are answered
      bound.goAway();
      answer('/r1', 'late 1');
      answer('/r2', 'late 2');

      // THEN those two carry Connection: close and the server closes their connections
      for (const i of [1, 2]) {
        const text = await clients[i].read(new RegExp(`late ${i}$`));
        expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(text).toMatch(/\r\nConnection: close\r\n/i);
        await clients[i].closed;
      }
      // and the one answered before was kept alive
      expect(early).toMatch(/\r\nConnection: keep-alive\r\n/i);
      expect(clients[0].socket.destroyed).toBe(false);
    } finally {
      for (const c of clients) c.socket.destroy();
      await bound.close(1_000);
    }
  });
});
