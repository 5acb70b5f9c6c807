/**
 * The matching model shared by the constructs (`src/*.ts`) and the gateway (`src/dataplane/engine/`): precedence,
 * overlap, containment, hostname intersection, RE2 literal analysis, attachment and ReferenceGrant permission.
 * Pure (no I/O, no cdk8s) and internal: `src/index.ts` does not export it.
 */
export * from './attachment';
export * from './hostname';
export * from './match';
export * from './order';
export * from './reference-grant';
export * from './regex';
export * from './rule-label';
export * from './listener-merge';
