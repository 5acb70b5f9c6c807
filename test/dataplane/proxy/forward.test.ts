/**
 * The forwarder's choice of endpoints: every attempt asks the EndpointChoice, telling it the ones tried.
 */
import { Backend, startBackend } from './helpers';
import { EndpointChoice, KeyedEndpoint, keyed } from '../../../src/dataplane/endpoints/choice';
import { UpstreamError } from '../../../src/dataplane/proxy/errors';
import { ForwardPlan, forward } from '../../../src/dataplane/proxy/forward';
import { UpstreamPools } from '../../../src/dataplane/proxy/upstream';

describe('forward', () => {
  let failing: Backend;
  let pools: UpstreamPools;

  beforeAll(async () => {
    failing = await startBackend('failing', (_req, res) => {
      res.writeHead(503, { 'content-length': '0' });
      res.end();
      return true;
    });
  });

  afterAll(async () => {
    pools?.close();
    await failing?.close();
  });

  /** A choice that hands out `endpoints` one per call and records what each call was told. */
  function scripted(endpoints: (KeyedEndpoint | undefined)[], told: string[][]): EndpointChoice {
    return {
      next: (tried) => {
        told.push([...tried]);
        return endpoints.shift();
      },
    };
  }

  const plan = (endpoints: EndpointChoice): ForwardPlan => ({
    endpoints,
    protocol: 'http1',
    method: 'GET',
    path: '/',
    authority: 'example.com',
    headers: new Map(),
    body: undefined,
    retry: { codes: [503], attempts: 2 },
  });

  test('fails with no-ready-endpoints when the endpoints are gone by the time of a retry', async () => {
    // GIVEN a choice with one endpoint (answering 503, which the plan retries) and nothing after it
    pools = new UpstreamPools();
    const told: string[][] = [];
    const ep = keyed({ host: '127.0.0.1', port: failing.port });
    // WHEN the request is forwarded
    const outcome = forward(pools, plan(scripted([ep, undefined], told)), new AbortController().signal);
    // THEN it fails with the kind the catalog answers 503 for, after telling the choice what was tried
    await expect(outcome).rejects.toBeInstanceOf(UpstreamError);
    await expect(outcome).rejects.toMatchObject({ kind: 'no-ready-endpoints' });
    expect(told).toEqual([[], [ep.key]]);
    expect(failing.seen.length).toBe(1);
  });
});
