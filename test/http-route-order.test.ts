import { Testing } from 'cdk8s';
import {
  Annotations, BackendRef, Gateway, HeaderMatch, HttpMethod, HttpRoute, HttpRouteMatchProps, HttpRouteRuleProps, Listener,
  ParentRef, PathMatch, QueryParamMatch,
} from '../src';

function setup() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'http' })] });
  return { chart, gateway };
}

/** A rule named `name` that sends its matches to a backend named `name`. */
function rule(name: string, ...matches: HttpRouteMatchProps[]): HttpRouteRuleProps {
  return { name, matches, backendRefs: [BackendRef.fromName(name, { port: 80 })] };
}

function emittedNames(rules: HttpRouteRuleProps[]): string[] {
  const { chart, gateway } = setup();
  new HttpRoute(chart, 'route', { metadata: { name: 'r' }, parentRefs: [ParentRef.fromGateway(gateway)], rules });
  return Testing.synth(chart).find((o) => o.kind === 'HTTPRoute').spec.rules.map((r: any) => r.name);
}

function synthRoute(rules: HttpRouteRuleProps[]) {
  const { chart, gateway } = setup();
  new HttpRoute(chart, 'route', { metadata: { name: 'r' }, parentRefs: [ParentRef.fromGateway(gateway)], rules });
  return () => Testing.synth(chart);
}

const prefix = (p: string) => PathMatch.pathPrefix(p);

