/**
 * Reading the input off the event loop. A reload reads and parses its files (YAML, the backends file, the
 * `--tls-secret` directories) in a worker thread, which sends back plain data: the documents packed into one block of
 * bytes (`PackedDocuments`: every object as JSON text, with the text its field lines are found in) that is handed
 * over, not copied. The serving thread then turns the JSON into objects one document per step (`toSourceDocuments`)
 * and compiles in steps (`compileInSteps`), both paced by `timeSlices`: slices of RELOAD_SLICE_MS, with RELOAD_REST_MS
 * of rest between them while traffic is being served (a request or connection started in the last BUSY_WINDOW_MS).
 *
 * A read of READER_NICE_FROM_BYTES or more (a parse long enough to compete with the serving thread) lowers the worker
 * to the lowest CPU priority the system gives a thread (Linux: nice 19, see `lowerThreadPriority`), for the rest of
 * its life: on a busy machine the serving thread keeps its share of the CPU and the read takes longer instead. Smaller
 * reads keep the process's priority (on a busy machine they would otherwise wait seconds for a few ms of work).
 * Such a read is also paced while requests are being served: after each READ_SLICE_MS of parsing the worker sleeps
 * READ_REST_MS. The serving thread tells it through a shared cell it updates every BUSY_POLL_MS while a read is
 * pending. A lower priority alone is not enough: on a 2-core machine (bench/RESULTS.md, "Reloads under load")
 * any thread using the core the serving thread and its clients leave idle, even at the idle scheduling class,
 * doubled the p99 of requests; pacing leaves that core idle most of the time.
 *
 * The worker is started on the first reload and kept; if it dies (e.g. out of memory: its heap is bounded) the read
 * fails with a message saying so and the next read starts a new one. It never keeps the process alive.
 *
 * The worker's script is this module: compiled (lib/), or as TypeScript under ts-node/jest, it is this file; in the
 * single-file bundle (`esbuild src/dataplane/main.ts`) it is the bundle, whose entry point runs `runReaderWorker`
 * instead of the command when it starts as this worker (main.ts).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { setImmediate as nextTurn, setTimeout as wait } from 'timers/promises';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import { ConfigError, DocumentText, PlainDocument, SourceDocument, fromPlainDocument, listInputFiles, loadPlainDocuments } from './load';
import { readBackendsFile, readTlsSecret } from '../engine/options';

/** What to read: the `--routes`, `--backends`, `--tls-secret` and `--max-input-size` of `serve`. */
export interface InputRequest {
  readonly routes: readonly string[];
  readonly backends?: string;
  readonly tlsSecrets: readonly { readonly secret: string; readonly dir: string }[];
  readonly maxInputBytes?: number;
}

/** Everything a compile needs from the files, as plain data. */
export interface InputSnapshot {
  /** SHA-256 of what was read: equal snapshots, equal tables. */
  readonly hash: string;
  /** The documents, each object as JSON text, packed. */
  readonly documents: PackedDocuments;
  readonly backends?: ReadonlyArray<readonly [string, { host: string; port: number }[]]>;
  /** One Secret object per `--tls-secret`, and why a file of it could not be read. */
  readonly tlsSecrets: readonly { readonly object: unknown; readonly dir: string; readonly problems: readonly { file: string; detail: string }[] }[];
}

/** Reads the input (synchronously; the worker runs this); `pace` is called after each document parsed. Throws ConfigError. */
export function readInput(request: InputRequest, pace?: () => void): InputSnapshot {
  const hash = createHash('sha256');
  const load = { ...(request.maxInputBytes !== undefined ? { maxInputBytes: request.maxInputBytes } : {}), ...(pace ? { pace } : {}) };
  const documents = loadPlainDocuments(request.routes, load, (o) => JSON.stringify(o), (file, bytes) => {
    hash.update(file).update('\0').update(bytes).update('\0');
  });
  const backends = request.backends !== undefined ? [...readBackendsFile(request.backends)] : undefined;
  const tlsSecrets = request.tlsSecrets.map((t) => {
    const { document, problems } = readTlsSecret(t);
    return { object: document.object, dir: t.dir, problems: problems.map((p) => ({ file: p.file, detail: p.detail })) };
  });
  hash.update(JSON.stringify([backends ?? null, tlsSecrets]));
  return { hash: hash.digest('hex'), documents: packDocuments(documents), ...(backends ? { backends } : {}), tlsSecrets };
}

