/**
 * Jest matchers over `RouteTester`:
 *
 * ```ts
 * import { RouteTester, routeMatchers } from 'cdk8s-gateway/lib/testing';
 * expect.extend(routeMatchers);
 * expect(routes).toRoute('http://localhost/api/v1/tasks/123', { to: 'task-api-read' });
 * expect(routes).toRoute('http://localhost/api/', { to: 'task-api-canary', probability: 0.1 });
 * ```
 *
 * For TypeScript, declare them once in the test setup:
 * `declare global { namespace jest { interface Matchers<R> extends RouteMatchers<R> {} } }`.
 */
import type { RouteTester, TestRequest } from './index';
import { ruleLabel } from '../model/rule-label';

/** What `toRoute` expects: the request and where it goes. */
export interface ExpectedRoute extends TestRequest {
  /** The backend (`NAME` or `NAMESPACE/NAME`) that answers; it must be a backend some route mentions. */
  readonly to: string;
  /**
   * The share of requests the backend gets (compared to 6 decimals).
   *
   * @default 1 - every such request
   */
  readonly probability?: number;
}

/** The matchers `routeMatchers` adds, for `jest.Matchers` augmentation. */
export interface RouteMatchers<R> {
  /** Passes when the request to `url` goes to the backend `expected.to` with `expected.probability` (default 1). */
  toRoute(url: string, expected: ExpectedRoute): R;
}

interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

/** `expect.extend(routeMatchers)` adds `toRoute`. */
export const routeMatchers = {
  /**
   * `expect(routes).toRoute(url, { to, probability })`: passes when `routes` sends the request to the backend `to`
   * with that probability (default 1); the message names the rule that matched and the split.
   */
  toRoute(received: RouteTester, url: string, expected: ExpectedRoute): MatcherResult {
    if (received === null || typeof received !== 'object' || typeof (received as any).request !== 'function') {
      throw new Error('toRoute: expect(...) must be given a RouteTester (e.g. RouteTester.fromChart(chart))');
    }
    received.checkBackendName(expected.to);
    const result = received.request(url, expected);
    const want = expected.probability ?? 1;
    const got = result.probabilityOf(expected.to);
    const pass = Math.abs(got - want) < 1e-6;
    const where = result.rule
      ? `${result.route?.kind} ${result.route?.namespace}/${result.route?.name} ${ruleLabel(result.rule.index, result.rule.name)}`
      : `no rule (${result.status}: ${result.reason})`;
    const split = result.backends.filter((b) => b.probability > 0).map((b) => `${b.name} ${(b.probability * 100).toFixed(1)}%`).join(', ') || 'no backend';
    return {
      pass,
      message: () => (pass
        ? `expected ${url} not to be routed to ${expected.to} with probability ${want}, but ${where} sends it there (${split})`
        : `expected ${url} to be routed to ${expected.to} with probability ${want}, got ${got} (${where}: ${split})`),
    };
  },
};
