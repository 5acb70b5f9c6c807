/**
 * The transcribed upstream conformance cases (`cases/*.json`) and backends (`backends.json`), typed.
 * The format is described in ../INDEX.md.
 */
import * as fs from 'fs';
import * as path from 'path';

export const CONFORMANCE_DIR = path.resolve(__dirname, '..');
export const CASES_DIR = path.join(CONFORMANCE_DIR, 'cases');
export const GATEWAY_CLASS_NAME = 'cdk8s-gateway';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
}

export interface CaseRequest {
  method?: string;
  host?: string;
  path?: string;
  headers?: Record<string, string>;
  port?: number;
  scheme?: 'http' | 'https';
  protocol?: 'h2c-prior-knowledge' | 'h2';
  tls?: { serverName?: string };
  echoSetResponseHeaders?: Record<string, string>;
  // gRPC
  service?: string;
  authority?: string;
  metadata?: Record<string, string>;
  // WebSocket
  url?: string;
  origin?: string;
}

export interface RedirectExpect {
  scheme?: string;
  host?: string | null;
  port?: string | null;
  path?: string;
}

export interface CaseExpect {
  status?: number;
  statusOneOf?: number[];
  backend?: string;
  namespace?: string;
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  absentHeaders?: string[];
  responseHeaders?: Record<string, string>;
  responseHeadersOneOf?: Record<string, string[]>;
  absentResponseHeaders?: string[];
  ignoreWhitespaceInResponseHeaders?: boolean;
  notEchoed?: boolean;
  redirect?: RedirectExpect;
  redirectLocation?: string;
  mirroredTo?: Array<{ backend: string; namespace: string }>;
  // gRPC
  grpcStatus?: string;
  grpcCode?: number;
  fullyQualifiedMethod?: string;
}

export interface DistributionSpec {
  expectedShares: Record<string, number>;
  totalRequests: number;
  concurrency: number;
  absoluteTolerance: number;
  zeroWeightMustReceiveNothing?: boolean;
  maxAttempts?: number;
  entropy?: string;
}

export interface MirrorDistributionSpec {
  mirrorBackend: string;
  namespace: string;
  percent: number;
  totalRequests: number;
  concurrency: number;
  expectedMirrored: number;
  acceptRange: [number, number];
  maxAttempts?: number;
  sameUuidForAllRequestsInAttempt?: boolean;
}

export interface WebSocketSpec {
  sendText: string;
  expectTextEcho: string;
  sendBinary: number[];
  expectBinaryEcho: number[];
}

export interface Mutation {
  delete?: Array<{ apiVersion: string; kind: string; namespace: string; name: string }>;
}

export interface ConformanceCase {
  name?: string;
  gateway: string;
  request: CaseRequest;
  expect?: CaseExpect;
  before?: Mutation;
  check?: 'distribution' | 'mirrorDistribution' | 'websocket' | 'backendHeaderMatchesPod';
  perRequestExpect?: CaseExpect;
  distribution?: DistributionSpec;
  mirrorDistribution?: MirrorDistributionSpec;
  websocket?: WebSocketSpec;
}

export interface CaseFile {
  name: string;
  upstream: string;
  kind: 'http' | 'grpc';
  summary: string;
  features: string[];
  provisional: boolean;
  crdChannel: 'standard' | 'experimental';
  gateways: K8sObject[];
  routes: K8sObject[];
  referenceGrants?: K8sObject[];
  otherResources?: K8sObject[];
  cases: ConformanceCase[];
  notes: string;
}

export interface BackendService {
  name: string;
  namespace: string;
  ports: Array<{ name?: string; port: number; targetPort: number; protocol: string; appProtocol?: string }>;
  role: string;
  headless?: boolean;
  replicas?: number;
}

export interface BackendsFile {
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  services: BackendService[];
  invalidBackendRefs: Array<{ group: string; kind: string; namespace: string; name: string; port: number }>;
}

export function loadBackends(): BackendsFile {
  return JSON.parse(fs.readFileSync(path.join(CONFORMANCE_DIR, 'backends.json'), 'utf8'));
}

/** Every case file, in name order. */
export function loadCaseFiles(): CaseFile[] {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(CASES_DIR, f), 'utf8')) as CaseFile);
}

export function loadCaseFile(name: string): CaseFile {
  return JSON.parse(fs.readFileSync(path.join(CASES_DIR, `${name}.json`), 'utf8'));
}

/** The jest title of one case: `<TestName> <index>[ <case name>]`. */
export function caseTitle(file: CaseFile, index: number): string {
  const c = file.cases[index];
  return `${file.name} ${index}${c.name ? ` ${c.name}` : ''}`;
}

/** `ns/name` of a Kubernetes object. */
export function nsName(o: { metadata: { name: string; namespace?: string } }): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