/**
 * Documents as one block of UTF-8 bytes and two tables of numbers: what a worker sends without the receiving thread
 * copying or allocating per document (the buffers are transferred). Receiving thousands of small strings instead
 * allocates them all at once on the serving thread, which shows as one long garbage collection pause there.
 */
export interface PackedDocuments {
  /** How many documents. */
  readonly count: number;
  /** The file names, by index. */
  readonly files: readonly string[];
  /** Every object's JSON text, then every document text, UTF-8. */
  readonly bytes: Uint8Array;
  /** DOCUMENT_FIELDS numbers per document: file index, document number, List item (-1 if none), JSON start and end in `bytes`, text index. */
  readonly documents: Float64Array;
  /** TEXT_FIELDS numbers per document text: start and end in `bytes`, first line, 1 if the document is YAML 1.1. */
  readonly texts: Float64Array;
}

const DOCUMENT_FIELDS = 6;
const TEXT_FIELDS = 4;

/** Packs plain documents whose values are JSON text (documents of one `kind: List` share their text). */
export function packDocuments(docs: readonly PlainDocument<string>[]): PackedDocuments {
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const textIndex = new Map<DocumentText, number>();
  const texts: DocumentText[] = [];
  let size = 0;
  for (const d of docs) {
    size += Buffer.byteLength(d.value);
    if (!textIndex.has(d.source)) {
      textIndex.set(d.source, texts.length);
      texts.push(d.source);
      size += Buffer.byteLength(d.source.text);
    }
  }
  const bytes = Buffer.from(new ArrayBuffer(size));
  const documents = new Float64Array(docs.length * DOCUMENT_FIELDS);
  const textTable = new Float64Array(texts.length * TEXT_FIELDS);
  let at = 0;
  docs.forEach((d, i) => {
    let file = fileIndex.get(d.file);
    if (file === undefined) {
      fileIndex.set(d.file, file = files.length);
      files.push(d.file);
    }
    const end = at + bytes.write(d.value, at);
    documents.set([file, d.document, d.item ?? -1, at, end, textIndex.get(d.source)!], i * DOCUMENT_FIELDS);
    at = end;
  });
  texts.forEach((t, i) => {
    const end = at + bytes.write(t.text, at);
    textTable.set([at, end, t.firstLine, t.version === '1.1' ? 1 : 0], i * TEXT_FIELDS);
    at = end;
  });
  return { count: docs.length, files, bytes, documents, texts: textTable };
}

/** The buffers `postMessage` hands over instead of copying. */
function transferList(p: PackedDocuments): ArrayBuffer[] {
  return [p.bytes.buffer, p.documents.buffer, p.texts.buffer] as ArrayBuffer[];
}

/**
 * The snapshot's documents as SourceDocuments (the `--tls-secret` Secrets last), parsing one document's JSON per
 * step between calls to `pause`. A document's text is decoded only when a line of it is asked for.
 */
export async function toSourceDocuments(snapshot: InputSnapshot, pause: () => Promise<void> | undefined = timeSlices()): Promise<SourceDocument[]> {
  const p = snapshot.documents;
  const bytes = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const texts: DocumentText[] = [];
  const textOf = (i: number): DocumentText => {
    const t = i * TEXT_FIELDS;
    return texts[i] ??= {
      get text() {
        return bytes.toString('utf8', p.texts[t], p.texts[t + 1]);
      },
      firstLine: p.texts[t + 2],
      ...(p.texts[t + 3] === 1 ? { version: '1.1' as const } : {}),
    };
  };
  const out: SourceDocument[] = [];
  for (let i = 0; i < p.count; i++) {
    const d = i * DOCUMENT_FIELDS;
    const item = p.documents[d + 2];
    out.push(fromPlainDocument({
      file: p.files[p.documents[d]],
      document: p.documents[d + 1],
      ...(item >= 0 ? { item } : {}),
      value: JSON.parse(bytes.toString('utf8', p.documents[d + 3], p.documents[d + 4])),
      source: textOf(p.documents[d + 5]),
    }));
    await pause();
  }
  for (const t of snapshot.tlsSecrets) out.push({ file: t.dir, document: 1, object: t.object, lineOf: () => undefined });
  return out;
}

