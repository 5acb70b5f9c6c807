import { Testing } from 'cdk8s';
import { BackendRef, Gateway, HttpRoute, Listener, ParentRef, PathMatch } from '../src';

// The app-wide checks read a cached view of the construct tree; these tests make sure a change made after a
// validation is seen by the next one.
function setup() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'Gateway', { gatewayClassName: 'x', listeners: [Listener.http({ name: 'http' })] });
  const route = (id: string, hostname: string) => new HttpRoute(chart, id, {
    parentRefs: [ParentRef.fromGateway(gateway)],
    hostnames: [hostname],
    rules: [{ matches: [{ path: PathMatch.exact('/api') }], backendRefs: [BackendRef.fromName(id.toLowerCase(), { port: 80 })] }],
  });
  return { chart, route };
}

const duplicate = /can never be selected on listener "http" of gateway "test\/Gateway" hostname "b.example.com": it is the same match as test\/A/;

test('a route added after a validation is compared with the others', () => {
  // GIVEN
  const { chart, route } = setup();
  route('A', 'b.example.com');
  expect(chart.node.findAll().flatMap((c) => c.node.validate())).toStrictEqual([]);
  // WHEN
  const b = route('B', 'b.example.com');
  // THEN
  expect(b.node.validate()).toStrictEqual([expect.stringMatching(duplicate)]);
});

test('a hostname added after a validation is seen by the next one', () => {
  // GIVEN
  const { chart, route } = setup();
  route('A', 'b.example.com');
  const b = route('B', 'c.example.com');
  expect(chart.node.findAll().flatMap((c) => c.node.validate())).toStrictEqual([]);
  // WHEN
  b.addHostname('b.example.com');
  // THEN
  expect(b.node.validate()).toStrictEqual([expect.stringMatching(duplicate)]);
});
