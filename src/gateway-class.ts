import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Resource, ResourceProps } from './resource';
import { q, validateLength } from './validation';

/** The GatewayClass CRD's pattern of `spec.controllerName`: a domain-prefixed path. */
const CONTROLLER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/**
 * Properties of a `GatewayClass`.
 */
export interface GatewayClassProps extends ResourceProps {
  /**
   * The controller that manages the Gateways of this class: a domain-prefixed path (e.g.
   * `example.net/gateway-controller`). It cannot be changed once the GatewayClass exists.
   *
   * @default GatewayClass.CONTROLLER_NAME (this project's gateway in controller mode)
   */
  readonly controllerName?: string;

  /**
   * A description of the class, at most 64 characters.
   *
   * @default - none
   */
  readonly description?: string;
}

/**
 * A GatewayClass: a kind of Gateway, implemented by the controller it names. Cluster-scoped: it has no namespace,
 * even in a chart that has one.
 *
 * By default the class names this project's controller (`GatewayClass.CONTROLLER_NAME`), the one a
 * `GatewayDeployment` in `GatewayDeploymentMode.kubernetes()` runs; Gateways of the class (`gatewayClass` of a
 * `Gateway`) are then served by it.
 */
export class GatewayClass extends Resource {
  /**
   * The controller name of this project's gateway in controller mode (`cdk8s-gateway serve --kubernetes`): the
   * gateway serves and reports the Gateways whose GatewayClass names it.
   */
  public static readonly CONTROLLER_NAME = 'cdk8s-gateway.dev/gateway-controller';

  /**
   * Throws unless `value` is a controller name the GatewayClass CRD accepts.
   *
   * @internal
   */
  public static _validateControllerName(what: string, value: string): void {
    validateLength(what, value, 1, 253);
    if (!CONTROLLER_NAME.test(value)) {
      throw new Error(`${what} ${q(value)} must be a domain-prefixed path: a lowercase dns subdomain, '/', then a path (e.g. ${q(GatewayClass.CONTROLLER_NAME)})`);
    }
  }

  public readonly apiObject: l1.GatewayClass;

  /** The controller that manages the Gateways of this class. */
  public readonly controllerName: string;

  /**
   * The description of the class.
   *
   * @default - none
   */
  public readonly description?: string;

  constructor(scope: Construct, id: string, props: GatewayClassProps = {}) {
    super(scope, id, props);
    const path = this.node.path;
    if (props.metadata?.namespace !== undefined) {
      throw new Error(`${path}: metadata.namespace ${q(props.metadata.namespace)} is set, but a GatewayClass is cluster-scoped; remove the namespace`);
    }
    this.controllerName = props.controllerName ?? GatewayClass.CONTROLLER_NAME;
    GatewayClass._validateControllerName(`${path}: controllerName`, this.controllerName);
    if (props.description !== undefined) validateLength(`${path}: description`, props.description, 0, 64);
    this.description = props.description;
    this.apiObject = new l1.GatewayClass(this, 'Resource', {
      metadata: props.metadata,
      spec: { controllerName: this.controllerName, description: this.description },
    });
    // cdk8s gives every object the chart's namespace; a cluster-scoped object must not have one.
    if (this.apiObject.metadata.namespace !== undefined) this.apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }

  /**
   * Always undefined: a GatewayClass is cluster-scoped.
   */
  public override get namespace(): string | undefined {
    return undefined;
  }
}
