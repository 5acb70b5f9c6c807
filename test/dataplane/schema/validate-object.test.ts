import { backendTlsPolicy, gateway, gatewayClass, grpcRoute, httpRoute, referenceGrant } from './fixtures';
import { validateObject, type ValidationIssue } from '../../../src/dataplane/schema';

/** The single issue at `field`, failing with the full list when there is not exactly one. */
function issueAt(issues: ValidationIssue[], field: string): ValidationIssue {
  const at = issues.filter((i) => i.field === field);
  if (at.length !== 1) throw new Error(`expected one issue at ${field}, got:\n${issues.map((i) => `${i.field}: ${i.message}`).join('\n')}`);
  return at[0];
}

describe('valid objects pass', () => {
  test.each([
    ['Gateway', gateway],
    ['GatewayClass', gatewayClass],
    ['HTTPRoute', httpRoute],
    ['GRPCRoute', grpcRoute],
    ['ReferenceGrant', referenceGrant],
    ['BackendTLSPolicy', backendTlsPolicy],
  ])('a valid %s has no issues', (_kind, make) => {
    // GIVEN a valid object WHEN validated THEN no issues
    expect(validateObject(make())).toStrictEqual([]);
  });

  test('a minimal HTTPRoute passes because the defaults fill path type and value, group and kind', () => {
    // GIVEN a backendRef without group/kind and a match without a path type
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: { rules: [{ matches: [{ path: { value: '/x' } }], backendRefs: [{ name: 's', port: 80 }] }] },
    };
    // WHEN / THEN
    expect(validateObject(route)).toStrictEqual([]);
  });

  test('validation does not change the object', () => {
    const route = httpRoute();
    const before = JSON.stringify(route);
    validateObject(route);
    expect(JSON.stringify(route)).toBe(before);
  });

  test('the v1beta1 versions of HTTPRoute and Gateway are still served', () => {
    expect(validateObject({ ...httpRoute(), apiVersion: 'gateway.networking.k8s.io/v1beta1' })).toStrictEqual([]);
    expect(validateObject({ ...gateway(), apiVersion: 'gateway.networking.k8s.io/v1beta1' })).toStrictEqual([]);
  });

  test('an HTTPS listener without tls is accepted: no v1.6.1 rule requires it', () => {
    const gw = gateway();
    delete gw.spec.listeners[1].tls;
    expect(validateObject(gw)).toStrictEqual([]);
  });

  test('objects of other API groups are ignored', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'Not_Valid' }, spec: { bogus: true } })).toStrictEqual([]);
    expect(validateObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).toStrictEqual([]);
  });

  test('status is not validated (it is reset on create)', () => {
    expect(validateObject({ ...httpRoute(), status: { parents: 'not a list' } })).toStrictEqual([]);
  });
});

