/**
 * config/reader: a reload's input read and parsed in a worker thread and sent back as plain data; compiled in steps.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError, loadDocuments } from '../../../src/dataplane/config/load';
import { InputReader, READER_NICE, READER_NICE_FROM_BYTES, READ_REST_MS, READ_SLICE_MS, paceWhileBusy, readInput, timeSlices, toSourceDocuments } from '../../../src/dataplane/config/reader';
import { compile, compileInSteps } from '../../../src/dataplane/engine/compile';
import { statInputs } from '../../../src/dataplane/proxy/reload';

const GATEWAY = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };

function route(i: number): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'ns' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }], backendRefs: [{ name: 'svc', port: 8080 }] }] },
  };
}

describe('input reader', () => {
  let dir: string;
  let reader: InputReader;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-reader-'));
    reader = new InputReader();
  });
  afterEach(async () => {
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the reader thread stops when idle and a later read starts a new one', async () => {
    // GIVEN a reader that stops its thread 50 ms after the last read
    await reader.close();
    reader = new InputReader(50);
    fs.writeFileSync(path.join(dir, 'a.yaml'), YAML.stringify(GATEWAY));
    // WHEN one read is done
    const first = await reader.read({ routes: [dir], tlsSecrets: [] });
    expect(reader.running).toBe(true);
    // THEN the thread goes away (bounded wait), and a new read answers the same
    for (let i = 0; i < 200 && reader.running; i++) await new Promise((r) => setTimeout(r, 25));
    expect(reader.running).toBe(false);
    expect((await reader.read({ routes: [dir], tlsSecrets: [] })).hash).toBe(first.hash);
  });

  test('the worker reads what loadDocuments reads, with the same field lines', async () => {
    // GIVEN a stream of documents and a List, and a backends file
    fs.writeFileSync(path.join(dir, 'a.yaml'), `${YAML.stringify(GATEWAY)}---\n${YAML.stringify({ apiVersion: 'v1', kind: 'List', items: [route(1), route(2)] })}`);
    fs.writeFileSync(path.join(dir, 'b.yaml'), YAML.stringify(route(3)));
    const backends = path.join(os.tmpdir(), `gw-reader-backends-${process.pid}.json`);
    fs.writeFileSync(backends, JSON.stringify({ 'ns/svc:8080': '127.0.0.1:9' }));
    try {
      // WHEN read in the worker
      const snapshot = await reader.read({ routes: [dir], backends, tlsSecrets: [] });
      const docs = await toSourceDocuments(snapshot);
      // THEN objects and lines are those of the serving thread's own read
      const reference = loadDocuments([dir]);
      expect(docs.map((d) => [d.file, d.document, d.object])).toStrictEqual(reference.map((d) => [d.file, d.document, d.object]));
      for (const [i, d] of docs.entries()) {
        for (const field of [[], ['metadata', 'name'], ['spec', 'rules', 0, 'matches'], ['absent']]) {
          expect(d.lineOf(field)).toBe(reference[i].lineOf(field));
        }
      }
      expect(docs[2].lineOf(['metadata', 'name'])).toBeGreaterThan(docs[1].lineOf(['metadata', 'name'])!);
      expect(snapshot.backends).toStrictEqual([['ns/svc:8080', [{ host: '127.0.0.1', port: 9 }]]]);
      // AND the same files give the same hash; another byte another one
      expect((await reader.read({ routes: [dir], backends, tlsSecrets: [] })).hash).toBe(snapshot.hash);
      fs.appendFileSync(path.join(dir, 'b.yaml'), '# changed\n');
      expect((await reader.read({ routes: [dir], backends, tlsSecrets: [] })).hash).not.toBe(snapshot.hash);
    } finally {
      fs.rmSync(backends, { force: true });
    }
  }, 30_000);

  test('packs the documents into transferred buffers: multi-byte text, List items sharing a text, lines found again', async () => {
    // GIVEN objects with multi-byte characters before and after a List, and a document marked YAML 1.1
    const annotated = { ...GATEWAY, metadata: { ...GATEWAY.metadata, annotations: { note: 'grüße → 世界 🚀' } } };
    const text = `${YAML.stringify(annotated)}---\n${YAML.stringify({ apiVersion: 'v1', kind: 'List', items: [route(1), { ...route(2), metadata: { name: 'r2', namespace: 'ns', labels: { a: 'ü' } } }] })}`
      + `...\n%YAML 1.1\n---\n${YAML.stringify({ ...route(3), metadata: { name: 'r3', namespace: 'ns', annotations: { b: 'ñ' } } })}`;
    fs.writeFileSync(path.join(dir, 'a.yaml'), text);
    // WHEN read in the worker
    const snapshot = await reader.read({ routes: [dir], tlsSecrets: [] });
    // THEN the documents come as three buffers, the bytes UTF-8
    expect(snapshot.documents.count).toBe(4);
    expect(snapshot.documents.files).toStrictEqual([path.join(dir, 'a.yaml')]);
    expect(Buffer.from(snapshot.documents.bytes).toString('utf8')).toContain('grüße → 世界 🚀');
    // AND they decode to the objects and field lines of the serving thread's own read
    const docs = await toSourceDocuments(snapshot);
    const reference = loadDocuments([dir]);
    expect(docs.map((d) => [d.file, d.document, d.object])).toStrictEqual(reference.map((d) => [d.file, d.document, d.object]));
    for (const [i, d] of docs.entries()) {
      for (const field of [[], ['metadata', 'name'], ['metadata', 'labels', 'a'], ['metadata', 'annotations']]) expect(d.lineOf(field)).toBe(reference[i].lineOf(field));
    }
    expect(docs[3].lineOf(['metadata', 'annotations', 'b'])).toBe(text.split('\n').findIndex((l) => l.includes('b: ñ')) + 1);
  }, 30_000);

  test('a small read keeps the reader thread\'s priority; a large one lowers it to the lowest (Linux), not the serving thread\'s', async () => {
    if (process.platform !== 'linux') return;
    // GIVEN a running reader thread that read a small input
    const before = niceOfThreads();
    fs.writeFileSync(path.join(dir, 'a.yaml'), YAML.stringify(GATEWAY));
    await reader.read({ routes: [dir], tlsSecrets: [] });
    const started = [...niceOfThreads()].filter(([tid]) => !before.has(tid));
    // THEN no new thread is at the lowest priority
    expect(started.map(([, nice]) => nice)).not.toContain(READER_NICE);
    // WHEN it reads an input of READER_NICE_FROM_BYTES or more
    const routes: string[] = [];
    for (let i = 0, size = 0; size < READER_NICE_FROM_BYTES; i++) {
      routes.push(YAML.stringify(route(i)));
      size += routes[i].length + 4;
    }
    fs.writeFileSync(path.join(dir, 'b.yaml'), routes.join('---\n'));
    await reader.read({ routes: [dir], tlsSecrets: [] });
    // THEN one of the threads it started is at nice 19, and this thread's priority did not change
    const after = niceOfThreads();
    expect(started.map(([tid]) => after.get(tid))).toContain(READER_NICE);
    expect(os.getPriority()).toBe(before.get(process.pid));
  }, 60_000);

  test('a large read sleeps between slices of parsing while requests are being served, and not while none are', async () => {
    if (process.platform !== 'linux') return;
    // GIVEN a reader whose serving side is idle, and an input large enough to be paced (twice the size that lowers the priority)
    let busy = false;
    const paced = new InputReader(undefined, () => busy);
    try {
      const routes: string[] = [];
      for (let i = 0, size = 0; size < 2 * READER_NICE_FROM_BYTES; i++) {
        routes.push(YAML.stringify(route(i)));
        size += routes[i].length + 4;
      }
      fs.writeFileSync(path.join(dir, 'b.yaml'), routes.join('---\n'));
      const before = niceOfThreads();
      const expected = await paced.read({ routes: [dir], tlsSecrets: [] });
      const readerThread = [...niceOfThreads()].find(([tid, nice]) => !before.has(tid) && nice === READER_NICE)![0];
      // WHEN it reads the input again while idle, and then while requests are being served
      const sleepsOf = async () => {
        fs.appendFileSync(path.join(dir, 'b.yaml'), '\n'); // (another input: no cache anywhere)
        const from = voluntarySwitches(readerThread);
        const snapshot = await paced.read({ routes: [dir], tlsSecrets: [] });
        expect(snapshot.documents.count).toBe(expected.documents.count);
        return voluntarySwitches(readerThread) - from;
      };
      const idle = await sleepsOf();
      busy = true;
      const serving = await sleepsOf();
      // THEN while serving the reader thread gave up its core many more times (one sleep per slice of parsing), and read the same documents
      expect(serving).toBeGreaterThan(idle + 10);
    } finally {
      await paced.close();
    }
  }, 60_000);

  test('fails with the ConfigError of the worker: file, document, line', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'a: 1\n---\nb: [unclosed\n');
    const read = reader.read({ routes: [dir], tlsSecrets: [] });
    await expect(read).rejects.toThrow(ConfigError);
    await expect(read).rejects.toThrow(new RegExp(`^${path.join(dir, 'bad.yaml')}:2: invalid YAML: .*\\(line \\d+\\)$`));
  }, 30_000);

  test('fails on input over the size limit in the worker; a read after close starts a new worker', async () => {
    fs.writeFileSync(path.join(dir, 'big.yaml'), `kind: A\nv: "${'x'.repeat(4096)}"\n`);
    await expect(reader.read({ routes: [dir], tlsSecrets: [], maxInputBytes: 1024 })).rejects.toThrow(/big\.yaml: input too large: with this file the input is 4 KiB, more than the limit of 1 KiB/);
    await reader.close();
    expect((await reader.read({ routes: [dir], tlsSecrets: [] })).documents.count).toBe(1);
  }, 30_000);

  test('readInput leaves an unreadable --tls-secret file out of its Secret and names it', () => {
    fs.writeFileSync(path.join(dir, 'in.yaml'), YAML.stringify(GATEWAY));
    const secretDir = path.join(dir, 'secret');
    fs.mkdirSync(secretDir);
    fs.writeFileSync(path.join(secretDir, 'tls.crt'), 'cert');
    const snapshot = readInput({ routes: [path.join(dir, 'in.yaml')], tlsSecrets: [{ secret: 'ns/web', dir: secretDir }] });
    expect(snapshot.tlsSecrets).toStrictEqual([{
      dir: secretDir,
      object: { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'web', namespace: 'ns' }, stringData: { 'tls.crt': 'cert' } },
      problems: [{ file: path.join(secretDir, 'tls.key'), detail: expect.stringMatching(/^cannot read tls\.key of TLS Secret ns\/web: no such file/) }],
    }]);
  });
});

/** How many times a thread of this process gave up its core (blocked, slept). */
function voluntarySwitches(tid: number): number {
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))![1]);
}

