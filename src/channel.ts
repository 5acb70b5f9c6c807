// The Gateway API release channel whose CRDs the cluster has. Internal: not exported from index.ts.
import { IConstruct } from 'constructs';

/**
 * The construct context key that declares the channel of the cluster's Gateway API CRDs: `standard` (the default) or
 * `experimental`. Fields only the experimental CRDs have (an HTTPRoute rule's `retry`) are emitted only under
 * `experimental`, e.g. `app.node.setContext('cdk8s-gateway:channel', 'experimental')` before adding charts.
 */
export const CHANNEL_CONTEXT = 'cdk8s-gateway:channel';

/** Whether `scope` declares the experimental channel's CRDs. */
export function experimentalChannel(scope: IConstruct): boolean {
  return scope.node.tryGetContext(CHANNEL_CONTEXT) === 'experimental';
}

/** The error for an experimental-channel field used where the experimental CRDs are not declared. */
export function experimentalFieldError(where: string, field: string): string {
  return `${where} has a ${field}, a field of the experimental channel's CRD that the standard CRD does not have (the API server would drop it); `
    + `declare the experimental CRDs with the context ${CHANNEL_CONTEXT} set to "experimental" `
    + `(app.node.setContext('${CHANNEL_CONTEXT}', 'experimental') before adding charts), or remove the ${field}`;
}
