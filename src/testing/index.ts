/**
 * Route tests without a cluster: `import { RouteTester } from 'cdk8s-gateway/lib/testing'`.
 *
 * Built on the very engine `cdk8s-gateway serve` runs (the same compile step and the same router), so an
 * assertion here holds for the gateway. Not part of the jsii API: it is for TypeScript/JavaScript test suites.
 */
import { App, Chart } from 'cdk8s';
import { SourceDocument, loadDocuments, parseDocuments } from '../dataplane/config/load';
import { compile, CompileOptions } from '../dataplane/engine/compile';
import { DescribedBackend, ExplainResult, explain } from '../dataplane/engine/describe';
import { CompiledTable } from '../dataplane/engine/model';
import { parseBackendsMap } from '../dataplane/engine/options';
import { pickGateway, requestFromUrl } from '../dataplane/explain';

/** What a test asks: a URL and, optionally, method, headers and the Gateway. */
export interface TestRequest {
  /** `GET` unless given. */
  readonly method?: string;
  /** Request headers (names case-insensitive); `Host` overrides the URL's host. */
  readonly headers?: Record<string, string | string[]>;
  /** `NAMESPACE/NAME` of the Gateway to ask; needed only when several Gateways listen on the URL's port. */
  readonly gateway?: string;
}

/** One backend that may answer, with its share of the traffic. */
export interface RoutedBackend extends DescribedBackend {}

/** The answer: which listener, route, rule and backends, with what probability, or why 404/421/500. */
export interface RouteResult extends ExplainResult {
  /**
   * The name of the backend that answers every such request, when exactly one valid backend has all the weight;
   * undefined when the traffic is split, when nothing matches, or when the answer is not forwarded.
   */
  readonly backend?: string;
}

/** Options of a RouteTester. */
export interface RouteTesterOptions {
  /**
   * Where the Services live: `NAMESPACE/SERVICE:PORT` -> `HOST:PORT`. Without it Services resolve by cluster DNS
   * name, as in the cluster.
   */
  readonly backends?: Record<string, string | string[]>;
}

/**
 * Asks the gateway's routing engine what it would do with a request.
 *
 * ```ts
 * const routes = RouteTester.fromChart(chart);
 * expect(routes.request('http://localhost/api/v1/tasks/123').backend).toBe('task-api-read');
 * expect(routes.request('http://localhost/api/').probabilityOf('task-api-canary')).toBeCloseTo(0.1);
 * ```
 */
export class RouteTester {
  /** The routes of a cdk8s chart, exactly as it synthesizes them. */
  public static fromChart(chart: Chart, options: RouteTesterOptions = {}): RouteTester {
    return RouteTester.fromObjects(chart.toJson(), `chart ${chart.node.path || chart.node.id}`, options);
  }

  /** The routes of every chart of a cdk8s app. */
  public static fromApp(app: App, options: RouteTesterOptions = {}): RouteTester {
    return RouteTester.fromObjects(app.charts.flatMap((c) => c.toJson()), 'app', options);
  }

  /** Routes from (multi-document) YAML or JSON text. */
  public static fromYaml(text: string, options: RouteTesterOptions & { readonly file?: string } = {}): RouteTester {
    return new RouteTester(parseDocuments(text, options.file ?? '<yaml>'), options);
  }

  /** Routes from files and directories, as `serve --routes` reads them (e.g. a chart's `dist/`). */
  public static fromFiles(paths: string[], options: RouteTesterOptions = {}): RouteTester {
    return new RouteTester(loadDocuments(paths), options);
  }

  /** Routes from Kubernetes objects (plain JSON). */
  public static fromObjects(objects: readonly any[], source = '<objects>', options: RouteTesterOptions = {}): RouteTester {
    const docs: SourceDocument[] = objects.map((object, i) => ({ file: source, document: i + 1, object, lineOf: () => undefined }));
    return new RouteTester(docs, options);
  }

  /** The compiled table (the same structure `serve` routes by and `/config` shows). */
  public readonly table: CompiledTable;

  private names?: Set<string>;

  private constructor(docs: SourceDocument[], options: RouteTesterOptions) {
    const compileOptions: CompileOptions = options.backends ? { backends: parseBackendsMap(options.backends, '<backends>') } : {};
    this.table = compile(docs, compileOptions);
  }

  /**
   * Every backend name some rule of the table mentions (`NAME` and `NAMESPACE/NAME`), backendRefs and mirrors.
   */
  public get backendNames(): ReadonlySet<string> {
    if (this.names === undefined) {
      const names = new Set<string>();
      for (const g of this.table.gateways) {
        for (const p of g.ports) {
          for (const l of p.listeners) {
            for (const r of l.routes) {
              for (const rule of r.rules) {
                const refs = [...rule.backends, ...rule.filters.flatMap((f) => (f.type === 'RequestMirror' ? [f.backend] : []))];
                for (const b of refs) names.add(b.ref.name).add(`${b.ref.namespace}/${b.ref.name}`);
              }
            }
          }
        }
      }
      this.names = names;
    }
    return this.names;
  }

  /**
   * Throws unless some route mentions a backend named `name`, so that a typo fails the test instead of reading as
   * probability 0.
   */
  public checkBackendName(name: string): void {
    if (this.backendNames.has(name)) return;
    const known = [...this.backendNames].filter((n) => !n.includes('/')).sort();
    throw new Error(`no route mentions a backend named ${JSON.stringify(name)}; the routes mention ${known.map((n) => JSON.stringify(n)).join(', ') || 'no backends'} (check the name, or give NAMESPACE/NAME)`);
  }

  /** What the gateway does with a request to `url` (e.g. `http://tasks.example.com/api/v1/tasks?debug=true`). */
  public request(url: string, request: TestRequest = {}): RouteResult & { probabilityOf(backend: string): number } {
    const headers: [string, string][] = [];
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) headers.push([name.toLowerCase(), v]);
    }
    const probe = requestFromUrl(url, (request.method ?? 'GET').toUpperCase(), headers, '');
    const gateway = pickGateway(this.table, request.gateway ? [request.gateway] : [], probe.port);
    const result = explain(this.table, { ...probe, gateway });
    const live = result.status === 200 ? result.backends.filter((b) => b.probability > 0) : [];
    const backend = live.length === 1 && !live[0].invalid && live[0].probability === 1 ? live[0].name : undefined;
    return {
      ...result,
      ...(backend !== undefined ? { backend } : {}),
      probabilityOf: (name: string) => {
        this.checkBackendName(name);
        return result.status === 200 || result.status === 500
          ? result.backends.filter((b) => b.name === name || `${b.namespace}/${b.name}` === name).reduce((s, b) => s + b.probability, 0)
          : 0;
      },
    };
  }
}

export type { ExpectedRoute, RouteMatchers } from './matchers';
export { routeMatchers } from './matchers';
