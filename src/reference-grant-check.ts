// Warnings for cross-namespace references no ReferenceGrant in the app allows. Internal: not exported from index.ts.
// A grant may also be created outside the app, so a missing one is a warning, not an error.
import { IConstruct } from 'constructs';
import { Annotations } from './annotations';
import { referencePermitted } from './model';
import { ReferenceGrant } from './reference-grant';
import { allConstructs } from './tree-index';
import { q } from './validation';

/** @internal */
export interface CrossNamespaceReference {
  /** The kind of the referring object, e.g. `HTTPRoute`. */
  readonly fromKind: string;
  readonly fromNamespace: string | undefined;
  /** What is referenced, e.g. `backendRef 1 of rule 2`. */
  readonly what: string;
  readonly toGroup: string;
  readonly toKind: string;
  readonly toName: string;
  readonly toNamespace: string | undefined;
}

/** The `ReferenceGrantFrom` factory of each referring kind. */
const GRANT_FROM_FACTORIES: Record<string, string> = {
  HTTPRoute: 'httpRoutes', GRPCRoute: 'grpcRoutes', TLSRoute: 'tlsRoutes', Gateway: 'gateways', ListenerSet: 'listenerSets',
};

/** Adds a warning to `scope` for each reference into another namespace that no in-app ReferenceGrant allows. */
export function warnUngrantedReferences(scope: IConstruct, refs: CrossNamespaceReference[]): void {
  const cross = refs.filter((r) => r.toNamespace !== undefined && r.fromNamespace !== undefined && r.toNamespace !== r.fromNamespace);
  if (cross.length === 0) return;
  const grants = allConstructs(scope).filter((c): c is ReferenceGrant => c instanceof ReferenceGrant);
  for (const r of cross) {
    const granted = referencePermitted(
      grants.filter((g) => g.namespace !== undefined).map((g) => ({ namespace: g.namespace!, from: g._fromList, to: g._toList })),
      { fromGroup: 'gateway.networking.k8s.io', fromKind: r.fromKind, fromNamespace: r.fromNamespace!, toGroup: r.toGroup, toKind: r.toKind, toNamespace: r.toNamespace!, toName: r.toName });
    if (granted) continue;
    const factory = GRANT_FROM_FACTORIES[r.fromKind] ?? 'gateways';
    const to = r.toKind === 'Service' && r.toGroup === '' ? `ReferenceGrantTo.services(${q(r.toName)})`
      : r.toKind === 'Secret' && r.toGroup === '' ? `ReferenceGrantTo.secrets(${q(r.toName)})`
        : r.toKind === 'ConfigMap' && r.toGroup === '' ? `ReferenceGrantTo.of("", "ConfigMap", ${q(r.toName)})`
          : `ReferenceGrantTo.of(${q(r.toGroup)}, ${q(r.toKind)}, ${q(r.toName)})`;
    Annotations.of(scope).addWarning(`${scope.node.path}: ${r.what} refers to ${r.toKind} ${q(r.toName)} in namespace ${q(r.toNamespace)}, and no ReferenceGrant in this app allows it; unless one exists in the cluster, the reference is refused. Add new ReferenceGrant(scope, id, { metadata: { namespace: ${q(r.toNamespace)} }, fromObjects: [ReferenceGrantFrom.${factory}(${q(r.fromNamespace)})], to: [${to}] })`);
  }
}
