/**
 * ReferenceGrant permission, as the Gateway API defines it: a reference from an object in one namespace to an
 * object in another is permitted when a ReferenceGrant in the target namespace lists the referring (group, kind,
 * namespace) in `from` and the target (group, kind, and name when given) in `to`. Pure: no I/O.
 */

export interface GrantSpec {
  /** The namespace of the ReferenceGrant (= of the objects it grants access to). */
  readonly namespace: string;
  readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  readonly to: readonly { readonly group?: string; readonly kind: string; readonly name?: string }[];
}

export interface ReferenceSpec {
  readonly fromGroup: string;
  readonly fromKind: string;
  readonly fromNamespace: string;
  /** '' for the core group. */
  readonly toGroup: string;
  readonly toKind: string;
  readonly toNamespace: string;
  readonly toName: string;
}

/** Whether the reference needs no grant (same namespace) or one of `grants` permits it. */
export function referencePermitted(grants: readonly GrantSpec[], ref: ReferenceSpec): boolean {
  if (ref.fromNamespace === ref.toNamespace) return true;
  return grants.some((g) => g.namespace === ref.toNamespace
    && g.from.some((f) => f.group === ref.fromGroup && f.kind === ref.fromKind && f.namespace === ref.fromNamespace)
    && g.to.some((t) => (t.group ?? '') === ref.toGroup && t.kind === ref.toKind && (t.name === undefined || t.name === '' || t.name === ref.toName)));
}