describe('rule order', () => {
  test('an Exact path comes before a PathPrefix', () => {
    expect(emittedNames([rule('prefix', { path: prefix('/a') }), rule('exact', { path: PathMatch.exact('/a') })])).toStrictEqual(['exact', 'prefix']);
  });

  test('a RegularExpression path comes after Exact and before PathPrefix', () => {
    expect(emittedNames([
      rule('prefix', { path: prefix('/users/admin') }),
      rule('regex', { path: PathMatch.regularExpression('/users/[0-9]+') }),
      rule('exact', { path: PathMatch.exact('/users/me') }),
    ])).toStrictEqual(['exact', 'regex', 'prefix']);
  });

  test('a longer PathPrefix comes before a shorter one', () => {
    expect(emittedNames([
      rule('root', { path: prefix('/') }),
      rule('api', { path: prefix('/api') }),
      rule('api-v1', { path: prefix('/api/v1') }),
    ])).toStrictEqual(['api-v1', 'api', 'root']);
  });

  test('with equal paths, a method match comes first', () => {
    expect(emittedNames([rule('any', { path: prefix('/a') }), rule('get', { path: prefix('/a'), method: HttpMethod.GET })])).toStrictEqual(['get', 'any']);
  });

  test('then more header matches come first', () => {
    expect(emittedNames([
      rule('one', { path: prefix('/a'), headers: [HeaderMatch.exact('x-a', '1')] }),
      rule('two', { path: prefix('/a'), headers: [HeaderMatch.exact('x-a', '1'), HeaderMatch.exact('x-b', '1')] }),
      rule('none', { path: prefix('/a') }),
    ])).toStrictEqual(['two', 'one', 'none']);
  });

  test('then more query parameter matches come first', () => {
    expect(emittedNames([
      rule('none', { path: prefix('/a') }),
      rule('one', { path: prefix('/a'), queryParams: [QueryParamMatch.exact('v', '1')] }),
    ])).toStrictEqual(['one', 'none']);
  });

  test('a method outranks headers, and headers outrank query parameters', () => {
    expect(emittedNames([
      rule('query', { path: prefix('/a'), queryParams: [QueryParamMatch.exact('q1', '1'), QueryParamMatch.exact('q2', '1')] }),
      rule('header', { path: prefix('/a'), headers: [HeaderMatch.exact('x', '1')] }),
      rule('method', { path: prefix('/a'), method: HttpMethod.PUT }),
    ])).toStrictEqual(['method', 'header', 'query']);
  });

  test('ties keep the author order', () => {
    expect(emittedNames([
      rule('b', { path: prefix('/x'), headers: [HeaderMatch.exact('v', '1')] }),
      rule('a', { path: prefix('/y'), headers: [HeaderMatch.exact('v', '1')] }),
      rule('c', { path: prefix('/x'), headers: [HeaderMatch.exact('w', '1')] }),
    ])).toStrictEqual(['b', 'a', 'c']);
  });

  test('a rule sorts by its most specific match', () => {
    expect(emittedNames([
      rule('prefix', { path: prefix('/docs') }),
      rule('mixed', { path: PathMatch.exact('/healthz') }, { path: prefix('/status') }),
    ])).toStrictEqual(['mixed', 'prefix']);
  });

  test('a rule with a less specific match that overlaps a more specific match of another rule is placed after it', () => {
    // "mixed" holds an Exact match (most specific) and PathPrefix "/". Sorting by most specific match alone would put
    // it first, and a first-match gateway would send /b/x to it; the spec sends /b/x to "b" (longer prefix).
    expect(emittedNames([
      rule('mixed', { path: PathMatch.exact('/a') }, { path: prefix('/') }),
      rule('b', { path: prefix('/b') }),
    ])).toStrictEqual(['b', 'mixed']);
  });

  test('fails when no order routes like the spec under first-match', () => {
    const synth = synthRoute([
      rule('mixed', { path: PathMatch.exact('/b/x') }, { path: prefix('/') }),
      rule('b', { path: prefix('/b') }),
    ]);
    expect(synth).toThrow(/test\/route: rule "mixed" and rule "b" cannot be ordered so that a first-match gateway selects the same rule as the spec: rule "mixed" match 1 \(exact path "\/b\/x"\) takes precedence over rule "b" match 1 \(path prefix "\/b"\), but rule "b" match 1 \(path prefix "\/b"\) takes precedence over rule "mixed" match 2 \(path prefix "\/"\); move the less specific match into a rule of its own/);
  });

  test('warns when the order depends on whether regular expressions overlap', () => {
    const { chart, gateway } = setup();
    const route = new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [
        rule('mixed', { path: PathMatch.regularExpression('/img/.*') }, { path: prefix('/') }),
        rule('b', { path: prefix('/b') }),
      ],
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const names = Testing.synth(chart).find((o) => o.kind === 'HTTPRoute').spec.rules.map((r: any) => r.name);
      expect(names).toStrictEqual(['b', 'mixed']);
      expect(Annotations.of(route).warnings).toStrictEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  test('warns when a regular expression overlap would decide between two orders', () => {
    const { chart, gateway } = setup();
    const route = new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [
        rule('mixed', { path: PathMatch.regularExpression('/b/[a-z]+') }, { path: prefix('/') }),
        rule('b', { path: prefix('/b') }),
      ],
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const names = Testing.synth(chart).find((o) => o.kind === 'HTTPRoute').spec.rules.map((r: any) => r.name);
      expect(names).toStrictEqual(['b', 'mixed']);
      expect(Annotations.of(route).warnings).toStrictEqual([expect.stringMatching(/test\/route: rule "mixed", rule "b" may be selected differently by a first-match gateway than the spec says .*the regular expressions involved may or may not overlap/)]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('unreachable matches in one route', () => {
  test('fails when two rules have the same match, naming both', () => {
    expect(synthRoute([rule('a', { path: prefix('/api') }), rule('b', { path: prefix('/api') })]))
      .toThrow(/test\/route: rule "b" match 1 \(path prefix "\/api"\) can never be selected: it is the same match as rule "a" match 1; remove it or make it more specific/);
  });

  test('fails when a rule repeats a match', () => {
    expect(synthRoute([rule('a', { path: PathMatch.exact('/x') }, { path: PathMatch.exact('/x') })]))
      .toThrow(/rule "a" match 2 \(exact path "\/x"\) repeats rule "a" match 1; remove one of them/);
  });

  test('header names are compared ignoring case; the order of header matches does not matter', () => {
    expect(synthRoute([
      rule('a', { path: prefix('/'), headers: [HeaderMatch.exact('X-A', '1'), HeaderMatch.exact('x-b', '2')] }),
      rule('b', { path: prefix('/'), headers: [HeaderMatch.exact('x-b', '2'), HeaderMatch.exact('x-a', '1')] }),
    ])).toThrow(/rule "b" match 1 .* can never be selected: it is the same match as rule "a" match 1/);
  });

  test('a rule without matches is the same as PathPrefix "/"', () => {
    expect(synthRoute([{ name: 'all', backendRefs: [BackendRef.fromName('a', { port: 80 })] }, rule('root', { path: prefix('/') })]))
      .toThrow(/rule "root" match 1 \(path prefix "\/"\) can never be selected: it is the same match as rule "all" match 1/);
  });

  test('fails when a match is fully covered by a match that wins: a trailing slash makes the prefix longer', () => {
    expect(synthRoute([rule('short', { path: prefix('/abc') }), rule('long', { path: prefix('/abc/') })]))
      .toThrow(/rule "short" match 1 \(path prefix "\/abc"\) can never be selected: every request it matches is taken by rule "long" match 1 \(path prefix "\/abc\/"\)/);
  });

  test('fails when an earlier rule with an equally specific regular expression covers an exact header value', () => {
    expect(synthRoute([
      rule('any-v', { path: prefix('/'), headers: [HeaderMatch.regularExpression('x-version', 'v[0-9]+')] }),
      rule('v1', { path: prefix('/'), headers: [HeaderMatch.exact('x-version', 'v1')] }),
    ])).toThrow(/rule "v1" match 1 \(path prefix "\/", header x-version = "v1"\) can never be selected: every request it matches is taken by rule "any-v" match 1 \(path prefix "\/", header x-version ~ "v\[0-9\]\+"\)/);
  });

  test('an exact header value before a covering regular expression is fine', () => {
    expect(emittedNames([
      rule('v1', { path: prefix('/'), headers: [HeaderMatch.exact('x-version', 'v1')] }),
      rule('any-v', { path: prefix('/'), headers: [HeaderMatch.regularExpression('x-version', 'v[0-9]+')] }),
    ])).toStrictEqual(['v1', 'any-v']);
  });

  test.each([
    ['methods', { path: prefix('/a'), method: HttpMethod.GET }, { path: prefix('/a'), method: HttpMethod.POST }],
    ['header values', { path: prefix('/a'), headers: [HeaderMatch.exact('x', '1')] }, { path: prefix('/a'), headers: [HeaderMatch.exact('x', '2')] }],
    ['header names', { path: prefix('/a'), headers: [HeaderMatch.exact('x', '1')] }, { path: prefix('/a'), headers: [HeaderMatch.exact('y', '1')] }],
    ['query values', { path: prefix('/a'), queryParams: [QueryParamMatch.exact('q', '1')] }, { path: prefix('/a'), queryParams: [QueryParamMatch.exact('q', '2')] }],
    ['query name case', { path: prefix('/a'), queryParams: [QueryParamMatch.exact('q', '1')] }, { path: prefix('/a'), queryParams: [QueryParamMatch.exact('Q', '1')] }],
    ['header match types', { path: prefix('/a'), headers: [HeaderMatch.exact('x', 'a.c')] }, { path: prefix('/a'), headers: [HeaderMatch.regularExpression('x', 'a.c')] }],
    ['path types', { path: PathMatch.exact('/a') }, { path: prefix('/a') }],
    ['prefixes that share characters but not elements', { path: prefix('/api') }, { path: prefix('/apiv2') }],
  ])('matches that differ in %s are not duplicates', (_, a, b) => {
    expect(emittedNames([rule('a', a as HttpRouteMatchProps), rule('b', b as HttpRouteMatchProps)]).sort()).toStrictEqual(['a', 'b']);
  });

  test('a more general match after a more specific one is reachable', () => {
    expect(emittedNames([rule('api', { path: prefix('/api') }), rule('root', { path: prefix('/') })])).toStrictEqual(['api', 'root']);
  });
});

describe('unreachable matches across routes', () => {
  interface Attachment {
    readonly hostnames?: string[];
    readonly sectionName?: string;
  }

  function twoRoutes(a: Attachment, b: Attachment, matchA: HttpRouteMatchProps, matchB: HttpRouteMatchProps) {
    const { chart, gateway } = setup();
    gateway.addListener(Listener.http({ name: 'alt', port: 8080 }));
    new HttpRoute(chart, 'first', { metadata: { name: 'first' }, hostnames: a.hostnames, parentRefs: [ParentRef.fromGateway(gateway, { sectionName: a.sectionName })], rules: [rule('one', matchA)] });
    new HttpRoute(chart, 'second', { metadata: { name: 'second' }, hostnames: b.hostnames, parentRefs: [ParentRef.fromGateway(gateway, { sectionName: b.sectionName })], rules: [rule('two', matchB)] });
    return () => Testing.synth(chart);
  }

  test('fails when two routes on the same gateway and hostname have the same match, naming both', () => {
    expect(twoRoutes({ hostnames: ['a.example.com'] }, { hostnames: ['b.example.com', 'a.example.com'] }, { path: prefix('/api') }, { path: prefix('/api') }))
      .toThrow(/test\/second: rule "two" match 1 \(path prefix "\/api"\) can never be selected on listener "http" of gateway "test\/gw" hostname "a.example.com": it is the same match as test\/first rule "one" match 1, and a tie goes to the older route, then to the first by namespace\/name \("first" before "second"\); remove one of them or attach the routes to different hostnames/);
  });

  test('fails naming the route that loses the tie by name, not the route added later', () => {
    // GIVEN two routes with the same match, the one added later first by namespace/name
    const { chart, gateway } = setup();
    new HttpRoute(chart, 'zeta', { metadata: { name: 'zeta' }, parentRefs: [ParentRef.fromGateway(gateway)], rules: [rule('z', { path: prefix('/api') })] });
    new HttpRoute(chart, 'alpha', { metadata: { name: 'alpha' }, parentRefs: [ParentRef.fromGateway(gateway)], rules: [rule('a', { path: prefix('/api') })] });
    // WHEN synthesized THEN the error is on zeta (routes applied together tie on creation time; "alpha" < "zeta")
    expect(() => Testing.synth(chart)).toThrow(/\[test\/zeta\] test\/zeta: rule "z" match 1 \(path prefix "\/api"\) can never be selected on listener "http" of gateway "test\/gw" \(any hostname\): it is the same match as test\/alpha rule "a" match 1, and a tie goes to the older route, then to the first by namespace\/name \("alpha" before "zeta"\)/);
    expect(() => Testing.synth(chart)).not.toThrow(/\[test\/alpha\]/);
  });

  test('fails when a match of another route always wins', () => {
    expect(twoRoutes({}, {}, { path: prefix('/api/') }, { path: prefix('/api') }))
      .toThrow(/test\/second: rule "two" match 1 \(path prefix "\/api"\) can never be selected on listener "http" of gateway "test\/gw" \(any hostname\): every request it matches is taken by test\/first rule "one" match 1 \(path prefix "\/api\/"\)/);
  });

  test('a route on every listener and a route on one listener share that listener', () => {
    expect(twoRoutes({}, { sectionName: 'http' }, { path: prefix('/api') }, { path: prefix('/api') }))
      .toThrow(/test\/second: rule "two" match 1 \(path prefix "\/api"\) can never be selected on listener "http" of gateway "test\/gw" \(any hostname\)/);
  });

  test('routes on a gateway outside the app are compared by parentRef', () => {
    const { chart } = setup();
    const parent = () => ParentRef.named('shared', { namespace: 'infra', sectionName: 'https' });
    new HttpRoute(chart, 'first', { metadata: { name: 'first' }, parentRefs: [parent()], rules: [rule('one', { path: prefix('/api') })] });
    new HttpRoute(chart, 'second', { metadata: { name: 'second' }, parentRefs: [parent()], rules: [rule('two', { path: prefix('/api') })] });
    expect(() => Testing.synth(chart)).toThrow(/test\/second: rule "two" match 1 \(path prefix "\/api"\) can never be selected on parent "infra\/shared" listener "https" \(any hostname\): it is the same match as test\/first rule "one" match 1/);
  });

  test('routes with different hostnames may use the same match', () => {
    const synth = twoRoutes({ hostnames: ['a.example.com'] }, { hostnames: ['b.example.com'] }, { path: prefix('/api') }, { path: prefix('/api') });
    expect(synth().filter((o: any) => o.kind === 'HTTPRoute').length).toBe(2);
  });

  test('a route with a hostname and a route without hostnames may use the same match (the hostname wins)', () => {
    const synth = twoRoutes({ hostnames: ['a.example.com'] }, {}, { path: prefix('/api') }, { path: prefix('/api') });
    expect(synth().filter((o: any) => o.kind === 'HTTPRoute').length).toBe(2);
  });

  test('routes on different listeners may use the same match', () => {
    const synth = twoRoutes({ sectionName: 'http' }, { sectionName: 'alt' }, { path: prefix('/api') }, { path: prefix('/api') });
    expect(synth().filter((o: any) => o.kind === 'HTTPRoute').length).toBe(2);
  });

  test('an equally specific covering match in another route is not an error (the older route wins, unknown at synth)', () => {
    const synth = twoRoutes({}, {}, { path: prefix('/'), headers: [HeaderMatch.regularExpression('x', 'v.*')] }, { path: prefix('/'), headers: [HeaderMatch.exact('x', 'v1')] });
    expect(synth().filter((o: any) => o.kind === 'HTTPRoute').length).toBe(2);
  });
});
