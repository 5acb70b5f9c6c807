/**
 * Runs one case file end to end: its backends, its input directory, its own gateway process, then every
 * case with upstream's semantics (see ../INDEX.md):
 * - a simple case passes after 3 consecutive passing probes; it fails after 5 failed probes (250 ms pause
 *   after each) or 30 s;
 * - `{uuid}` is fresh per request, except per case for `mirroredTo` and per batch for `mirrorDistribution`;
 * - distribution checks send upstream's number of requests and use the tolerances in the case;
 * - files with a `before` mutation run their cases in order, waiting for the gateway's `reloaded` line.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startBackends, type StartedBackends } from './backends';
import { caseTitle, type BackendsFile, type CaseExpect, type CaseFile, type ConformanceCase, type K8sObject, type Mutation } from './cases';
import type { ConformanceCertificate } from './certs';
import { backendOfPod, checkGrpc, checkHttp, echoOf } from './check';
import { callGrpc, exchangeWebSocket, sendHttp, type HttpCall } from './client';
import { startGateway, type Launcher, type RunningGateway } from './gateway';
import { inputParts, listenArgs, writeInput, type InputDirectory } from './input';
import { kubeCaseObjects } from './kube-objects';
import type { Skip } from '../skips';

export const REQUIRED_CONSECUTIVE_SUCCESSES = 3;
export const MAX_FAILED_PROBES = 5;
export const PROBE_PAUSE_MS = 250;
export const CASE_DEADLINE_MS = 30_000;
export const RELOAD_TIMEOUT_MS = 10_000;
export const MIRROR_WAIT_MS = 5_000;
/** Mirrored copies are counted once the mirror backend's count has not moved for this long (bounded by MIRROR_WAIT_MS). */
export const MIRROR_SETTLE_MS = 1_000;
/** Upstream pauses 2 s after a failed percentage-mirror attempt. */
export const MIRROR_ATTEMPT_PAUSE_MS = 2_000;

export interface CaseResult {
  readonly test: string;
  readonly index: number;
  readonly title: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why it failed (last failing probe) or why it was skipped. */
  readonly errors: string[];
  /** Requests (or calls) sent for this case. */
  readonly requests: number;
  readonly ms: number;
  readonly note?: string;
}

export interface SuiteContext {
  readonly backends: BackendsFile;
  readonly cert: ConformanceCertificate;
  readonly launcher: Launcher;
  /** A directory of this run under os.tmpdir(); each file gets a subdirectory. */
  readonly tmpRoot: string;
  readonly skipOf: (test: string, index: number) => Skip | undefined;
  /** Through a real API server: every object created there, the gateway in controller mode (default: files). */
  readonly kube?: KubeSuite;
}