/**
 * How long the serving thread works on a reload before it gives the event loop a turn (`timeSlices`): well under a
 * request's usual latency (a few ms under load), so that a request arriving during a reload waits at most this long.
 */
export const RELOAD_SLICE_MS = 1;

/**
 * How long a reload then leaves the serving thread to requests before its next slice, while they come: a reload
 * takes at most a sixteenth of the thread (a compile of 120 ms of CPU takes 2 s). Measured on 2 cores
 * (bench/RESULTS.md, "Reloads under load"): with 3 ms the requests started during the compile had 3.4x to 6.5x the
 * p99 of before, with 15 ms 1.5x to 2.0x.
 */
export const RELOAD_REST_MS = 15;

/** Requests are being served when one started this recently: reloads then rest between slices. */
export const BUSY_WINDOW_MS = 100;

/**
 * A `pause` for work done in small steps on the serving thread: once the steps since the last pause took `sliceMs`,
 * a turn of the event loop, or with `restMs` a timer of that long when `busy()` says requests are being served
 * (undefined, no wait, before that).
 */
export function timeSlices(sliceMs = RELOAD_SLICE_MS, restMs = 0, busy: () => boolean = () => true): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return (restMs > 0 && busy() ? wait(restMs) : nextTurn()).then(() => {
      since = performance.now();
    });
  };
}

const ROLE = 'cdk8s-gateway-input-reader';

/** Heap bound of the reader worker: an input that needs more fails its read instead of growing the process. */
export const READER_HEAP_MB = 1024;

/**
 * Reads inputs in a worker thread, one read at a time. The thread (an isolate of its own, tens of MB) lives only
 * while reads come: `idleMs` after the last one settled it is stopped, and the next read starts a new one.
 */
