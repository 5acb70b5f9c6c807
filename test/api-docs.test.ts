/**
 * API.md documents the testing module too: scripts/testing-api.ts appends its reference after jsii-docgen's output
 * (jsii documents only the jsii API, and src/testing/ is TypeScript/JavaScript only).
 */
import * as fs from 'fs';
import * as path from 'path';
import { testingReference, withTestingReference } from '../scripts/testing-api';

const API_MD = path.join(__dirname, '..', 'API.md');

describe('the testing reference in API.md', () => {
  test('is the one the source gives now (regenerate with npx projen docgen)', () => {
    // GIVEN the committed API.md
    const committed = fs.readFileSync(API_MD, 'utf8');
    // WHEN the testing section is written again from src/testing/
    // THEN nothing changes
    expect(withTestingReference(committed)).toBe(committed);
  });

  test('lists every export of the testing module with its members', () => {
    // GIVEN the section
    const section = testingReference();
    // THEN each export of src/testing/index.ts has a heading, and RouteTester's factories and request are there
    for (const name of ['RouteTester', 'RouteTesterOptions', 'TestRequest', 'RouteResult', 'RoutedBackend', 'ExpectedRoute', 'RouteMatchers', 'routeMatchers']) {
      expect(section).toContain(`### ${name} <a name="testing.${name}"`);
    }
    for (const member of ['fromChart(chart: Chart', 'fromYaml(text: string', 'request(url: string', 'checkBackendName(name: string)', 'toRoute(url: string, expected: ExpectedRoute)']) {
      expect(section).toContain(member);
    }
  });

  test('is written once, after the jsii reference, with a pointer at the top', () => {
    const once = withTestingReference(fs.readFileSync(API_MD, 'utf8'));
    const twice = withTestingReference(once);
    expect(twice).toBe(once);
    expect(once.split('## Testing <a name="Testing"').length).toBe(2);
    expect(once.indexOf('- [Testing](#testing)')).toBeLessThan(once.indexOf('## Constructs'));
    expect(once.indexOf('## Testing')).toBeGreaterThan(once.indexOf('## Enums'));
  });
});
