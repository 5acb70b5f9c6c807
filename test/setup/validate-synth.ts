/**
 * Jest setup (setupFilesAfterEnv): every object synthesized anywhere in the suite (`Testing.synth`,
 * `App.synth`, `App.synthYaml`, `chart.toJson()`: all go through Chart.prototype.toJson) is validated against the vendored Gateway API v1.6.1 CRDs (openAPIV3Schema
 * with unknown fields as errors, and every x-kubernetes-validations CEL rule), as
 * `kubectl apply --dry-run=server` would. A synthesized object that the API server would reject makes the
 * synth call throw, listing the issues, so the test fails where it synthesized.
 *
 * To synthesize an invalid object on purpose (e.g. to test the constructs' own validation or the runtime's
 * handling of bad input), wrap the call:
 *
 *   import { withoutSchemaValidation } from '../util/schema';
 *   const manifests = withoutSchemaValidation(() => Testing.synth(chart));
 *
 * Objects that use experimental-channel fields: `withSchemaChannel('experimental', () => Testing.synth(chart))`.
 */
import * as path from 'path';
import { useParsedCrdCache } from '../../src/dataplane/schema/crds';
import { installSynthValidation } from '../util/schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('@marcbachmann/cel-js', () => (require('./cel-js-commonjs') as typeof import('./cel-js-commonjs')).loadCelJsAsCommonJs());

// Every test file starts with fresh modules: keep the parsed CRDs as JSON (inside the repository) between them.
useParsedCrdCache(path.join(__dirname, '../../node_modules/.cache/cdk8s-gateway/crds'));

installSynthValidation();