/** The API server a run through the API uses. */
export interface KubeSuite {
  readonly kubeconfig: string;
  readonly controllerName: string;
  /** Creates or replaces an object. */
  apply(object: K8sObject): Promise<void>;
  /** Deletes an object (absent is fine). */
  remove(object: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void>;
}

/** Where one case file's objects live while its cases run: a directory of files, or the API server. */
interface Deployment {
  readonly gateway: RunningGateway;
  /** Applies a `before` mutation. */
  mutate(m: Mutation): Promise<void>;
  close(): Promise<void>;
}

interface FileEnv {
  readonly file: CaseFile;
  readonly started: StartedBackends;
  readonly deployment: Deployment;
  readonly gateway: RunningGateway;
  readonly ctx: SuiteContext;
}

/** The file-mode deployment: an input directory and `serve --routes`. */
async function fileDeployment(file: CaseFile, ctx: SuiteContext, started: StartedBackends, dir: string): Promise<Deployment> {
  const parts = inputParts(file, { namespaces: started.namespaces, services: started.services, secrets: [ctx.cert.secret] });
  const input: InputDirectory = writeInput(dir, parts, started.map);
  const gateway = await startGateway({
    routesDir: input.routesDir, backendsFile: input.backendsFile, listen: listenArgs(file), launcher: ctx.launcher,
  });
  return {
    gateway,
    mutate: async (m) => input.apply(m),
    close: () => gateway.stop(),
  };
}

/** The controller-mode deployment: the file's objects created in the API server, `serve --kubernetes`; removed after. */
async function kubeDeployment(file: CaseFile, ctx: SuiteContext, kube: KubeSuite, started: StartedBackends): Promise<Deployment> {
  const { objects, addresses } = kubeCaseObjects(file, ctx.backends, started, { secrets: [ctx.cert.secret], controllerName: kube.controllerName });
  // Namespaces, Services, Secrets and slices stay for the next file (which replaces them); the rest is this file's.
  const own = objects.filter((o) => !['Namespace', 'Service', 'Secret', 'EndpointSlice', 'GatewayClass'].includes(o.kind));
  const removeOwn = async () => {
    for (const o of [...own].reverse()) await kube.remove(o);
  };
  for (const o of objects) await kube.apply(o);
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      kubernetes: { kubeconfig: kube.kubeconfig, gateways: file.gateways.map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`), addresses },
      listen: listenArgs(file),
      launcher: ctx.launcher,
    });
  } catch (e) {
    await removeOwn();
    throw e;
  }
  return {
    gateway,
    mutate: async (m) => {
      for (const d of m.delete ?? []) {
        await kube.remove({ apiVersion: d.apiVersion, kind: d.kind, metadata: { namespace: d.namespace, name: d.name } });
      }
    },
    close: async () => {
      await gateway.stop();
      await removeOwn();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` at a time, keeping order in the results. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function runCaseFile(file: CaseFile, ctx: SuiteContext, caseConcurrency = 4): Promise<CaseResult[]> {
  const skipped = (i: number) => ctx.skipOf(file.name, i);
  const toRun = file.cases.map((_c, i) => i).filter((i) => !skipped(i));
  const results: CaseResult[] = file.cases.map((_c, i) => ({
    test: file.name,
    index: i,
    title: caseTitle(file, i),
    status: 'skipped' as const,
    errors: [skipped(i)?.reason ?? ''],
    requests: 0,
    ms: 0,
  }));
  if (toRun.length === 0) return results;

  const dir = path.join(ctx.tmpRoot, file.name);
  let started: StartedBackends | undefined;
  let deployment: Deployment | undefined;
  try {
    started = await startBackends(file, ctx.backends);
    deployment = ctx.kube ? await kubeDeployment(file, ctx, ctx.kube, started) : await fileDeployment(file, ctx, started, dir);
    const env: FileEnv = { file, started, deployment, gateway: deployment.gateway, ctx };
    const sequential = file.cases.some((c) => c.before);
    const special = (i: number) => file.cases[i].check !== undefined;
    const run = async (i: number) => {
      results[i] = await runCase(env, i);
    };
    if (sequential) {
      for (const i of toRun) await run(i);
    } else {
      await pool(toRun.filter((i) => !special(i)), caseConcurrency, run);
      for (const i of toRun.filter(special)) await run(i);
    }
  } catch (e: any) {
    const message = `could not run ${file.name}: ${e?.message ?? e}`;
    for (const i of toRun) {
      if (results[i].status === 'skipped') results[i] = { ...results[i], status: 'failed', errors: [message] };
    }
  } finally {
    if (deployment) await deployment.close();
    if (started) await started.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

async function runCase(env: FileEnv, index: number): Promise<CaseResult> {
  const { file, gateway, deployment } = env;
  const c = file.cases[index];
  const t0 = Date.now();
  const base = { test: file.name, index, title: caseTitle(file, index) };
  const done = (errors: string[], requests: number, note?: string): CaseResult => ({
    ...base,
    status: errors.length === 0 ? 'passed' : 'failed',
    errors,
    requests,
    ms: Date.now() - t0,
    note,
  });
  try {
    if (c.before) {
      const seen = gateway.reloads();
      await deployment.mutate(c.before);
      if (!(await gateway.waitForReload(seen, RELOAD_TIMEOUT_MS))) {
        return done([`no "reloaded" log line within ${RELOAD_TIMEOUT_MS} ms after applying ${JSON.stringify(c.before)}\n${gateway.tail(10)}`], 0);
      }
    }
    switch (c.check) {
      case 'distribution':
        return file.kind === 'grpc' ? await grpcDistribution(env, c, done) : await httpDistribution(env, c, done);
      case 'mirrorDistribution':
        return await mirrorDistribution(env, c, done);
      case 'websocket':
        return await websocketCase(env, c, done);
      case undefined:
        return file.kind === 'grpc' ? await simpleGrpcCase(env, c, done) : await simpleHttpCase(env, c, done);
      default:
        return done([`unknown check '${c.check}' (the harness does not implement it)`], 0);
    }
  } catch (e: any) {
    return done([`harness error: ${e?.stack ?? e}`], 0);
  }
}

type Done = (errors: string[], requests: number, note?: string) => CaseResult;

/** Upstream's eventually-consistent probing: 3 consecutive passes, bounded failures and time. */
async function probeLoop(probe: () => Promise<string[]>, done: Done): Promise<CaseResult> {
  const deadline = Date.now() + CASE_DEADLINE_MS;
  let streak = 0;
  let failures = 0;
  let sent = 0;
  let last: string[] = [];
  while (Date.now() < deadline) {
    sent++;
    const errors = await probe();
    if (errors.length === 0) {
      if (++streak >= REQUIRED_CONSECUTIVE_SUCCESSES) return done([], sent, failures ? `passed after ${failures} failed probe(s); last failure: ${last.join('; ')}` : undefined);
      continue;
    }
    streak = 0;
    last = errors;
    if (++failures >= MAX_FAILED_PROBES) break;
    await sleep(PROBE_PAUSE_MS);
  }
  return done(last.length ? last : [`no ${REQUIRED_CONSECUTIVE_SUCCESSES} consecutive passes within ${CASE_DEADLINE_MS} ms`], sent);
}

function listenerPortOf(c: ConformanceCase): number {
  return c.request.port ?? (c.request.scheme === 'https' ? 443 : 80);
}

/** Host sent when the case gives none: the gateway's own address, without the port when it is the scheme's default (upstream CalculateHost). */
function defaultHost(c: ConformanceCase): string {
  const port = listenerPortOf(c);
  const scheme = c.request.scheme ?? 'http';
  return (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443) ? '127.0.0.1' : `127.0.0.1:${port}`;
}

function boundPort(env: FileEnv, c: ConformanceCase): number {
  const p = env.gateway.portFor(c.gateway, listenerPortOf(c));
  if (p === undefined) throw new Error(`the gateway logged no "listening" line for ${c.gateway} port ${listenerPortOf(c)}`);
  return p;
}

const substitute = <T>(value: T, uuid: string): T => JSON.parse(JSON.stringify(value).split('{uuid}').join(uuid));

function httpCall(env: FileEnv, c: ConformanceCase, uuid: string, extraHeaders: Array<[string, string]> = []): HttpCall {
  const r = c.request;
  const headers: Array<[string, string]> = Object.entries(substitute(r.headers ?? {}, uuid));
  // Upstream's client always sends X-Echo-Set-Header (empty when nothing is to be set).
  headers.push(['X-Echo-Set-Header', Object.entries(r.echoSetResponseHeaders ?? {}).map(([k, v]) => `${k}:${v}`).join(',')]);
  headers.push(...extraHeaders);
  const scheme = r.scheme ?? 'http';
  return {
    port: boundPort(env, c),
    scheme,
    protocol: r.protocol,
    method: r.method ?? 'GET',
    host: r.host ?? defaultHost(c),
    path: substitute(r.path ?? '/', uuid),
    headers,
    servername: scheme === 'https' ? r.tls?.serverName ?? r.host : undefined,
    ca: scheme === 'https' ? env.ctx.cert.certPem : undefined,
  };
}

interface ProbeOutcome {
  errors: string[];
  echoed?: any;
  call?: HttpCall;
}

async function httpProbe(
  env: FileEnv,
  c: ConformanceCase,
  expect: CaseExpect,
  uuid: string,
  extraHeaders: Array<[string, string]> = [],
): Promise<ProbeOutcome> {
  const call = httpCall(env, c, uuid, extraHeaders);
  try {
    const answer = await sendHttp(call);
    const errors = checkHttp(answer, substitute(expect, uuid), { scheme: call.scheme, host: call.host, path: call.path });
    return { errors, echoed: echoOf(answer).echoed, call };
  } catch (e: any) {
    return { errors: [`request failed: ${e?.code ? `${e.code} ` : ''}${e?.message ?? e}`], call };
  }
}

async function simpleHttpCase(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  const expect = c.expect ?? {};
  const perCase = expect.mirroredTo && expect.mirroredTo.length > 0 ? randomUUID() : undefined;
  let lastFailed: HttpCall | undefined;
  const result = await probeLoop(async () => {
    const r = await httpProbe(env, c, expect, perCase ?? randomUUID());
    if (r.errors.length) lastFailed = r.call;
    return r.errors;
  }, done);
  if (result.status === 'failed' && lastFailed) {
    return { ...result, errors: [...result.errors, accessLogContext(env, lastFailed.method, lastFailed.path, lastFailed.host)] };
  }
  if (result.status !== 'passed' || !perCase) return result;
  // The mirror backends must each have received the same request-URI.
  const uri = substitute(c.request.path ?? '/', perCase);
  const errors: string[] = [];
  for (const m of expect.mirroredTo!) {
    const echo = env.started.http(`${m.namespace}/${m.backend}`);
    if (!echo) errors.push(`mirror backend ${m.namespace}/${m.backend} is not running in this harness`);
    else if (!(await echo.waitForRequest(uri, MIRROR_WAIT_MS))) errors.push(`mirror: ${m.namespace}/${m.backend} never received '${uri}' (waited ${MIRROR_WAIT_MS} ms)`);
  }
  return errors.length ? { ...result, status: 'failed', errors } : result;
}

async function simpleGrpcCase(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  const result = await probeLoop(() => grpcProbe(env, c), done);
  if (result.status !== 'failed') return result;
  const authority = c.request.authority ?? `127.0.0.1:${listenerPortOf(c)}`;
  return { ...result, errors: [...result.errors, accessLogContext(env, 'POST', `/${c.request.service}/${c.request.method}`, authority)] };
}

/** What the gateway's access log says about the last request with this method, path and host (for failure reports). */
function accessLogContext(env: FileEnv, method: string, target: string, host: string): string {
  const hit = [...env.gateway.lines()]
    .reverse()
    .find((l) => l.msg === 'access' && l.method === method && l.path === target && (l.host === host || String(l.host ?? '').split(':')[0] === host.split(':')[0]));
  if (!hit) return `gateway access log: no line for ${method} ${host}${target}`;
  const fields = ['status', 'grpcStatus', 'listener', 'route', 'rule', 'backend', 'upstream', 'error'] as const;
  return `gateway access log: ${fields.filter((f) => hit[f] !== undefined).map((f) => `${f}=${JSON.stringify(hit[f])}`).join(' ')}`;
}

async function grpcProbe(env: FileEnv, c: ConformanceCase): Promise<string[]> {
  const r = c.request;
  try {
    const answer = await callGrpc({
      port: boundPort(env, c),
      authority: r.authority ?? `127.0.0.1:${listenerPortOf(c)}`,
      service: r.service!,
      method: r.method!,
      metadata: r.metadata,
    });
    return checkGrpc(answer, c.expect ?? {});
  } catch (e: any) {
    return [`call failed: ${e?.message ?? e}`];
  }
}

function jitter(): Array<[string, string]> {
  return Math.random() < 0.5 ? [['X-Jitter', String(Math.floor(Math.random() * 10_000))]] : [];
}

/** The reasons of the attempts that failed before the one that passed (for the run notes). */
function failedAttempts(reasons: readonly string[]): string {
  return reasons.length ? `; earlier attempts failed: ${reasons.map((r, i) => `(${i + 1}) ${r}`).join(' ')}` : '';
}

function judgeDistribution(counts: Map<string, number>, spec: NonNullable<ConformanceCase['distribution']>): string[] {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const errors: string[] = [];
  const seen = [...counts.entries()].map(([b, n]) => `${b}=${n}`).join(', ');
  for (const [backend, share] of Object.entries(spec.expectedShares)) {
    const n = counts.get(backend) ?? 0;
    const got = total ? n / total : 0;
    if (share === 0 && spec.zeroWeightMustReceiveNothing) {
      if (n > 0) errors.push(`weight 0 backend ${backend} received ${n} of ${total} requests (${seen})`);
    } else if (Math.abs(got - share) > spec.absoluteTolerance) {
      errors.push(`backend ${backend}: share ${got.toFixed(3)}, expected ${share} +/- ${spec.absoluteTolerance} (${seen})`);
    }
  }
  for (const b of counts.keys()) if (!(b in spec.expectedShares)) errors.push(`unexpected backend ${b} answered (${seen})`);
  return errors;
}

async function distributionAttempts(
  c: ConformanceCase,
  done: Done,
  one: () => Promise<{ errors: string[]; backend?: string }>,
): Promise<CaseResult> {
  const spec = c.distribution!;
  const attempts = Math.max(1, spec.maxAttempts ?? 1);
  let sent = 0;
  let last: string[] = [];
  const earlier: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const counts = new Map<string, number>();
    const requestErrors: string[] = [];
    await pool(Array.from({ length: spec.totalRequests }), spec.concurrency, async () => {
      sent++;
      const r = await one();
      if (r.errors.length) requestErrors.push(r.errors.join('; '));
      else if (r.backend) counts.set(r.backend, (counts.get(r.backend) ?? 0) + 1);
    });
    last = requestErrors.length
      ? [`${requestErrors.length} of ${spec.totalRequests} requests failed, e.g.: ${requestErrors[0]}`]
      : judgeDistribution(counts, spec);
    if (last.length === 0) {
      const got = [...counts.entries()].map(([b, n]) => `${b}=${n}`).join(', ');
      return done([], sent, `attempt ${attempt} of ${attempts}: ${got}${failedAttempts(earlier)}`);
    }
    earlier.push(last.join('; '));
  }
  return done([`all ${attempts} attempts failed; last: ${last.join('; ')}`], sent);
}

function httpDistribution(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  return distributionAttempts(c, done, async () => {
    const r = await httpProbe(env, c, c.perRequestExpect ?? {}, randomUUID(), jitter());
    return { errors: r.errors, backend: r.echoed?.pod ? backendOfPod(String(r.echoed.pod)) : undefined };
  });
}

function grpcDistribution(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  return distributionAttempts(c, done, async () => {
    const r = c.request;
    const metadata = { ...(r.metadata ?? {}) };
    if (Math.random() < 0.5) metadata['x-jitter'] = String(Math.floor(Math.random() * 10_000));
    try {
      const answer = await callGrpc({ port: boundPort(env, c), authority: r.authority ?? `127.0.0.1:${listenerPortOf(c)}`, service: r.service!, method: r.method!, metadata });
      const errors = checkGrpc(answer, c.perRequestExpect ?? {});
      const pod = answer.response?.assertions?.context?.pod;
      return { errors, backend: pod ? backendOfPod(String(pod)) : undefined };
    } catch (e: any) {
      return { errors: [`call failed: ${e?.message ?? e}`] };
    }
  });
}

async function mirrorDistribution(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  const spec = c.mirrorDistribution!;
  const echo = env.started.http(`${spec.namespace}/${spec.mirrorBackend}`);
  if (!echo) return done([`mirror backend ${spec.namespace}/${spec.mirrorBackend} is not running in this harness`], 0);
  const attempts = Math.max(1, spec.maxAttempts ?? 1);
  let sent = 0;
  let last: string[] = [];
  const earlier: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const uuid = randomUUID();
    const uri = substitute(c.request.path ?? '/', uuid);
    const requestErrors: string[] = [];
    await pool(Array.from({ length: spec.totalRequests }), spec.concurrency, async () => {
      sent++;
      const r = await httpProbe(env, c, c.expect ?? {}, uuid);
      if (r.errors.length) requestErrors.push(r.errors.join('; '));
    });
    // Mirrored copies are fire-and-forget: wait until the count stops moving (bounded).
    const until = Date.now() + MIRROR_WAIT_MS;
    let mirrored = echo.count(uri);
    let stableSince = Date.now();
    while (Date.now() < until && Date.now() - stableSince < MIRROR_SETTLE_MS) {
      await sleep(50);
      const n = echo.count(uri);
      if (n !== mirrored) {
        mirrored = n;
        stableSince = Date.now();
      }
    }
    const [lo, hi] = spec.acceptRange;
    last = requestErrors.length
      ? [`${requestErrors.length} of ${spec.totalRequests} primary requests failed, e.g.: ${requestErrors[0]}`]
      : mirrored < lo || mirrored > hi
        ? [`mirror ${spec.mirrorBackend} received ${mirrored} of ${spec.totalRequests} requests, expected ${lo}..${hi} (${spec.percent}%)`]
        : [];
    if (last.length === 0) return done([], sent, `attempt ${attempt} of ${attempts}: ${mirrored} of ${spec.totalRequests} mirrored${failedAttempts(earlier)}`);
    earlier.push(last.join('; '));
    if (attempt < attempts) await sleep(MIRROR_ATTEMPT_PAUSE_MS);
  }
  return done([`all ${attempts} attempts failed; last: ${last.join('; ')}`], sent);
}

async function websocketCase(env: FileEnv, c: ConformanceCase, done: Done): Promise<CaseResult> {
  const spec = c.websocket!;
  const url = new URL((c.request.url ?? 'ws://{gatewayAddress}/ws').replace('{gatewayAddress}', 'gateway.invalid'));
  const messages = [
    { data: Buffer.from(spec.sendText, 'utf8'), binary: false },
    { data: Buffer.from(spec.sendBinary), binary: true },
  ];
  let last: string[] = [];
  for (let attempt = 1; attempt <= MAX_FAILED_PROBES; attempt++) {
    try {
      const got = await exchangeWebSocket({
        port: boundPort(env, c),
        host: defaultHost(c),
        path: `${url.pathname}${url.search}`,
        origin: c.request.origin?.replace('{testName}', env.file.name),
        messages,
      });
      last = [];
      if (got[0].binary || got[0].data.toString('utf8') !== spec.expectTextEcho) last.push(`text echo: expected '${spec.expectTextEcho}', got ${got[0].binary ? 'a binary frame' : `'${got[0].data.toString('utf8')}'`}`);
      if (!got[1].binary || !got[1].data.equals(Buffer.from(spec.expectBinaryEcho))) last.push(`binary echo: expected [${spec.expectBinaryEcho}], got ${got[1].binary ? `[${[...got[1].data]}]` : 'a text frame'}`);
    } catch (e: any) {
      last = [`websocket: ${e?.message ?? e}`];
    }
    if (last.length === 0) return done([], attempt);
    await sleep(PROBE_PAUSE_MS);
  }
  return done(last, MAX_FAILED_PROBES);
}
