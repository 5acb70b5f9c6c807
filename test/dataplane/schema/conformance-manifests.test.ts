import * as fs from 'fs';
import * as path from 'path';
import { validateObject } from '../../../src/dataplane/schema';

// The upstream conformance suite's manifests (transcribed in test/conformance/cases) are applied to real
// clusters upstream: the API server accepts every one of them. The validator must too (no false positives),
// on the channel each test declares.
const CASES = path.join(__dirname, '../../conformance/cases');

function objectsOf(file: string): { channel: 'standard' | 'experimental'; objects: any[] } {
  const c = JSON.parse(fs.readFileSync(path.join(CASES, file), 'utf8').replace(/\{GATEWAY_CLASS_NAME\}/g, 'gateway-conformance'));
  return {
    channel: c.crdChannel === 'experimental' ? 'experimental' : 'standard',
    objects: [...(c.gateways ?? []), ...(c.routes ?? []), ...(c.referenceGrants ?? []), ...(c.otherResources ?? [])],
  };
}

const files = fs.readdirSync(CASES).filter((f) => f.endsWith('.json')).sort();

test('there are conformance manifests to check', () => {
  const total = files.reduce((n, f) => n + objectsOf(f).objects.length, 0);
  expect(files.length).toBeGreaterThanOrEqual(40);
  expect(total).toBeGreaterThanOrEqual(100);
});

test.each(files)('every object of the upstream conformance test %s is valid', (file) => {
  const { channel, objects } = objectsOf(file);
  const issues = objects.flatMap((o) => validateObject(o, { channel }).map((i) => `${i.object}: ${i.field}: ${i.message}`));
  expect(issues).toStrictEqual([]);
});

test('the retry test needs the experimental channel, and says so on the standard one', () => {
  const { channel, objects } = objectsOf('HTTPRouteRetry.json');
  expect(channel).toBe('experimental');
  const route = objects.find((o) => o.kind === 'HTTPRoute' && o.spec.rules.some((r: any) => r.retry));
  expect(validateObject(route).map((i) => i.message)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^field "retry" is only in the experimental channel/)]),
  );
});
