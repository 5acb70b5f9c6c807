/**
 * The transcribed upstream status conformance cases (`cases/*.json`, `base.json`, `setup.json`), typed.
 * The format is described in FORMAT.md beside this file; `check.mjs` validates it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { K8sObject } from '../harness/cases';

export const STATUS_DIR = __dirname;
export const STATUS_CASES_DIR = path.join(STATUS_DIR, 'cases');

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A condition pattern: matches a condition with that type and, when given, that status and reason. */
export interface ConditionPattern {
  readonly type: string;
  readonly status?: ConditionStatus;
  readonly reason?: string;
  readonly reasons?: string[];
}

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface ListenerExpect {
  readonly name: string;
  readonly attachedRoutes: number;
  readonly supportedKinds: Array<{ group: string; kind: string }>;
  readonly conditions: ConditionPattern[];
}

export interface ParentExpect {
  readonly parentRef: { group: string; kind: string; name: string; namespace: string };
  readonly namespaceRequired: boolean;
  readonly controllerName: string;
  readonly conditions: ConditionPattern[];
  readonly upstreamSectionNames?: string[];
}

export type AddressesExpect =
  | { readonly minCount: 1; readonly typeRequired: true }
  | { readonly count: number; readonly mustContain: Array<{ type: string; value: string }>; readonly mustNotContain: string[] };

/** One expectation: one object and what must hold for it (FORMAT.md, "Expectations"). */
export interface StatusExpect extends ObjectRef {
  readonly source: string;
  readonly timeout?: { config: string; seconds: number; pollIntervalSeconds?: number };
  readonly immediate?: true;
  readonly failure?: 'error';
  readonly notes?: string[];
  readonly conditions?: ConditionPattern[];
  readonly conditionsObservedGeneration?: 'latest' | 'latest-or-fail';
  readonly generationChanged?: true;
  readonly addresses?: AddressesExpect;
  readonly listeners?: ListenerExpect[];
  readonly listenerConditions?: { listeners: 'all' | string[]; conditions: ConditionPattern[] };
  readonly zeroAttachedRoutes?: true;
  readonly attachedListenerSets?: number;
  readonly infrastructurePropagation?: {
    namespace?: string;
    labelSelector: string;
    kinds: string[];
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  readonly supportedFeatures?: { nonEmpty: true; when?: string };
  readonly parents?: ParentExpect[];
  readonly parentsObservedGeneration?: 'latest' | 'latest-after-first-poll';
  readonly parentConditions?: Array<{ parentRef: { name: string; namespace: string }; conditions: ConditionPattern[] }>;
  readonly noAcceptedParents?: true;
  readonly ancestorConditions?: Array<{ ancestorRef: { name: string; namespace: string }; conditions: ConditionPattern[] }>;
  readonly ancestorsObservedGeneration?: 'latest';
  readonly namespaceReady?: true;
}

export interface StatusStep {
  readonly name: string;
  readonly subtest?: string;
  readonly parallelWith?: 'subtests';
  /** Full objects to create or update; in setup.json also `{ $ref: 'base.json#/objects' }`. */
  readonly apply?: Array<K8sObject | { $ref: string }>;
  readonly patch?: Array<ObjectRef & { mergePatch: Record<string, unknown> }>;
  readonly delete?: ObjectRef[];
  readonly expect: StatusExpect[];
  readonly traffic?: unknown;
  readonly notes?: string[];
}

export type StatusNeed = 'pods' | 'gateway-address' | 'static-address-pools' | 'infrastructure-objects' | 'second-gatewayclass';

export interface StatusCase {
  readonly name: string;
  readonly upstream: string;
  readonly upstreamCommit: string;
  readonly upstreamManifests: string[];
  readonly upstreamDescription: string;
  readonly features: string[];
  readonly profiles: string[];
  readonly core: boolean | null;
  readonly provisional: boolean;
  readonly crdChannel: 'standard' | 'experimental';
  readonly parallel: boolean;
  readonly summary: string;
  readonly dataPlaneCase: string | null;
  readonly sendsTraffic: boolean;
  readonly needs: StatusNeed[];
  readonly objects: K8sObject[];
  readonly usesBase: ObjectRef[];
  readonly steps: StatusStep[];
  readonly notes: string[];
}

export interface StatusSuite {
  /** `base.json`: upstream's base manifests and the objects the suite generates (certificates as placeholders). */
  readonly base: { upstream: string; upstreamCommit: string; objects: K8sObject[]; generatedBySuite: K8sObject[] };
  /** `setup.json`: what the suite requires before any test. */
  readonly setup: { name: string; upstream: string; upstreamCommit: string; summary: string; steps: StatusStep[]; notes: string[] };
  /** Every `cases/*.json`, by file name order. */
  readonly cases: StatusCase[];
}

function readJson<T>(file: string): T {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path.relative(process.cwd(), file)}: invalid json: ${(e as Error).message}; the vendored status cases are never edited by hand, copy them again from upstream's transcription`);
  }
}

/** Reads the vendored status cases from `dir` (default: the folder of this file). */
export function loadStatusSuite(dir: string = STATUS_DIR): StatusSuite {
  const casesDir = path.join(dir, 'cases');
  const files = fs.readdirSync(casesDir).filter((f) => f.endsWith('.json')).sort();
  return {
    base: readJson(path.join(dir, 'base.json')),
    setup: readJson(path.join(dir, 'setup.json')),
    cases: files.map((f) => readJson<StatusCase>(path.join(casesDir, f))),
  };
}
