// The README's feature table against what the gateway claims and what the library exports.
import * as fs from 'fs';
import * as path from 'path';
import * as lib from '../src';
import { SUPPORTED_FEATURES } from '../src/dataplane/controller/constants';

/** The features the gateway claims: the `supportedFeatures` its GatewayClass status reports (controller mode). */
const GATEWAY_CLAIMED_FEATURES: readonly string[] = SUPPORTED_FEATURES;

const REPO = path.join(__dirname, '..');

interface Row {
  readonly feature: string;
  readonly constructs: string;
  readonly api: string;
  readonly gateway: string;
}

/** The rows between the README's feature-table markers. */
function featureTable(): Row[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const match = /<!-- feature-table:begin -->\n([\s\S]*?)<!-- feature-table:end -->/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- feature-table:begin --> ... <!-- feature-table:end --> section');
  return match[1].trim().split('\n').slice(2).map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4) throw new Error(`README.md feature table: row ${JSON.stringify(line)} does not have 4 cells`);
    return { feature: cells[0], constructs: cells[1], api: cells[2], gateway: cells[3] };
  });
}

/** Every feature of the transcribed conformance cases: data-plane cases and status cases (run through the controller). */
function conformanceFeatures(): Set<string> {
  return new Set(['test/conformance/cases', 'test/conformance/status/cases'].flatMap((folder) => {
    const dir = path.join(REPO, folder);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
      .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).features ?? []);
  }));
}

describe('README feature table', () => {
  test('the gateway column says yes exactly for the features the gateway claims, and no for the others', () => {
    // GIVEN the table WHEN its gateway column is read THEN "yes" is the claimed list, every other row "no"
    const rows = featureTable();
    expect(rows.filter((r) => !['yes', 'no'].includes(r.gateway))).toStrictEqual([]);
    expect(rows.filter((r) => r.gateway === 'yes').map((r) => r.feature).sort()).toStrictEqual([...GATEWAY_CLAIMED_FEATURES].sort());
  });

  test('every feature the gateway claims is exercised by a transcribed conformance case', () => {
    // GIVEN the features of the conformance cases
    const covered = conformanceFeatures();
    // WHEN each claim is looked up THEN it has a case
    expect(GATEWAY_CLAIMED_FEATURES.filter((f) => !covered.has(f))).toStrictEqual([]);
  });

  test('each feature is listed once, and the standard-channel kinds are all there', () => {
    const features = featureTable().map((r) => r.feature);
    expect(features.filter((f, i) => features.indexOf(f) !== i)).toStrictEqual([]);
    for (const kind of ['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'ListenerSet', 'TLSRoute', 'BackendTLSPolicy', 'TCPRoute', 'UDPRoute']) {
      expect(features).toContain(kind);
    }
  });

  test('every construct the table names is exported by the library', () => {
    // GIVEN the backticked names of the API column that start with a capital or `l1.` (e.g. `Listener.tlsTerminate`)
    const named = featureTable().flatMap((r) => [...r.api.matchAll(/`((?:l1\.)?[A-Z]\w*(?:\.\w+)?)`/g)].map((m) => m[1]));
    // WHEN each is looked up on the library's exports
    const missing = named.filter((name) => name.split('.').reduce<any>((obj, key) => obj?.[key], lib) === undefined);
    // THEN none is missing
    expect(named.length).toBeGreaterThan(20);
    expect(missing).toStrictEqual([]);
  });

  test('a row that says the constructs support a feature names the API', () => {
    expect(featureTable().filter((r) => r.constructs === 'yes' && r.api === '').map((r) => r.feature)).toStrictEqual([]);
  });
});
