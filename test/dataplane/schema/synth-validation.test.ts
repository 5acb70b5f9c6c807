import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { httpRoute } from './fixtures';
import * as l1 from '../../../src/imports/gateway.networking.k8s.io';
import { expectValidManifests, schemaIssues, withoutSchemaValidation, withSchemaChannel } from '../../util/schema';

function chartWithInvalidRoute(): Chart {
  const chart = Testing.chart();
  new l1.HttpRoute(chart, 'Route', {
    metadata: { name: 'bad' },
    spec: { rules: [{ matches: [{ path: { type: l1.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: 'api' } }], backendRefs: [{ name: 'svc', port: 80 }] }] },
  });
  return chart;
}

describe('every synthesized object is validated (test/setup/validate-synth.ts)', () => {
  test('fails Testing.synth of an invalid HTTPRoute, listing the issue', () => {
    // GIVEN a chart with a path that does not start with '/'
    const chart = chartWithInvalidRoute();
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(
      /chart test: 1 schema issue .*\n {2}HTTPRoute\/bad: spec\.rules\[0\]\.matches\[0\]\.path: violates the CRD rule: "value must be an absolute path and start with '\/'.*\nif the object is invalid on purpose, wrap the call in withoutSchemaValidation/,
    );
  });

  test('fails App.synthYaml and App.synth too', () => {
    // (App.synth writes its output before the check runs: keep it inside the repository's ignored .tmp/)
    const app = new App({ outdir: path.join(__dirname, '../../../.tmp/synth-validation') });
    const chart = new Chart(app, 'c');
    new l1.HttpRoute(chart, 'Route', { metadata: { name: 'Bad_Name' }, spec: {} });
    expect(() => app.synthYaml()).toThrow(/HTTPRoute\/Bad_Name: metadata\.name: invalid name "Bad_Name"/);
    expect(() => app.synth()).toThrow(/HTTPRoute\/Bad_Name: metadata\.name: invalid name "Bad_Name"/);
  });

  test('a valid chart synthesizes as before', () => {
    const chart = Testing.chart();
    new l1.HttpRoute(chart, 'Route', { metadata: { name: 'ok' }, spec: { parentRefs: [{ name: 'gw' }] } });
    expect(Testing.synth(chart)).toStrictEqual([
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'ok' }, spec: { parentRefs: [{ name: 'gw' }] } },
    ]);
  });

  test('withoutSchemaValidation lets an invalid object through, and only inside the callback', () => {
    const chart = chartWithInvalidRoute();
    const manifests = withoutSchemaValidation(() => Testing.synth(chart));
    expect(manifests[0].spec.rules[0].matches[0].path.value).toBe('api');
    expect(() => Testing.synth(chart)).toThrow(/schema issue/);
  });

  test('withoutSchemaValidation restores the check after an async callback', async () => {
    const chart = chartWithInvalidRoute();
    await withoutSchemaValidation(async () => {
      await Promise.resolve();
      expect(() => Testing.synth(chart)).not.toThrow();
    });
    expect(() => Testing.synth(chart)).toThrow(/schema issue/);
  });

  test('withSchemaChannel validates against the experimental channel', () => {
    const route = httpRoute();
    route.spec.rules[0].retry = { attempts: 2 };
    expect(() => expectValidManifests([route])).toThrow(/field "retry" is only in the experimental channel/);
    expect(() => withSchemaChannel('experimental', () => expectValidManifests([route]))).not.toThrow();
  });
});

describe('expectValidManifests', () => {
  test('passes valid manifests and ignores other API groups', () => {
    expect(() => expectValidManifests([httpRoute(), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }])).not.toThrow();
  });

  test('fails invalid manifests, listing every issue', () => {
    const route = httpRoute();
    route.spec.hostnames = ['*'];
    route.spec.rules[1].backendRefs[0].port = 0;
    expect(() => expectValidManifests([route])).toThrow(/manifests: 2 schema issues[\s\S]*spec\.hostnames\[0\]: invalid value "\*"[\s\S]*spec\.rules\[1\]\.backendRefs\[0\]\.port: out of range: 0 must be >= 1/);
    expect(schemaIssues([route]).map((i) => i.field)).toStrictEqual(['spec.hostnames[0]', 'spec.rules[1].backendRefs[0].port']);
  });
});
