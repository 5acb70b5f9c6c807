import { validateObject } from '../../../src/dataplane/schema';
import { isIpAddress } from '../../../src/dataplane/schema/cel';

describe('isIP of the Kubernetes CEL IP library', () => {
  test.each([
    ['192.0.2.1', true],
    ['2001:db8::1', true],
    ['::1', true],
    ['example.com', false],
    ['192.0.2.256', false],
    ['fe80::1%eth0', false],
    ['::ffff:192.0.2.1', false],
    ['', false],
  ])('isIP(%j) is %s', (value, expected) => {
    // GIVEN a string WHEN isIP reads it THEN addresses (without zones, not IPv4-mapped) are IPs
    expect(isIpAddress(value)).toBe(expected);
  });

  test('fails a TLSRoute whose hostname is an IP address, with the CRD rule\'s message', () => {
    // GIVEN a TLSRoute listing an IP address as a hostname
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name: 'r' },
      spec: { hostnames: ['192.0.2.1'], rules: [{ backendRefs: [{ name: 's', port: 443 }] }] },
    };
    // WHEN validated
    const issues = validateObject(route);
    // THEN the rule `self.all(h, !isIP(h))` refuses it
    expect(issues.map((i) => [i.field, i.message])).toStrictEqual([['spec.hostnames', 'violates the CRD rule: "Hostnames cannot contain an IP"']]);
  });
});
