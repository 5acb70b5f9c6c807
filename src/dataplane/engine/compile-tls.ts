/**
 * The TLS part of `compile`: BackendTLSPolicy (TLS from the gateway to a Service port), the Gateway's backend
 * client certificate (`spec.tls.backend.clientCertificateRef`) and frontend client-certificate validation
 * (`spec.tls.frontend`, GEP-91). Pure: reads the input objects `compile` collected, returns what the table
 * needs, warns through the compile's warnings and returns one fact per decision for status conditions.
 */
import type { ClientValidation, ConditionFact, PolicyFacts, TlsCertificate, StatusFact, UpstreamTls } from './model';
import { compareRouteAge } from '../../model';
import { FieldPath, formatFieldPath, SourceDocument } from '../config/load';

/** An input object as `compile` collected it. */
export interface TlsInputObject {
  readonly doc: SourceDocument;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: any;
}

/** What the TLS compile reads from the rest of the compile. */
export interface TlsInput {
  /** The objects of a kind, `namespace/name` order. */
  objects(kind: string): readonly TlsInputObject[];
  /** One object by kind and `namespace/name`. */
  find(kind: string, key: string): TlsInputObject | undefined;
  warn(doc: SourceDocument, field: FieldPath, message: string): void;
  /** Whether a ReferenceGrant in `toNs` lets a Gateway of `fromNs` refer to the core `toKind` object `name`. */
  granted(fromKind: string, fromNs: string, toKind: string, toNs: string, name: string): boolean;
}

/** The policies in force, by Service: whole-Service ones and per port name. */
export interface BackendTlsIndex {
  /** The policy for a Service port (`portName` when the Service declares one), or undefined: plaintext. */
  lookup(namespace: string, service: string, portName: string | undefined): UpstreamTls | undefined;
}

/** A reference problem in the Gateway API's words. */
export interface TlsRefProblem {
  readonly reason: string;
  readonly message: string;
}

/** The client-certificate validation of a Gateway's HTTPS ports (`spec.tls.frontend`). */
export interface FrontendValidation {
  /** A validation in force has mode `AllowInsecureFallback`. */
  readonly insecure: boolean;
  /** What the socket of a port asks of clients; undefined: no client certificate asked. */
  at(port: number): ClientValidation | undefined;
  /**
   * The first CA reference of a port's validation that does not resolve, and whether none does (`noValidCa`: the
   * listeners on that port are not accepted, `NoValidCACertificate`).
   */
  problem(port: number): (TlsRefProblem & { readonly noValidCa: boolean }) | undefined;
}

const NO_FRONTEND: FrontendValidation = { at: () => undefined, problem: () => undefined, insecure: false };

/** A string value of a Secret or ConfigMap (`stringData`, else base64 `data`; ConfigMaps keep text in `data`). */
function readKey(obj: TlsInputObject, key: string): string | undefined {
  const s = obj.object.stringData?.[key];
  if (typeof s === 'string') return s;
  const d = obj.object.data?.[key];
  if (typeof d !== 'string') return undefined;
  return obj.kind === 'ConfigMap' ? d : Buffer.from(d, 'base64').toString('utf8');
}

