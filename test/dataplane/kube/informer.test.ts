/**
 * The informer's list/watch/re-list logic against a local HTTP server on 127.0.0.1 that answers as the API server
 * would, scripted per request: 410 Gone re-lists, a failure backs off and re-lists, a list applies the difference
 * to the copy. test/kube/informer.test.ts runs the informer against a real kube-apiserver (and a stalled watch).
 */
import * as http from 'http';
import * as net from 'net';
import { KubeClient, KubeObject } from '../../../src/dataplane/kube/client';
import { Informer } from '../../../src/dataplane/kube/informer';
import { seeded } from '../engine/helpers';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const listOf = (rv: string, items: KubeObject[], cont?: string): Answer => (_req, res) =>
  res.end(JSON.stringify({ metadata: { resourceVersion: rv, continue: cont }, items }));
const watchOf = (lines: unknown[], end: 'close' | 'hold' = 'close'): Answer => (_req, res) => {
  res.writeHead(200);
  for (const l of lines) res.write(JSON.stringify(l) + '\n');
  if (end === 'close') res.end();
};
const refuse = (code: number): Answer => (_req, res) => {
  res.statusCode = code;
  res.end(JSON.stringify({ kind: 'Status', code, reason: 'InternalError', message: 'etcd is unhappy' }));
};

