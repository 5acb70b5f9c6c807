/**
 * The Gateway API v1.6.1 conformance cases (cases/*.json, see INDEX.md) sent through the real gateway reading its
 * input from files: per case file, its echo backends, an input directory and a `cdk8s-gateway serve --routes` child
 * process. Files run concurrently (CONFORMANCE_CONCURRENCY, default 3), each with its own gateway. The environment
 * variables of a run are described in harness/suite.ts.
 */
import { defineConformanceSuite } from './harness/suite';

defineConformanceSuite({
  concurrency: 3,
  report: 'conformance-results.md',
  run: { testFile: 'test/conformance/conformance.test.ts', input: 'its input from files' },
  writesCommittedResults: true,
});