/** `metadata.creationTimestamp` as epoch ms (undefined when absent or not a time): the age that breaks ties. */
export function creation(o: TlsInputObject): number | undefined {
  const ts = o.object.metadata?.creationTimestamp;
  const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** Builds the table's TLS parts; `facts` say what was accepted and why not. */
export class TlsCompiler {
  readonly facts: StatusFact[] = [];
  /** Why a Gateway's backend client certificate (`namespace/name` of the Gateway) is not used. */
  private readonly clientCertificateProblems = new Map<string, TlsRefProblem>();

  constructor(private readonly input: TlsInput) {}

  /**
   * Reads every BackendTLSPolicy. Several policies on one Service and section: the oldest wins, then
   * `namespace/name` alphabetical; the others are `Conflicted`. A policy whose CA references all fail is
   * `NoValidCACertificate`, and requests to its targets fail (the spec: a 5xx, never plaintext).
   */
  backendPolicies(): BackendTlsIndex {
    const age = (o: TlsInputObject) => ({ created: creation(o), namespace: o.namespace, name: o.name });
    const policies = [...this.input.objects('BackendTLSPolicy')].sort((a, b) => compareRouteAge(age(a), age(b)));
    /** `namespace/service` -> section ('' = whole Service) -> policy. */
    const bySection = new Map<string, Map<string, UpstreamTls>>();
    for (const p of policies) {
      const key = `${p.namespace}/${p.name}`;
      const tls = this.readPolicy(p);
      if (!tls) continue;
      const targets = Array.isArray(p.object.spec?.targetRefs) ? p.object.spec.targetRefs : [];
      let conflicted: string | undefined;
      let applied = 0;
      targets.forEach((t: any, i: number) => {
        if ((t?.group ?? '') !== '' || t?.kind !== 'Service' || typeof t?.name !== 'string') {
          this.input.warn(p.doc, ['spec', 'targetRefs', i], `BackendTLSPolicy ${key}: targetRef ${t?.group ? `${t.group}/` : ''}${t?.kind} ${t?.name} is not a core Service; this gateway applies policies to Services only`);
          return;
        }
        const svc = `${p.namespace}/${t.name}`;
        const section = typeof t.sectionName === 'string' ? t.sectionName : '';
        let sections = bySection.get(svc);
        if (!sections) bySection.set(svc, sections = new Map());
        const winner = sections.get(section);
        if (winner) {
          conflicted = winner.policy;
          this.input.warn(p.doc, ['spec', 'targetRefs', i], `BackendTLSPolicy ${key} is not applied to Service ${svc}${section ? ` port ${section}` : ''}: BackendTLSPolicy ${winner.policy} targets it too and is older or first alphabetically (Conflicted)`);
          return;
        }
        sections.set(section, tls);
        applied++;
      });
      if (conflicted !== undefined && applied === 0) {
        this.fact('BackendTLSPolicy', key, 'Accepted', false, 'Conflicted', `BackendTLSPolicy ${conflicted} already targets the same Service and section and takes precedence`);
      } else if (!tls.invalid) {
        this.fact('BackendTLSPolicy', key, 'Accepted', true, 'Accepted', 'the policy is applied to its targets');
      }
    }
    return {
      lookup: (namespace, service, portName) => {
        const sections = bySection.get(`${namespace}/${service}`);
        if (!sections) return undefined;
        return (portName !== undefined ? sections.get(portName) : undefined) ?? sections.get('');
      },
    };
  }

  private readPolicy(p: TlsInputObject): UpstreamTls | undefined {
    const key = `${p.namespace}/${p.name}`;
    const v = p.object.spec?.validation;
    const at: FieldPath = ['spec', 'validation'];
    if (v === null || typeof v !== 'object' || typeof v.hostname !== 'string' || v.hostname === '') {
      this.input.warn(p.doc, [...at, 'hostname'], `BackendTLSPolicy ${key} has no validation.hostname (the SNI and name to verify); the policy is ignored and its targets are not reached`);
      this.fact('BackendTLSPolicy', key, 'Accepted', false, 'Invalid', 'validation.hostname is required');
      return { policy: key, hostname: '', subjectAltNames: [], invalid: 'the BackendTLSPolicy has no validation.hostname' };
    }
    const subjectAltNames: { type: 'Hostname' | 'URI'; value: string }[] = [];
    (Array.isArray(v.subjectAltNames) ? v.subjectAltNames : []).forEach((s: any) => {
      if (s?.type === 'Hostname' && typeof s.hostname === 'string') subjectAltNames.push({ type: 'Hostname', value: s.hostname.toLowerCase() });
      else if (s?.type === 'URI' && typeof s.uri === 'string') subjectAltNames.push({ type: 'URI', value: s.uri });
    });
    const base = { policy: key, hostname: (v.hostname as string).toLowerCase(), subjectAltNames };
    const refs: any[] = Array.isArray(v.caCertificateRefs) ? v.caCertificateRefs : [];
    if (refs.length === 0) {
      if (v.wellKnownCACertificates === 'System') return base;
      const message = `validation needs caCertificateRefs or wellKnownCACertificates: System (got ${JSON.stringify(v.wellKnownCACertificates ?? null)})`;
      this.input.warn(p.doc, at, `BackendTLSPolicy ${key}: ${message}; requests to its targets fail`);
      this.fact('BackendTLSPolicy', key, 'Accepted', false, 'Invalid', message);
      return { ...base, invalid: message };
    }
    const pems: string[] = [];
    const problems: string[] = [];
    for (const r of refs) {
      const problem = this.caProblem(p, r, p.namespace, pems, false);
      if (!problem) continue;
      problems.push(problem.message);
      this.fact('BackendTLSPolicy', key, 'ResolvedRefs', false, problem.reason, problem.message);
    }
    if (pems.length === 0) {
      const message = `no CA certificate could be read: ${problems.join('; ')}`;
      this.input.warn(p.doc, [...at, 'caCertificateRefs'], `BackendTLSPolicy ${key}: ${message}; requests to its targets fail with 5xx, never in plaintext`);
      this.fact('BackendTLSPolicy', key, 'Accepted', false, 'NoValidCACertificate', message);
      return { ...base, invalid: message };
    }
    if (problems.length > 0) {
      // The spec: connections using an invalid CACertificateRef fail.
      const message = `a CA certificate reference is invalid: ${problems.join('; ')}`;
      this.input.warn(p.doc, [...at, 'caCertificateRefs'], `BackendTLSPolicy ${key}: ${message}; requests to its targets fail with 5xx`);
      return { ...base, ca: pems.join('\n'), invalid: message };
    }
    this.fact('BackendTLSPolicy', key, 'ResolvedRefs', true, 'ResolvedRefs', 'every CA certificate reference resolved');
    return { ...base, ca: pems.join('\n') };
  }

  /**
   * Reads one CA reference (ConfigMap or Secret, key `ca.crt`) into `pems`; returns the problem, if any.
   * `crossNamespace`: a namespace other than `ownNs` is allowed when a ReferenceGrant permits it (Gateways);
   * BackendTLSPolicy references are always local.
   */
  private caProblem(from: TlsInputObject, r: any, ownNs: string, pems: string[], crossNamespace: boolean):
  { reason: string; message: string } | undefined {
    const group = r?.group ?? '';
    const kind = r?.kind;
    const name = r?.name;
    const ns = crossNamespace && typeof r?.namespace === 'string' ? r.namespace : ownNs;
    if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      return { reason: 'InvalidKind', message: `caCertificateRef ${group ? `${group}/` : ''}${kind} ${name} is not a ConfigMap or Secret` };
    }
    if (ns !== ownNs && !this.input.granted(from.kind, ownNs, kind, ns, name)) {
      return { reason: 'RefNotPermitted', message: `${kind} ${ns}/${name} is in another namespace and no ReferenceGrant permits it` };
    }
    const obj = this.input.find(kind, `${ns}/${name}`);
    if (!obj) return { reason: 'InvalidCACertificateRef', message: `${kind} ${ns}/${name} is not in the input` };
    const pem = readKey(obj, 'ca.crt');
    if (!pem || !pem.includes('-----BEGIN CERTIFICATE-----')) {
      return { reason: 'InvalidCACertificateRef', message: `${kind} ${ns}/${name} has no PEM certificate under the key ca.crt` };
    }
    pems.push(pem);
    return undefined;
  }

  /** `spec.tls.backend.clientCertificateRef` of a Gateway: the Secret's tls.crt and tls.key, or undefined (a warning says why). */
  backendClientCertificate(gw: TlsInputObject): TlsCertificate | undefined {
    const ref = gw.object.spec?.tls?.backend?.clientCertificateRef;
    if (ref === undefined || ref === null) return undefined;
    const key = `${gw.namespace}/${gw.name}`;
    const at: FieldPath = ['spec', 'tls', 'backend', 'clientCertificateRef'];
    const ns = typeof ref.namespace === 'string' ? ref.namespace : gw.namespace;
    const fail = (reason: string, message: string): undefined => {
      this.input.warn(gw.doc, at, `Gateway ${key}: ${message}; backends reached over TLS get no client certificate`);
      this.fact('Gateway', key, 'ResolvedRefs', false, reason, message);
      this.clientCertificateProblems.set(key, { reason, message });
      return undefined;
    };
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return fail('InvalidClientCertificateRef', `clientCertificateRef of kind ${ref.kind} is not supported (Secret)`);
    if (ns !== gw.namespace && !this.input.granted('Gateway', gw.namespace, 'Secret', ns, ref.name)) {
      return fail('RefNotPermitted', `Secret ${ns}/${ref.name} is in another namespace and no ReferenceGrant permits it`);
    }
    const secret = this.input.find('Secret', `${ns}/${ref.name}`);
    if (!secret) return fail('InvalidClientCertificateRef', `Secret ${ns}/${ref.name} is not in the input`);
    const certPem = readKey(secret, 'tls.crt');
    const keyPem = readKey(secret, 'tls.key');
    if (!certPem?.includes('-----BEGIN') || !keyPem?.includes('-----BEGIN')) {
      return fail('InvalidClientCertificateRef', `Secret ${ns}/${ref.name} has no PEM tls.crt and tls.key`);
    }
    return { secret: `${ns}/${ref.name}`, certPem, keyPem };
  }

  /**
   * The client-certificate validation of each HTTPS port of a Gateway (`spec.tls.frontend`): `perPort`
   * overrides `default`.
   */
  frontendValidation(gw: TlsInputObject): FrontendValidation {
    const frontend = gw.object.spec?.tls?.frontend;
    if (frontend === undefined || frontend === null) return NO_FRONTEND;
    const at: FieldPath = ['spec', 'tls', 'frontend'];
    type Read = { validation: ClientValidation; problem?: TlsRefProblem & { noValidCa: boolean } };
    const read = (validation: any, vat: FieldPath): Read | undefined => {
      if (validation === undefined || validation === null) return undefined;
      const mode = validation.mode ?? 'AllowValidOnly';
      const pems: string[] = [];
      let first: TlsRefProblem | undefined;
      (Array.isArray(validation.caCertificateRefs) ? validation.caCertificateRefs : []).forEach((r: any, i: number) => {
        const problem = this.caProblem(gw, r, gw.namespace, pems, true);
        if (!problem) return;
        const reason = problem.reason === 'InvalidKind' ? 'InvalidCACertificateKind' : problem.reason;
        this.input.warn(gw.doc, [...vat, 'caCertificateRefs', i], `Gateway ${gw.namespace}/${gw.name}: ${problem.message} (${reason}); ${mode === 'AllowValidOnly' ? 'clients whose certificate only that CA signed are refused' : 'its clients are let through without a valid certificate'}`);
        this.fact('Gateway', `${gw.namespace}/${gw.name}`, 'ResolvedRefs', false, reason, problem.message);
        first ??= { reason, message: `${formatFieldPath([...vat, 'caCertificateRefs', i])}: ${problem.message}` };
      });
      return {
        validation: { ca: pems.join('\n'), mode: mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly' },
        ...(first ? { problem: { ...first, noValidCa: pems.length === 0 } } : {}),
      };
    };
    const fallback = read(frontend.default?.validation, [...at, 'default', 'validation']);
    const perPort = new Map<number, Read | undefined>();
    (Array.isArray(frontend.perPort) ? frontend.perPort : []).forEach((p: any, i: number) => {
      if (typeof p?.port === 'number') perPort.set(p.port, read(p.tls?.validation, [...at, 'perPort', i, 'tls', 'validation']));
    });
    const of = (port: number): Read | undefined => (perPort.has(port) ? perPort.get(port) : fallback);
    return {
      at: (port) => of(port)?.validation,
      problem: (port) => of(port)?.problem,
      insecure: [fallback, ...perPort.values()].some((r) => r?.validation.mode === 'AllowInsecureFallback'),
    };
  }

  /**
   * The Gateway conditions of its TLS settings: `ResolvedRefs` when `spec.tls.backend.clientCertificateRef` is set
   * (call `backendClientCertificate` first), `InsecureFrontendValidationMode` when a port allows the insecure fallback.
   */
  gatewayConditions(gw: TlsInputObject, frontend: FrontendValidation): ConditionFact[] {
    const out: ConditionFact[] = [];
    const ref = gw.object.spec?.tls?.backend?.clientCertificateRef;
    if (ref !== undefined && ref !== null) {
      const problem = this.clientCertificateProblems.get(`${gw.namespace}/${gw.name}`);
      out.push(problem
        ? { type: 'ResolvedRefs', status: 'False', reason: problem.reason, message: `spec.tls.backend.clientCertificateRef: ${problem.message}` }
        : { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '' });
    }
    if (frontend.insecure) {
      out.push({
        type: 'InsecureFrontendValidationMode',
        status: 'True',
        reason: 'ConfigurationChanged',
        message: 'spec.tls.frontend: a port has validation mode AllowInsecureFallback: clients without a valid certificate are let in',
      });
    }
    return out;
  }

  /**
   * The status of every BackendTLSPolicy read: its `Accepted` and `ResolvedRefs` facts (call `backendPolicies`
   * first) and its ancestors, the Gateways of `reached` (by `namespace/service`) for the Services it targets.
   */
  policyFacts(reached: ReadonlyMap<string, ReadonlySet<string>>): PolicyFacts[] {
    return this.input.objects('BackendTLSPolicy').map((p) => {
      const key = `${p.namespace}/${p.name}`;
      const gateways = new Set<string>();
      for (const t of Array.isArray(p.object.spec?.targetRefs) ? p.object.spec.targetRefs : []) {
        if ((t?.group ?? '') !== '' || t?.kind !== 'Service') continue;
        for (const g of reached.get(`${p.namespace}/${t.name}`) ?? []) gateways.add(g);
      }
      const mine = this.facts.filter((f) => f.kind === 'BackendTLSPolicy' && f.object === key);
      const pick = (type: StatusFact['condition'], fallback: string): ConditionFact => {
        const f = mine.find((x) => x.condition === type && !x.status) ?? mine.find((x) => x.condition === type);
        return f
          ? { type, status: f.status ? 'True' : 'False', reason: f.reason, message: f.status ? '' : f.message }
          : { type, status: 'True', reason: fallback, message: '' };
      };
      return {
        namespace: p.namespace,
        name: p.name,
        ancestors: [...gateways].sort().map((g) => ({ namespace: g.slice(0, g.indexOf('/')), name: g.slice(g.indexOf('/') + 1) })),
        conditions: [pick('Accepted', 'Accepted'), pick('ResolvedRefs', 'ResolvedRefs')],
      };
    });
  }

  /** Records a fact for status (also the other compile modules' facts). */
  fact(kind: StatusFact['kind'], object: string, condition: StatusFact['condition'], status: boolean, reason: string, message: string,
    about: { listener?: string; parentRef?: number } = {}): void {
    this.facts.push({ kind, object, ...about, condition, status, reason, message });
  }
}
