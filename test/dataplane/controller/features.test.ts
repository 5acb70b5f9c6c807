/**
 * The features the GatewayClass claims in `supportedFeatures` are exactly those exercised by data-plane conformance
 * tests that pass in full (test/conformance/RESULTS.md, joined with the status cases' feature lists), and by the
 * status-only cases (no data-plane case) that pass through the controller (test/conformance/status/RESULTS.md):
 * nothing is claimed without a passing test, and no feature of a passing test is left unclaimed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SUPPORTED_FEATURES } from '../../../src/dataplane/controller/constants';
import { loadStatusSuite } from '../../conformance/status/cases';

const RESULTS = path.join(__dirname, '..', '..', 'conformance', 'RESULTS.md');
const STATUS_RESULTS = path.join(__dirname, '..', '..', 'conformance', 'status', 'RESULTS.md');

/** The status cases that passed through the controller (`| Case | n | n | passed |` rows). */
function statusPassed(): Set<string> {
  const text = fs.readFileSync(STATUS_RESULTS, 'utf8');
  return new Set([...text.matchAll(/^\| ([A-Za-z0-9]+) \| (\d+) \| \2 \| passed \|$/gm)].map((m) => m[1]));
}

/** `Test -> { cases, passed }` of the data-plane results table. */
function dataPlaneResults(): Map<string, { cases: number; passed: number }> {
  const text = fs.readFileSync(RESULTS, 'utf8');
  const table = text.slice(text.indexOf('<!-- conformance-results:begin -->'), text.indexOf('<!-- conformance-results:end -->'));
  const out = new Map<string, { cases: number; passed: number }>();
  for (const m of table.matchAll(/^\| ([A-Za-z0-9]+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$/gm)) out.set(m[1], { cases: Number(m[2]), passed: Number(m[3]) });
  return out;
}

describe('supportedFeatures', () => {
  test('GIVEN the data-plane results WHEN joined with the status cases\' features THEN the claimed features are exactly those of fully passing tests', () => {
    // GIVEN
    const results = dataPlaneResults();
    const suite = loadStatusSuite();

    // WHEN
    const fullyPassed = (name: string): boolean => results.has(name) && results.get(name)!.cases === results.get(name)!.passed;
    const passing = suite.cases.filter((c) => c.dataPlaneCase !== null && fullyPassed(c.name));
    const failing = suite.cases.filter((c) => c.dataPlaneCase !== null && !passing.includes(c));
    const statusOnly = suite.cases.filter((c) => c.dataPlaneCase === null && statusPassed().has(c.name));
    const proven = new Set([...passing, ...statusOnly].flatMap((c) => c.features));

    // THEN
    expect(results.size).toBeGreaterThan(0);
    expect([...SUPPORTED_FEATURES]).toStrictEqual([...proven].sort());
    expect(failing.map((c) => c.name)).toStrictEqual([]);
  });

  test('GIVEN the claimed list THEN it is sorted by name, as the API requires', () => {
    expect([...SUPPORTED_FEATURES]).toStrictEqual([...SUPPORTED_FEATURES].sort());
  });
});