export class InputReader {
  private worker?: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve(s: InputSnapshot): void; reject(e: Error): void }>();
  private idleTimer?: NodeJS.Timeout;
  /** 1 while requests are being served (`busy`), read by the worker to pace its parse; updated while a read is pending. */
  private readonly busyCell = new Int32Array(new SharedArrayBuffer(4));
  private busyTimer?: NodeJS.Timeout;

  /** `busy`: whether requests are being served (none: reads are never paced). */
  constructor(private readonly idleMs = 10_000, private readonly busy: () => boolean = () => false) {}

  /** Whether a reader thread is running (it is stopped when idle). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  read(request: InputRequest): Promise<InputSnapshot> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker ?? this.start();
    const id = this.next++;
    this.watchBusy();
    return new Promise<InputSnapshot>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  /** Keeps the busy cell current while reads are pending. */
  private watchBusy(): void {
    const update = () => {
      if (this.pending.size === 0 && this.busyTimer) {
        clearInterval(this.busyTimer);
        this.busyTimer = undefined;
        return;
      }
      Atomics.store(this.busyCell, 0, this.busy() ? 1 : 0);
    };
    Atomics.store(this.busyCell, 0, this.busy() ? 1 : 0);
    if (!this.busyTimer) {
      this.busyTimer = setInterval(update, BUSY_POLL_MS);
      this.busyTimer.unref();
    }
  }

  /** After a read settled: with nothing left to read, stop the thread once it has been idle for `idleMs`. */
  private settled(): void {
    if (this.pending.size > 0 || this.worker === undefined) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const w = this.worker;
      if (!w || this.pending.size > 0) return;
      this.worker = undefined;
      w.removeAllListeners('exit');
      w.removeAllListeners('error');
      w.on('error', () => undefined);
      void w.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** Stops the worker; reads in progress fail. */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.busyTimer) clearInterval(this.busyTimer);
    this.busyTimer = undefined;
    const w = this.worker;
    this.worker = undefined;
    this.fail(new Error('the input reader was closed'));
    await w?.terminate();
  }

  private start(): Worker {
    const typescript = __filename.endsWith('.ts');
    const worker = new Worker(__filename, {
      workerData: { role: ROLE, busy: this.busyCell.buffer },
      // Under ts-node or jest this module is TypeScript: the worker compiles it the same way.
      execArgv: typescript ? ['--require', 'ts-node/register/transpile-only'] : [],
      resourceLimits: { maxOldGenerationSizeMb: READER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on('message', (m: { id: number; snapshot?: InputSnapshot; error?: ErrorData }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.snapshot) p.resolve(m.snapshot);
      else p.reject(toError(m.error!));
      this.settled();
    });
    const gone = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new Error(why));
    };
    worker.on('error', (err: any) => gone(err?.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `reading the input needed more than the reader's ${READER_HEAP_MB} MB of heap: split the input or lower --max-input-size`
      : `the input reader failed: ${err?.message ?? err}`));
    worker.on('exit', (code) => gone(`the input reader stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(err);
  }
}

interface ErrorData {
  readonly config?: { detail: string; file: string; document?: number; field?: string; line?: number };
  readonly message: string;
}

function toError(e: ErrorData): Error {
  return e.config ? new ConfigError(e.config.detail, e.config) : new Error(e.message);
}

let serving = false;

/** The worker's side: answers read requests until the thread is terminated. */
export function runReaderWorker(): void {
  if (serving || !parentPort) return;
  serving = true;
  let lowered = false;
  const port = parentPort;
  const busy = new Int32Array((workerData as { busy: SharedArrayBuffer }).busy);
  port.on('message', (m: { id: number; request: InputRequest }) => {
    let reply: { id: number; snapshot?: InputSnapshot; error?: ErrorData };
    let transfer: ArrayBuffer[] = [];
    try {
      const large = inputBytes(m.request) >= READER_NICE_FROM_BYTES;
      if (!lowered && large) lowered = lowerThreadPriority();
      const snapshot = readInput(m.request, large ? paceWhileBusy(busy) : undefined);
      transfer = transferList(snapshot.documents);
      reply = { id: m.id, snapshot };
    } catch (err: any) {
      reply = {
        id: m.id,
        error: err instanceof ConfigError
          ? { message: err.message, config: { detail: err.detail, file: err.file, document: err.document, field: err.field, line: err.line } }
          : { message: String(err?.message ?? err) },
      };
    }
    port.postMessage(reply, transfer);
  });
}

/** How often the serving thread tells the reader whether requests are being served, while a read is pending. */
export const BUSY_POLL_MS = 10;

/** While requests are being served, the reader parses this long at a time ... */
export const READ_SLICE_MS = 1;

/** ... and then sleeps this long: it takes at most a quarter of a core (5,000 HTTPRoutes, 1.3 s of parsing, take 5 to 7 s). */
export const READ_REST_MS = 3;

/**
 * The reader's `pace`: after READ_SLICE_MS of parsing, sleeps READ_REST_MS if the busy cell says requests are being
 * served (by default a blocking sleep: this runs in the worker, whose thread does nothing else).
 */
export function paceWhileBusy(
  busy: Int32Array, sleep: (ms: number) => void = blockingSleep, now: () => number = () => performance.now(),
): () => void {
  let since = now();
  return () => {
    if (now() - since < READ_SLICE_MS) return;
    if (Atomics.load(busy, 0) === 1) sleep(READ_REST_MS);
    since = now();
  };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function blockingSleep(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** The nice value of the reader thread on Linux: the lowest priority. */
export const READER_NICE = 19;

/** Inputs from this size on are read at READER_NICE: 256 KiB of YAML, about 800 HTTPRoutes, 100 ms of parsing. */
export const READER_NICE_FROM_BYTES = 256 * 1024;

/** The size of the `--routes` files of a request (0 when they cannot be listed: the read says why). */
function inputBytes(request: InputRequest): number {
  try {
    return listInputFiles(request.routes).reduce((sum, file) => sum + fs.statSync(file).size, 0);
  } catch {
    return 0;
  }
}

/**
 * Lowers the CPU priority of the calling thread on Linux (where a thread has its own nice value, set through its
 * thread id, found in /proc/thread-self). Lowering one's own priority needs no privilege; where it is not possible
 * (another system, no /proc) the thread keeps the process's priority. Returns whether it was lowered.
 */
export function lowerThreadPriority(nice = READER_NICE): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, nice);
    return os.getPriority(tid) === nice;
  } catch {
    return false;
  }
}

/** True in a thread started by `InputReader`. */
export function isReaderWorker(): boolean {
  return !isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE;
}

if (isReaderWorker()) runReaderWorker();