describe('schema', () => {
  test('fails on an unknown field, naming it and the allowed fields', () => {
    const route = httpRoute();
    route.spec.rules[0].matchs = [];
    const issue = issueAt(validateObject(route), 'spec.rules[0].matchs');
    expect(issue.message).toMatch(/^unknown field "matchs": .*remove it or fix its spelling \(fields allowed here: backendRefs, filters, matches, name, timeouts\)$/);
  });

  test('fails on a wrong type', () => {
    const route = httpRoute();
    route.spec.rules[1].backendRefs[0].port = '80';
    expect(issueAt(validateObject(route), 'spec.rules[1].backendRefs[0].port').message).toMatch(/^must be of type integer, got string "80"$/);
  });

  test('fails on more than 16 rules (maxItems)', () => {
    const route = httpRoute();
    route.spec.rules = Array.from({ length: 17 }, (_, i) => ({ matches: [{ path: { type: 'Exact', value: `/p${i}` } }], backendRefs: [{ name: 'web', port: 80 }] }));
    expect(issueAt(validateObject(route), 'spec.rules').message).toMatch(/^too many items: must have at most 16 \(it has 17\)/);
  });

  test('16 rules are fine', () => {
    const route = httpRoute();
    route.spec.rules = Array.from({ length: 16 }, (_, i) => ({ matches: [{ path: { type: 'Exact', value: `/p${i}` } }], backendRefs: [{ name: 'web', port: 80 }] }));
    expect(validateObject(route)).toStrictEqual([]);
  });

  test('fails on an out-of-range port', () => {
    const route = httpRoute();
    route.spec.rules[1].backendRefs[0].port = 70000;
    expect(issueAt(validateObject(route), 'spec.rules[1].backendRefs[0].port').message).toMatch(/^out of range: 70000 must be <= 65535$/);
  });

  test('fails on an unsupported enum value', () => {
    const route = httpRoute();
    route.spec.rules[0].matches[0].path.type = 'Prefix';
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].path.type').message).toMatch(/^unsupported value "Prefix": must be one of "Exact", "PathPrefix", "RegularExpression"$/);
  });

  test('fails on a missing required field', () => {
    const route = httpRoute();
    delete route.spec.parentRefs[0].name;
    expect(issueAt(validateObject(route), 'spec.parentRefs[0].name').message).toMatch(/^required field "name" is missing: add it$/);
  });

  test('fails on a hostname with a wildcard in the wrong place (pattern)', () => {
    const route = httpRoute();
    route.spec.hostnames = ['www.*.example.com'];
    expect(issueAt(validateObject(route), 'spec.hostnames[0]').message).toMatch(/^invalid value "www\.\*\.example\.com": must be a lowercase hostname, optionally with a leading "\*\." wildcard label .*"\*" may only be the whole first label\) \(regular expression \^\(\\\*\\\.\)\?/);
  });

  test('fails on a pattern without an explanation, quoting the regular expression', () => {
    const route = httpRoute();
    route.spec.rules[0].filters = [{ type: 'CORS', cors: { allowOrigins: ['ftp://example.com'] } }];
    expect(issueAt(validateObject(route), 'spec.rules[0].filters[0].cors.allowOrigins[0]').message).toBe(
      'invalid value "ftp://example.com": must match the regular expression (^\\*$)|(^(http(s)?):\\/\\/(((\\*\\.)?([a-zA-Z0-9\\-]+\\.)*[a-zA-Z0-9-]+|\\*)(:([0-9]{1,5}))?)$)',
    );
  });

  test('fails on a bad header name, saying what a header name is', () => {
    const route = httpRoute();
    route.spec.rules[0].matches[0].headers[0].name = 'x version';
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].headers[0].name').message).toMatch(/^invalid value "x version": must be an HTTP header name token/);
  });

  test('fails on a duplicate listener name (list-map keys)', () => {
    const gw = gateway();
    gw.spec.listeners[1].name = 'http';
    const issues = validateObject(gw);
    expect(issueAt(issues, 'spec.listeners[1]').message).toMatch(/^duplicate value: name="http" is already at index 0; entries must have unique name$/);
    // and the CEL rule that says the same thing
    expect(issueAt(issues, 'spec.listeners').message).toMatch(/Listener name must be unique within the Gateway/);
  });

  test('fails on an IPAddress address that is not an IP (oneOf with formats)', () => {
    const gw = gateway();
    gw.spec.addresses = [{ type: 'IPAddress', value: '10.0.0.300' }];
    expect(issueAt(validateObject(gw), 'spec.addresses[0]').message).toBe(
      'must match exactly one of the allowed forms, but (value: invalid value "10.0.0.300": must be a valid IPv4 address or IPv6 address) or (type: invalid value "IPAddress": must not be "IPAddress")',
    );
    gw.spec.addresses = [{ type: 'IPAddress', value: '10.0.0.3' }, { value: '2001:db8::1' }];
    expect(validateObject(gw)).toStrictEqual([]);
  });
});