/** The nice value of every thread of this process, by thread id. */
function niceOfThreads(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the command name (in parentheses): state is field 3, nice field 19
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

describe('timeSlices', () => {
  const work = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  test('no pause before a slice is used up; then a timer of restMs, and a new slice', async () => {
    // GIVEN slices of 50 ms with 20 ms of rest
    const pause = timeSlices(50, 20);
    // WHEN asked right away, THEN no wait
    expect(pause()).toBeUndefined();
    // WHEN the slice is used up
    work(51);
    const before = performance.now();
    let timerFired = false;
    setTimeout(() => (timerFired = true), 5);
    await pause();
    // THEN the pause lasted a timer of 20 ms (other timers ran meanwhile), and a new slice started
    expect(performance.now() - before).toBeGreaterThanOrEqual(19);
    expect(timerFired).toBe(true);
    expect(pause()).toBeUndefined();
  });

  test('rests only while busy() says requests are being served; otherwise one turn of the event loop', async () => {
    // GIVEN slices of 1 ms with a rest far longer than the test's timeout, and nothing being served
    const idle = timeSlices(1, 600_000, () => false);
    work(2);
    // WHEN the slice is used up, THEN the pause is a turn of the event loop (a rest would time the test out)
    await idle();
    // GIVEN slices with a rest of 200 ms while requests are being served
    const busy = timeSlices(1, 200, () => true);
    work(2);
    // WHEN the slice is used up
    let resting = true;
    const rest = busy()!.then(() => (resting = false));
    await new Promise((r) => setTimeout(r, 20));
    // THEN the pause is still resting after a timer of 20 ms ran, and ends later
    expect(resting).toBe(true);
    await rest;
    expect(resting).toBe(false);
  });

  test('without rest, a pause is one turn of the event loop', async () => {
    // GIVEN a used-up slice and an immediate queued before the pause
    const pause = timeSlices(1);
    work(2);
    let immediateRan = false;
    setImmediate(() => (immediateRan = true));
    // WHEN
    await pause();
    // THEN the queued immediate ran first
    expect(immediateRan).toBe(true);
  });
});

describe('paceWhileBusy (the reader\'s pace)', () => {
  test('sleeps READ_REST_MS after each READ_SLICE_MS of parsing while the busy cell is 1, never while it is 0', () => {
    // GIVEN a busy cell at 0, a recorded sleep and a clock moved by hand
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const sleeps: number[] = [];
    let clock = 0;
    const pace = paceWhileBusy(cell, (ms) => sleeps.push(ms), () => clock);
    // WHEN called before and after a slice is used up, while idle
    pace();
    clock += READ_SLICE_MS;
    pace();
    // THEN no sleep
    expect(sleeps).toEqual([]);
    // WHEN requests are being served: a call within the slice, then one after it
    Atomics.store(cell, 0, 1);
    clock += READ_SLICE_MS / 2;
    pace();
    expect(sleeps).toEqual([]);
    clock += READ_SLICE_MS / 2;
    pace();
    // THEN one sleep of READ_REST_MS, and a new slice starts
    expect(sleeps).toEqual([READ_REST_MS]);
    pace();
    expect(sleeps).toEqual([READ_REST_MS]);
  });
});

describe('compileInSteps', () => {
  test('gives the table compile gives, pausing between steps', async () => {
    // GIVEN 200 routes
    const docs = [GATEWAY, ...Array.from({ length: 200 }, (_, i) => route(i))].map((object, i) => ({ file: 'in.yaml', document: i + 1, object, lineOf: () => undefined }));
    // WHEN compiled in steps
    let pauses = 0;
    const stepped = await compileInSteps(docs, { generation: 7 }, () => {
      pauses++;
      return pauses % 10 === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined;
    });
    // THEN
    expect(pauses).toBeGreaterThan(200 / 16);
    const whole = compile(docs, { generation: 7 });
    expect(JSON.stringify(stepped.gateways.map((g) => g.ports))).toBe(JSON.stringify(whole.gateways.map((g) => g.ports)));
    expect(stepped.gateways[0].ports[0].listeners[0].routes).toHaveLength(200);
  });

  test('fails as compile fails', async () => {
    const docs = [GATEWAY, { ...GATEWAY }].map((object, i) => ({ file: 'in.yaml', document: i + 1, object, lineOf: () => undefined }));
    await expect(compileInSteps(docs, {}, () => undefined)).rejects.toThrow(/^in\.yaml:2:metadata\.name: duplicate Gateway "ns\/gw": also defined at in\.yaml:1$/);
  });
});

describe('compileInSteps on a large listener', () => {
  test('orders 1,000 rules as compile does (the rule sort runs in steps)', async () => {
    // GIVEN rules whose order depends on path type, length, header count and name
    const docs: any[] = [GATEWAY];
    for (let i = 0; i < 1_000; i++) {
      const type = ['Exact', 'PathPrefix', 'RegularExpression'][i % 3];
      const value = type === 'RegularExpression' ? `/x${i % 7}/[a-z]+` : `/p${(i * 7919) % 1_000}`;
      docs.push({
        ...route(i) as any,
        spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type, value }, headers: i % 2 ? [{ name: 'x', value: 'y' }] : [] }], backendRefs: [{ name: 'svc', port: 8080 }] }] },
      });
    }
    const sources = docs.map((object, i) => ({ file: 'in.yaml', document: i + 1, object, lineOf: () => undefined }));
    // WHEN
    const stepped = await compileInSteps(sources, { generation: 1 }, () => undefined);
    const whole = compile(sources, { generation: 1 });
    // THEN every rule's rank is its place in the Gateway API order: Exact, then RegularExpression, then PathPrefix;
    // longer values first; more header matches first; then by name (the routes have no creation time)
    const ranks = (t: typeof whole) => {
      const out = new Map<string, number>();
      const walk = (v: any, seen: Set<any>) => {
        if (v === null || typeof v !== 'object' || seen.has(v)) return;
        seen.add(v);
        if (typeof v.rank === 'number' && v.rule) out.set(v.rule.routeName, v.rank);
        else for (const x of v instanceof Map ? v.values() : Object.values(v)) walk(x, seen);
      };
      walk(t.gateways[0].ports[0].listeners[0].index, new Set());
      return [...out].sort((a, b) => a[1] - b[1]).map(([name]) => name);
    };
    const typeRank: Record<string, number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };
    const expected = docs.slice(1).map((d) => ({ name: d.metadata.name, m: d.spec.rules[0].matches[0] }))
      .sort((a, b) => typeRank[a.m.path.type] - typeRank[b.m.path.type] || b.m.path.value.length - a.m.path.value.length
        || b.m.headers.length - a.m.headers.length || (a.name < b.name ? -1 : 1))
      .map((x) => x.name);
    expect(ranks(stepped)).toStrictEqual(expected);
    expect(ranks(whole)).toStrictEqual(expected);
  });
});

describe('statInputs (the watcher fingerprint)', () => {
  test('changes with a file\'s size, modification time or inode and with the set of files, without reading them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-stat-'));
    try {
      const file = path.join(dir, 'a.yaml');
      fs.writeFileSync(file, 'kind: A\n');
      const first = statInputs([dir]);
      expect(statInputs([dir])).toBe(first);
      // a touch (same bytes, a later modification time)
      fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
      const touched = statInputs([dir]);
      expect(touched).not.toBe(first);
      // a rename over the file (a new inode)
      fs.writeFileSync(`${file}.new`, 'kind: A\n');
      fs.utimesSync(`${file}.new`, fs.statSync(file).atime, fs.statSync(file).mtime);
      fs.renameSync(`${file}.new`, file);
      expect(statInputs([dir])).not.toBe(touched);
      // another input file; a file that is not input does not count
      const renamed = statInputs([dir]);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
      expect(statInputs([dir])).toBe(renamed);
      fs.writeFileSync(path.join(dir, 'b.yml'), 'kind: B\n');
      expect(statInputs([dir])).not.toBe(renamed);
      // missing input still gives a fingerprint
      expect(statInputs([path.join(dir, 'missing.yaml')])).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
