/**
 * listen() over real sockets, with handlers of the test's own: what the listener does around the handlers
 * (in-flight responses told to close their connection on goAway, the open connections cut on close).
 */
import * as http from 'http';
import { BoundListener, listen } from '../../../src/dataplane/proxy/listeners';
import { rawRequest } from '../../reliability/helpers';

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

describe('listen()', () => {
  test('goAway: responses in flight on kept-alive connections answer with Connection: close, and their connections close', async () => {
    // GIVEN three keep-alive connections, each with a request whose response has not started
    const { bound, held, arrived } = await holdingListener();
    try {
      const get = (i: number) => `GET /r${i} HTTP/1.1\r\nHost: a.example\r\n\r\n`;
      // the first read until its one answer is complete, the others until the server closes them
      const answers = [0, 1, 2].map((i) => rawRequest(bound.port, get(i), i === 0 ? { untilResponses: 1, waitMs: 5_000 } : { waitMs: 5_000 }));
      await arrived(3);
      const answer = (path: string, body: string) => held.find((h) => h.path === path)!.res.end(body);
      // the first is answered before goAway
      answer('/r0', 'early');
      const early = await answers[0];

      // WHEN the listener is asked to go away, and then the other two are answered
      bound.goAway();
      answer('/r1', 'late 1');
      answer('/r2', 'late 2');

      // THEN those two carry Connection: close and the server closes their connections
      for (const i of [1, 2]) {
        const late = await answers[i];
        expect([late.status, late.headers.connection, late.body]).toStrictEqual([200, 'close', `late ${i}`]);
        expect(late.closed).toBe(true);
      }
      // and the one answered before was kept alive
      expect([early.status, early.headers.connection, early.body]).toStrictEqual([200, 'keep-alive', 'early']);
      expect(early.closed).toBe(false);
    } finally {
      await bound.close(1_000);
    }
  });
});