describe('when the rules run', () => {
  test('after a type, enum, required or size error no rule is checked, and the API server says so', () => {
    // GIVEN a wrong type and a path that breaks a CEL rule
    const route = httpRoute();
    route.spec.rules[1].backendRefs[0].weight = 'heavy';
    route.spec.rules[0].matches[0].path.value = 'api';
    // WHEN
    const issues = validateObject(route);
    // THEN only the type error, and the note
    expect(issues.map((i) => `${i.field}: ${i.message}`)).toStrictEqual([
      'spec.rules[1].backendRefs[0].weight: must be of type integer, got string "heavy"',
      ': some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('after a pattern or range error the rules still run', () => {
    const route = httpRoute();
    route.spec.rules[1].backendRefs[0].weight = -1;
    route.spec.rules[0].matches[0].path.value = 'api';
    expect(validateObject(route).map((i) => i.field)).toStrictEqual(['spec.rules[1].backendRefs[0].weight', 'spec.rules[0].matches[0].path']);
  });
});

describe('HTTPRoute CEL rules', () => {
  test('fails on RequestRedirect and URLRewrite together', () => {
    const route = httpRoute();
    route.spec.rules[1] = {
      filters: [
        { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
        { type: 'URLRewrite', urlRewrite: { hostname: 'internal.example.com' } },
      ],
    };
    const issue = issueAt(validateObject(route), 'spec.rules[1].filters');
    expect(issue.message).toMatch(/^violates the CRD rule: "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both"$/);
    expect(issue.rule).toBe("!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))");
  });

  test('fails on ReplacePrefixMatch without a PathPrefix match', () => {
    const route = httpRoute();
    route.spec.rules[1] = {
      matches: [{ path: { type: 'Exact', value: '/old' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }],
      backendRefs: [{ name: 'web', port: 80 }],
    };
    expect(issueAt(validateObject(route), 'spec.rules[1]').message).toMatch(/violates the CRD rule: "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"/);
  });

  test('fails on a path value that does not start with "/"', () => {
    const route = httpRoute();
    route.spec.rules[0].matches[0].path.value = 'api';
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].path').message).toMatch(/violates the CRD rule: "value must be an absolute path and start with '\/' when type one of \['Exact', 'PathPrefix'\]"/);
  });

  test('fails on a path value with "//"', () => {
    const route = httpRoute();
    route.spec.rules[0].matches[0].path.value = '/a//b';
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].path').message).toMatch(/must not contain '\/\/'/);
  });

  test('fails on a Service backendRef without a port', () => {
    const route = httpRoute();
    delete route.spec.rules[1].backendRefs[0].port;
    expect(issueAt(validateObject(route), 'spec.rules[1].backendRefs[0]').message).toMatch(/"Must have port for Service reference"/);
  });

  test('fails on a filter type without its config', () => {
    const route = httpRoute();
    route.spec.rules[0].filters = [{ type: 'RequestHeaderModifier' }];
    expect(issueAt(validateObject(route), 'spec.rules[0].filters[0]').message).toMatch(/filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type/);
  });

  test('fails on a repeated RequestHeaderModifier filter', () => {
    const route = httpRoute();
    route.spec.rules[0].filters.push(route.spec.rules[0].filters[0]);
    expect(issueAt(validateObject(route), 'spec.rules[0].filters').message).toMatch(/RequestHeaderModifier filter cannot be repeated/);
  });

  test('fails on a RequestRedirect together with backendRefs', () => {
    const route = httpRoute();
    route.spec.rules[0].filters = [{ type: 'RequestRedirect', requestRedirect: { statusCode: 301 } }];
    expect(issueAt(validateObject(route), 'spec.rules[0]').message).toMatch(/RequestRedirect filter must not be used together with backendRefs/);
  });

  test('fails on a backend request timeout longer than the request timeout (duration)', () => {
    const route = httpRoute();
    route.spec.rules[0].timeouts = { request: '10s', backendRequest: '1m' };
    expect(issueAt(validateObject(route), 'spec.rules[0].timeouts').message).toMatch(/backendRequest timeout cannot be longer than request timeout/);
    route.spec.rules[0].timeouts = { request: '1m', backendRequest: '10s' };
    expect(validateObject(route)).toStrictEqual([]);
  });

  test('fails on two parentRefs to the same parent where only one names a section', () => {
    const route = httpRoute();
    route.spec.parentRefs = [{ name: 'gw', sectionName: 'http' }, { name: 'gw' }];
    expect(issueAt(validateObject(route), 'spec.parentRefs').message).toMatch(/sectionName must be specified when parentRefs includes 2 or more references to the same parent/);
  });

  test('parentRefs to same-named parents in different namespaces are different parents (namespace is __namespace__ in CEL)', () => {
    const route = httpRoute();
    route.spec.parentRefs = [{ name: 'gw', namespace: 'a', sectionName: 'http' }, { name: 'gw', namespace: 'b' }];
    expect(validateObject(route)).toStrictEqual([]);
    route.spec.parentRefs[1].namespace = 'a';
    expect(issueAt(validateObject(route), 'spec.parentRefs').message).toMatch(/sectionName must be specified/);
  });

  test('fails on a path value with a character outside the allowed set (RE2 rule)', () => {
    const route = httpRoute();
    route.spec.rules[0].matches[0].path.value = '/a b';
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].path').message).toMatch(/must only contain valid characters/);
  });
});

describe('Gateway CEL rules', () => {
  test('fails on tls on an HTTP listener', () => {
    const gw = gateway();
    gw.spec.listeners[0].tls = { mode: 'Terminate', certificateRefs: [{ name: 'c' }] };
    expect(issueAt(validateObject(gw), 'spec.listeners').message).toMatch(/^violates the CRD rule: "tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]"$/);
  });

  test('fails on an HTTPS listener in Passthrough mode', () => {
    const gw = gateway();
    gw.spec.listeners[1].tls = { mode: 'Passthrough' };
    expect(issueAt(validateObject(gw), 'spec.listeners').message).toMatch(/tls mode must be Terminate for protocol HTTPS/);
  });

  test('fails on a Terminate listener without certificateRefs or options', () => {
    const gw = gateway();
    gw.spec.listeners[1].tls = { mode: 'Terminate' };
    expect(issueAt(validateObject(gw), 'spec.listeners[1].tls').message).toMatch(/certificateRefs or options must be specified when mode is Terminate/);
  });

  test('fails on infrastructure label and annotation keys the map rules reject (split, RE2 on map keys)', () => {
    const gw = gateway();
    gw.spec.infrastructure = { labels: { 'example.com/team': 'a', '-bad': 'b' }, annotations: { [`${'a'.repeat(253)}/x`]: 'c' } };
    const issues = validateObject(gw);
    expect(issueAt(issues, 'spec.infrastructure.labels').message).toMatch(/Label keys must be in the form of an optional DNS subdomain prefix/);
    expect(issueAt(issues, 'spec.infrastructure.annotations').message).toMatch(/If specified, the annotation key's prefix must be a DNS subdomain not longer than 253 characters in total/);
    gw.spec.infrastructure = { labels: { 'example.com/team': 'a' }, annotations: { 'example.com/owner': 'c' } };
    expect(validateObject(gw)).toStrictEqual([]);
  });

  test('fails on two listeners with the same port, protocol and hostname', () => {
    const gw = gateway();
    gw.spec.listeners.push({ name: 'http2', port: 80, protocol: 'HTTP' });
    expect(issueAt(validateObject(gw), 'spec.listeners').message).toMatch(/Combination of port, protocol and hostname must be unique for each listener/);
  });
});

describe('GRPCRoute CEL rules', () => {
  test('fails on a method match with neither service nor method', () => {
    const route = grpcRoute();
    route.spec.rules[0].matches = [{ method: { type: 'Exact' } }];
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].method').message).toMatch(/One or both of 'service' or 'method' must be specified/);
  });

  test('fails on an invalid service name (RE2 pattern with (?i))', () => {
    const route = grpcRoute();
    route.spec.rules[0].matches = [{ method: { service: 'echo/v1' } }];
    expect(issueAt(validateObject(route), 'spec.rules[0].matches[0].method').message).toMatch(/service must only contain valid characters/);
  });

  test('accepts an upper-case service name, as RE2 (?i) does', () => {
    const route = grpcRoute();
    route.spec.rules[0].matches = [{ method: { service: 'Echo.V1.EchoService' } }];
    expect(validateObject(route)).toStrictEqual([]);
  });
});

describe('BackendTLSPolicy CEL rules', () => {
  test('fails on both caCertificateRefs and wellKnownCACertificates', () => {
    const policy = backendTlsPolicy();
    policy.spec.validation.wellKnownCACertificates = 'System';
    expect(issueAt(validateObject(policy), 'spec.validation').message).toMatch(/must not contain both CACertificateRefs and WellKnownCACertificates/);
  });
});

describe('metadata', () => {
  test('fails on a name that is not a DNS-1123 subdomain', () => {
    const route = httpRoute();
    route.metadata.name = 'My_Route';
    expect(issueAt(validateObject(route), 'metadata.name').message).toMatch(/^invalid name "My_Route": must be a lowercase RFC 1123 subdomain/);
  });

  test('fails on a name longer than 253 characters', () => {
    const route = httpRoute();
    route.metadata.name = 'a'.repeat(254);
    expect(issueAt(validateObject(route), 'metadata.name').message).toMatch(/must be no more than 253 characters \(it has 254\)/);
  });

  test('fails on a namespace that is not a DNS-1123 label', () => {
    const route = httpRoute();
    route.metadata.namespace = 'team.a';
    expect(issueAt(validateObject(route), 'metadata.namespace').message).toMatch(/^invalid namespace "team.a": must be a lowercase RFC 1123 label/);
  });

  test('fails on a missing name', () => {
    const route = httpRoute();
    delete route.metadata.name;
    expect(issueAt(validateObject(route), 'metadata.name').message).toMatch(/name or generateName is required/);
  });

  test('fails on bad labels and annotations', () => {
    const route = httpRoute();
    route.metadata.labels = { 'bad key!': 'x', 'ok': 'not ok!', 'n': 5 };
    route.metadata.annotations = { 'a/b/c': 'x' };
    const issues = validateObject(route);
    expect(issueAt(issues, 'metadata.labels.bad key!').message).toMatch(/^invalid label key "bad key!"/);
    expect(issueAt(issues, 'metadata.labels.ok').message).toMatch(/^invalid label value "not ok!"/);
    expect(issueAt(issues, 'metadata.labels.n').message).toMatch(/^must be a string, got integer 5/);
    expect(issueAt(issues, 'metadata.annotations.a/b/c').message).toMatch(/^invalid annotation key "a\/b\/c"/);
  });

  test('fails on an unknown metadata field', () => {
    const route = httpRoute();
    route.metadata.label = { a: 'b' };
    expect(issueAt(validateObject(route), 'metadata.label').message).toMatch(/^unknown field "label"/);
  });
});

describe('kinds, versions and channels', () => {
  test('fails on a Gateway API kind the CRDs do not define', () => {
    const issues = validateObject({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'BackendLBPolicy', metadata: { name: 't' }, spec: {} });
    expect(issueAt(issues, 'kind').message).toMatch(
      /^unknown kind "BackendLBPolicy" in gateway.networking.k8s.io: .* define BackendTLSPolicy, GRPCRoute, Gateway, GatewayClass, HTTPRoute, ListenerSet, ReferenceGrant, TCPRoute, TLSRoute, UDPRoute$/);
  });

  test('fails on a version the CRD does not serve', () => {
    expect(issueAt(validateObject({ ...httpRoute(), apiVersion: 'gateway.networking.k8s.io/v1alpha2' }), 'apiVersion').message)
      .toMatch(/^HTTPRoute version "v1alpha2" is not defined by the Gateway API v1.6.1 CRD: use gateway.networking.k8s.io\/v1 or gateway.networking.k8s.io\/v1beta1$/);
    expect(issueAt(validateObject({ ...backendTlsPolicy(), apiVersion: 'gateway.networking.k8s.io/v1alpha3' }), 'apiVersion').message)
      .toMatch(/^BackendTLSPolicy version "v1alpha3" is no longer served/);
    expect(issueAt(validateObject({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 't' }, spec: {} }), 'apiVersion').message)
      .toMatch(/^TCPRoute version "v1alpha2" is no longer served by the Gateway API v1.6.1 CRD: use gateway.networking.k8s.io\/v1$/);
  });

  test('fails on a Gateway API apiVersion without a version', () => {
    expect(issueAt(validateObject({ ...httpRoute(), apiVersion: 'gateway.networking.k8s.io' }), 'apiVersion').message)
      .toMatch(/^apiVersion "gateway.networking.k8s.io" has no version: use gateway.networking.k8s.io\/v1$/);
  });

  test('fails on a missing spec', () => {
    const route = httpRoute();
    delete route.spec;
    expect(issueAt(validateObject(route), 'spec').message).toMatch(/^required field "spec" is missing: add it$/);
  });

  test('fails on an unknown top-level field', () => {
    expect(issueAt(validateObject({ ...httpRoute(), specs: {} }), 'specs').message).toMatch(/^unknown field "specs": .*\(fields allowed here: apiVersion, kind, metadata, spec, status\)$/);
  });

  test('an experimental field fails on the standard channel, saying it needs the experimental CRD', () => {
    const route = httpRoute();
    route.spec.rules[0].retry = { codes: [503], attempts: 2 };
    const issue = issueAt(validateObject(route), 'spec.rules[0].retry');
    expect(issue.message).toMatch(/^field "retry" is only in the experimental channel of Gateway API v1.6.1: install the experimental-channel HTTPRoute CRD and validate with --channel experimental/);
  });

  test('an experimental field passes on the experimental channel, where its own rules apply', () => {
    const route = httpRoute();
    route.spec.rules[0].retry = { codes: [503], attempts: 2 };
    expect(validateObject(route, { channel: 'experimental' })).toStrictEqual([]);
    route.spec.rules[0].retry.codes = [200];
    expect(issueAt(validateObject(route, { channel: 'experimental' }), 'spec.rules[0].retry.codes[0]').message).toMatch(/out of range: 200 must be >= 400/);
  });

  test('an experimental-only enum value says so too', () => {
    const route = httpRoute();
    route.spec.rules[0].filters = [{ type: 'ExternalAuth', externalAuth: { protocol: 'GRPC', backendRef: { name: 'auth', port: 9000 } } }];
    const issues = validateObject(route);
    expect(issueAt(issues, 'spec.rules[0].filters[0].type').message).toMatch(/^value "ExternalAuth" is only in the experimental channel/);
    expect(issueAt(issues, 'spec.rules[0].filters[0].externalAuth').message).toMatch(/^field "externalAuth" is only in the experimental channel/);
  });

  test('a truly unknown field is still just unknown on the standard channel', () => {
    const route = httpRoute();
    route.spec.rules[0].retries = 3;
    expect(issueAt(validateObject(route), 'spec.rules[0].retries').message).toMatch(/^unknown field "retries"/);
  });
});
