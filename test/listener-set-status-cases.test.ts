// The ListenerSet model (admission by the parent Gateway's allowedListeners; the merged listeners' conflicts in the
// spec's order) against the upstream conformance suite's status expectations, transcribed in
// test/conformance/status/cases/: what the constructs check at synth is what the suite requires of a controller.
import { listenerConflicts, listenerSetAllowed, ListenerSourceSpec, namespaceLabels, orderListenerSources } from '../src/model';
import { loadStatusSuite, StatusCase } from './conformance/status/cases';

interface Verdicts {
  /** ListenerSet name -> `True`, or the reason of Accepted=False (`NotAllowed`, `ListenersNotValid`). */
  readonly accepted: Record<string, string>;
  /** `ListenerSet/listener` -> `Conflicted` reason, or `none`. */
  readonly listeners: Record<string, string>;
}

const suite = loadStatusSuite();
const key = (o: any) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** What the model says of each ListenerSet of a one-step case (objects created in manifest order). */
function modelVerdicts(c: StatusCase): Verdicts {
  const objects: any[] = [...suite.base.objects, ...c.objects];
  const labels = new Map(objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o.metadata.labels ?? {}]));
  const gateways = new Map(objects.filter((o) => o.kind === 'Gateway').map((g) => [key(g), g]));
  const sets = c.objects.filter((o: any) => o.kind === 'ListenerSet');
  const accepted: Record<string, string> = {};
  const listeners: Record<string, string> = {};
  const admitted = new Map<string, ListenerSourceSpec[]>();
  sets.forEach((ls: any, index: number) => {
    const ns = ls.metadata.namespace;
    const parent = gateways.get(`${ls.spec.parentRef.namespace ?? ns}/${ls.spec.parentRef.name}`);
    const allowed = parent !== undefined
      && listenerSetAllowed(parent.spec.allowedListeners?.namespaces, parent.metadata.namespace, ns, namespaceLabels(ns, labels.get(ns)));
    accepted[ls.metadata.name] = allowed ? 'True' : 'NotAllowed';
    if (!allowed) return;
    const source = { kind: 'ListenerSet', namespace: ns, name: ls.metadata.name, creationTimestamp: index, listeners: ls.spec.listeners };
    admitted.set(key(parent), [...(admitted.get(key(parent)) ?? []), source]);
  });
  for (const [gatewayKey, sources] of admitted) {
    const gw = gateways.get(gatewayKey);
    const ordered = orderListenerSources({ kind: 'Gateway', namespace: gw.metadata.namespace, name: gw.metadata.name, listeners: gw.spec.listeners }, sources);
    const conflicts = listenerConflicts(ordered).filter((x) => x.source.kind === 'ListenerSet');
    for (const s of sources) {
      const mine = conflicts.filter((x) => x.source === s);
      for (const l of s.listeners) listeners[`${s.name}/${l.name}`] = mine.find((x) => x.listener === l)?.reason ?? 'none';
      if (mine.length === s.listeners.length) accepted[s.name] = 'ListenersNotValid';
    }
  }
  return { accepted, listeners };
}

/** What the case expects of the same things. */
function expectedVerdicts(c: StatusCase): Verdicts {
  const accepted: Record<string, string> = {};
  const listeners: Record<string, string> = {};
  for (const e of c.steps[0].expect) {
    if (e.kind !== 'ListenerSet') continue;
    const a = e.conditions?.find((x) => x.type === 'Accepted');
    if (a) accepted[e.name] = a.status === 'True' ? 'True' : a.reason!;
    const lc = (e as any).listenerConditions;
    if (lc) {
      const conflicted = lc.conditions.find((x: any) => x.type === 'Conflicted' && x.status === 'True');
      const ok = lc.conditions.some((x: any) => x.type === 'Accepted' && x.status === 'True');
      for (const l of lc.listeners) {
        if (conflicted) listeners[`${e.name}/${l}`] = conflicted.reason;
        else if (ok) listeners[`${e.name}/${l}`] = 'none';
      }
    }
  }
  return { accepted, listeners };
}

// ListenerSetReferenceGrant judges certificate references, which the constructs only warn about (a grant may exist
// in the cluster): its ListenerSet without a grant is ListenersNotValid for a reason the model does not decide.
const cases = suite.cases.filter((c) => c.name.startsWith('ListenerSet') && c.name !== 'ListenerSetReferenceGrant' && c.steps.length === 1
  && c.steps[0].expect.some((e) => e.kind === 'ListenerSet' && e.conditions?.some((x) => x.type === 'Accepted')));

test('the transcribed ListenerSet cases that judge admission or conflicts are all here', () => {
  expect(cases.map((c) => c.name)).toStrictEqual([
    'ListenerSetAllowedNamespaceNone', 'ListenerSetAllowedNamespaceSame', 'ListenerSetAllowedNamespaceSelector', 'ListenerSetDefaultNotAllowed',
    'ListenerSetHostnameConflict', 'ListenerSetProtocolConflict',
  ]);
});

test.each(cases.map((c) => [c.name, c] as const))('%s: the model accepts, refuses and conflicts as the suite expects', (_name, c) => {
  // GIVEN the case's objects WHEN the model judges them THEN every verdict the case states is the model's
  const model = modelVerdicts(c);
  const expected = expectedVerdicts(c);
  expect(Object.keys(expected.accepted).length).toBeGreaterThan(0);
  expect(Object.fromEntries(Object.keys(expected.accepted).map((k) => [k, model.accepted[k]]))).toStrictEqual(expected.accepted);
  expect(Object.fromEntries(Object.keys(expected.listeners).map((k) => [k, model.listeners[k]]))).toStrictEqual(expected.listeners);
});
