import { IConstruct } from 'constructs';

/** The construct metadata type of a warning. */
const WARNING = 'cdk8s-gateway:warning';

/** The construct context key that turns warnings into errors (for CI). */
const STRICT_CONTEXT = 'cdk8s-gateway:strict';

/**
 * Warnings attached to constructs (cdk8s has no warning channel of its own): stored as construct metadata of type
 * `cdk8s-gateway:warning` and printed once to stderr.
 */
export class Annotations {
  /**
   * The annotations of `scope`.
   */
  public static of(scope: IConstruct): Annotations {
    return new Annotations(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Adds a warning (once: adding the same message again does nothing). In strict mode (the construct context
   * `cdk8s-gateway:strict` set to true, e.g. `app.node.setContext('cdk8s-gateway:strict', true)` before adding
   * charts) a warning is an error: it is thrown, and synthesis fails with it.
   */
  public addWarning(message: string): void {
    if (this.scope.node.tryGetContext(STRICT_CONTEXT) === true) {
      throw new Error(`${message} (strict mode: cdk8s-gateway:strict turns warnings into errors)`);
    }
    if (this.warnings.includes(message)) return;
    this.scope.node.addMetadata(WARNING, message);
    // eslint-disable-next-line no-console
    console.warn(`[warning] ${message}`);
  }

  /**
   * The warnings added to this construct.
   */
  public get warnings(): string[] {
    return this.scope.node.metadata.filter((m) => m.type === WARNING).map((m) => String(m.data));
  }
}
