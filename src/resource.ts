import { ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition } from 'cdk8s';
import { Construct } from 'constructs';
import { treeChanged } from './tree-index';
import { validateDnsSubdomain, validateNamespace } from './validation';

/**
 * Properties shared by every Gateway API resource.
 */
export interface ResourceProps {
  /**
   * Metadata of the object (name, namespace, labels, annotations).
   *
   * @default - cdk8s generates a unique name from the construct path; the namespace is the chart's.
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * Base class of the Gateway API constructs: a construct that holds exactly one L1 `ApiObject` child, with id
 * `Resource`.
 */
export abstract class Resource extends Construct {
  /**
   * The underlying L1 API object.
   */
  public abstract readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ResourceProps = {}) {
    super(scope, id);
    treeChanged();
    const metadata = props.metadata ?? {};
    if (metadata.name !== undefined) {
      validateDnsSubdomain(`${this.node.path}: metadata.name`, metadata.name);
    }
    if (metadata.namespace !== undefined) {
      validateNamespace(`${this.node.path}: metadata.namespace`, metadata.namespace);
    }
  }

  /**
   * The object's metadata.
   */
  public get metadata(): ApiObjectMetadataDefinition {
    return this.apiObject.metadata;
  }

  /**
   * The name of the object.
   */
  public get name(): string {
    return this.apiObject.name;
  }

  /**
   * The namespace of the object.
   *
   * @default - the namespace is not set (the chart has none and the metadata sets none).
   */
  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  /**
   * The object's API version, e.g. `gateway.networking.k8s.io/v1`.
   */
  public get apiVersion(): string {
    return this.apiObject.apiVersion;
  }

  /**
   * The object's kind, e.g. `HTTPRoute`.
   */
  public get kind(): string {
    return this.apiObject.kind;
  }
}