describe('informer', () => {
  let server: http.Server;
  let client: KubeClient;
  let script: { lists: Answer[]; watches: Answer[] };
  let seen: string[];

  beforeEach(async () => {
    seen = [];
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const watching = url.searchParams.get('watch') === 'true';
      seen.push(watching ? `watch rv=${url.searchParams.get('resourceVersion')}` : `list continue=${url.searchParams.get('continue') ?? ''}`);
      const next = watching ? script.watches.shift() : script.lists.shift();
      if (next) {
        next(req, res);
      } else {
        // nothing scripted: hold the watch open, like a quiet server
        res.writeHead(200);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, source: 'test' });
  });
  afterEach(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function record(): { log: string[]; handler: any } {
    const log: string[] = [];
    return {
      log,
      handler: {
        onAdd: (o: KubeObject) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
        onUpdate: (o: KubeObject, p: KubeObject) => log.push(`update ${o.metadata.name}@${p.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
        onDelete: (o: KubeObject) => log.push(`delete ${o.metadata.name}`),
        onSync: () => log.push('sync'),
      },
    };
  }

  async function until(what: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('condition not met within the bound');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('GIVEN a paged list and a watch WHEN events arrive THEN the copy and the handler follow them, bookmarks move the resourceVersion', async () => {
    // GIVEN
    script = {
      lists: [listOf('10', [obj('a', '1')], 'page2'), listOf('10', [obj('b', '2')])],
      watches: [
        watchOf([
          { type: 'ADDED', object: obj('c', '11') },
          { type: 'MODIFIED', object: obj('a', '12') },
          { type: 'DELETED', object: obj('b', '13') },
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } },
        ]),
      ],
    };
    const { log, handler } = record();
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, handler, { pageSize: 1 });

    // WHEN
    await informer.start();
    await until(() => seen.length >= 4);
    await informer.stop();

    // THEN
    expect(seen).toStrictEqual(['list continue=', 'list continue=page2', 'watch rv=10', 'watch rv=20']);
    expect(log).toStrictEqual(['add a@1', 'add b@2', 'sync', 'add c@11', 'update a@1->12', 'delete b']);
    expect(informer.list().map((o) => o.metadata.name).sort()).toStrictEqual(['a', 'c']);
    expect(informer.get('ns', 'a')?.metadata.resourceVersion).toBe('12');
    expect(informer.stats).toStrictEqual({ lists: 1, watches: 2, stalls: 0, failures: 0 });
  });

  test('GIVEN a watch that answers 410 Gone WHEN the informer lists again THEN only the difference reaches the handler', async () => {
    // GIVEN
    script = {
      lists: [listOf('10', [obj('a', '1'), obj('b', '2')]), listOf('30', [obj('a', '1'), obj('c', '25'), obj('b', '26')])],
      watches: [watchOf([{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (29)' } }], 'hold')],
    };
    const { log, handler } = record();
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, handler);

    // WHEN
    await informer.start();
    await until(() => seen.length >= 4);
    await informer.stop();

    // THEN
    expect(seen).toStrictEqual(['list continue=', 'watch rv=10', 'list continue=', 'watch rv=30']);
    expect(log).toStrictEqual(['add a@1', 'add b@2', 'sync', 'add c@25', 'update b@2->26', 'sync']);
    expect(informer.stats.failures).toBe(0);
  });

  test('GIVEN a list that disappeared objects WHEN listed again after a failure THEN they are deleted from the copy', async () => {
    // GIVEN
    script = {
      lists: [listOf('10', [obj('a', '1'), obj('b', '2')]), refuse(500), listOf('40', [obj('b', '2')])],
      watches: [refuse(500)],
    };
    const { log, handler } = record();
    const errors: string[] = [];
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, handler, {
      minBackoffMs: 20,
      maxBackoffMs: 80,
      random: seeded(7),
      onError: (e) => errors.push(e.message),
    });

    // WHEN
    await informer.start();
    await until(() => log.filter((l) => l === 'sync').length === 2);
    await informer.stop();

    // THEN
    expect(log).toStrictEqual(['add a@1', 'add b@2', 'sync', 'delete a', 'sync']);
    expect(errors).toStrictEqual([
      expect.stringMatching(/^kubernetes api GET \/apis\/g\/v1\/things\?watch=true&resourceVersion=10.*: 500 InternalError: etcd is unhappy$/),
      expect.stringMatching(/^kubernetes api GET \/apis\/g\/v1\/things\?limit=500: 500 InternalError: etcd is unhappy$/),
    ]);
    expect(informer.stats.failures).toBe(2);
  });

  test('GIVEN a watch that stays open and silent WHEN the stall limit passes THEN the informer drops it and lists again', async () => {
    // GIVEN: the first watch holds the connection and never writes; the re-list has one more object
    script = {
      lists: [listOf('10', [obj('a', '1')]), listOf('50', [obj('a', '1'), obj('z', '49')])],
      watches: [watchOf([], 'hold')],
    };
    const { log, handler } = record();
    const errors: string[] = [];
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, handler, {
      timeoutSeconds: 1,
      stallGraceMs: 100,
      onError: (e) => errors.push(e.message),
    });

    // WHEN
    await informer.start();
    await until(() => log.includes('add z@49') && seen.length >= 4);
    await informer.stop();

    // THEN
    expect(seen.slice(0, 4)).toStrictEqual(['list continue=', 'watch rv=10', 'list continue=', 'watch rv=50']);
    expect(informer.stats.stalls).toBe(1);
    expect(errors).toStrictEqual(['informer things: watch from resourceVersion 10 silent for 2100 ms; listing again']);
  });

  test('GIVEN objects with managedFields WHEN listed and watched THEN the copy keeps everything else of them, without managedFields', async () => {
    // GIVEN
    const managed = (name: string, rv: string): KubeObject => ({
      metadata: { ...obj(name, rv).metadata, labels: { team: 'a' }, managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }] },
      spec: { x: 1 },
    });
    script = { lists: [listOf('10', [managed('a', '1')])], watches: [watchOf([{ type: 'ADDED', object: managed('b', '11') }], 'hold')] };
    const { log, handler } = record();
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, handler, {});

    // WHEN
    await informer.start();
    await until(() => log.includes('add b@11'));
    await informer.stop();

    // THEN
    expect(informer.list().map((o) => [o.metadata.name, o.metadata.managedFields, o.metadata.labels, o.spec])).toStrictEqual([
      ['a', undefined, { team: 'a' }, { x: 1 }],
      ['b', undefined, { team: 'a' }, { x: 1 }],
    ]);
  });

  test('GIVEN a transform WHEN objects are listed and watched THEN the copy and the handler get what it returns', async () => {
    // GIVEN a transform keeping only the name, namespace, resourceVersion and spec.keep
    const big = (name: string, rv: string): KubeObject => ({ metadata: { ...obj(name, rv).metadata, labels: { a: 'b' } }, spec: { keep: name, drop: 'x'.repeat(100) } });
    const events = [{ type: 'ADDED', object: big('b', '11') }, { type: 'MODIFIED', object: big('a', '12') }];
    script = { lists: [listOf('10', [big('a', '1')])], watches: [watchOf(events, 'hold')] };
    const handed: KubeObject[] = [];
    const transform = (o: KubeObject): KubeObject => ({
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion },
      spec: { keep: o.spec.keep },
    });
    const informer = new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, {
      onAdd: (o) => handed.push(o),
      onUpdate: (o) => handed.push(o),
    }, { transform });

    // WHEN
    await informer.start();
    await until(() => handed.length === 3);
    await informer.stop();

    // THEN
    const slim = (name: string, rv: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, spec: { keep: name } });
    expect(handed).toStrictEqual([slim('a', '1'), slim('b', '11'), slim('a', '12')]);
    expect(informer.list()).toStrictEqual([slim('a', '12'), slim('b', '11')]);
  });

  test('fails to build an informer for one object, or with a fractional timeout', () => {
    expect(() => new Informer(client, { group: 'g', version: 'v1', plural: 'things', name: 'a' }, {})).toThrow(
      /^informer things: watches a collection; name "a" \/ subresource undefined must not be set$/,
    );
    expect(() => new Informer(client, { group: 'g', version: 'v1', plural: 'things' }, {}, { timeoutSeconds: 0.5 })).toThrow(
      /^informer things: timeoutSeconds 0\.5 must be a whole number of seconds, at least 1$/,
    );
  });
});
