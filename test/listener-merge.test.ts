import { listenerConflicts, ListenerSourceSpec, orderListenerSources } from '../src/model';

const listener = (name: string, port: number, protocol: string, hostname?: string) => ({ name, port, protocol, hostname });

function conflicts(gateway: ListenerSourceSpec, sets: ListenerSourceSpec[]): string[] {
  return listenerConflicts(orderListenerSources(gateway, sets)).map((c) =>
    `${c.source.namespace}/${c.source.name} ${c.listener.name}: ${c.reason} with ${c.winnerSource.namespace}/${c.winnerSource.name} ${c.winner.name}`);
}

describe('merging a Gateway\'s listeners with its ListenerSets', () => {
  test('ListenerSets are ordered after the Gateway, by creation time, then namespace/name', () => {
    // GIVEN three ListenerSets, two created at the same time
    const gateway = { kind: 'Gateway', namespace: 'infra', name: 'gw', listeners: [] };
    const sets = [
      { kind: 'ListenerSet', namespace: 'b', name: 'x', creationTimestamp: 2, listeners: [] },
      { kind: 'ListenerSet', namespace: 'a', name: 'z', creationTimestamp: 2, listeners: [] },
      { kind: 'ListenerSet', namespace: 'c', name: 'y', creationTimestamp: 1, listeners: [] },
    ];
    // WHEN / THEN
    expect(orderListenerSources(gateway, sets).map((s) => `${s.namespace}/${s.name}`)).toStrictEqual(['infra/gw', 'c/y', 'a/z', 'b/x']);
  });

  test('the conformance case ListenerSetProtocolConflict: TCP on an HTTP port loses to the Gateway and to older sets', () => {
    // GIVEN the case's Gateway and ListenerSets (created in manifest order)
    const gateway = {
      kind: 'Gateway',
      namespace: 'ns',
      name: 'gw',
      listeners: [listener('gateway-listener', 80, 'HTTP', 'gateway-listener.com'), listener('pc-gw', 80, 'HTTP', 'pc-gw.com')],
    };
    const sets = [
      { kind: 'ListenerSet', namespace: 'ns', name: 'ls-1', creationTimestamp: 1, listeners: [listener('l1', 80, 'HTTP', 'l1.com'), listener('pc-gw', 80, 'TCP')] },
      { kind: 'ListenerSet', namespace: 'ns', name: 'ls-2', creationTimestamp: 2, listeners: [listener('pc-gw', 80, 'TCP')] },
    ];
    // WHEN / THEN both TCP listeners conflict with the Gateway's first HTTP listener on port 80
    expect(conflicts(gateway, sets)).toStrictEqual([
      'ns/ls-1 pc-gw: ProtocolConflict with ns/gw gateway-listener',
      'ns/ls-2 pc-gw: ProtocolConflict with ns/gw gateway-listener',
    ]);
  });

  test('the conformance case ListenerSetHostnameConflict: the same port, protocol and hostname lose to the older', () => {
    // GIVEN
    const gateway = { kind: 'Gateway', namespace: 'ns', name: 'gw', listeners: [listener('hc-gw', 80, 'HTTP', 'hc-gw.com')] };
    const sets = [
      { kind: 'ListenerSet', namespace: 'ns', name: 'ls-b', creationTimestamp: 5, listeners: [listener('hc-ls', 80, 'HTTP', 'hc-ls.com')] },
      { kind: 'ListenerSet', namespace: 'ns', name: 'ls-a', creationTimestamp: 9, listeners: [listener('hc-gw', 80, 'HTTP', 'hc-gw.com'), listener('hc-ls', 80, 'HTTP', 'hc-ls.com')] },
    ];
    // WHEN / THEN the older ls-b keeps hc-ls although ls-a sorts first by name
    expect(conflicts(gateway, sets)).toStrictEqual([
      'ns/ls-a hc-gw: HostnameConflict with ns/gw hc-gw',
      'ns/ls-a hc-ls: HostnameConflict with ns/ls-b hc-ls',
    ]);
  });

  test('HTTPS and TLS share a port with distinct hostnames, and conflict with the same one; HTTP shares with neither', () => {
    // GIVEN
    const gateway = { kind: 'Gateway', namespace: 'ns', name: 'gw', listeners: [listener('https', 443, 'HTTPS', 'a.example.com')] };
    const sets = [{
      kind: 'ListenerSet',
      namespace: 'ns',
      name: 'ls',
      listeners: [listener('tls-b', 443, 'TLS', 'b.example.com'), listener('tls-a', 443, 'TLS', 'a.example.com'), listener('http', 443, 'HTTP', 'c.example.com')],
    }];
    // WHEN / THEN
    expect(conflicts(gateway, sets)).toStrictEqual([
      'ns/ls tls-a: HostnameConflict with ns/gw https',
      'ns/ls http: ProtocolConflict with ns/gw https',
    ]);
  });
});
