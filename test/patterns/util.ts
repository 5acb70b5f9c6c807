import { Chart, Testing } from 'cdk8s';
import { ParentRef } from '../../src';

/** A chart in namespace `task-api`, as the lesson's routes are. */
export function taskApiChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'task-api' });
}

/** The synthesized objects of `kind`. */
export function synthKind(chart: Chart, kind: string): any[] {
  return Testing.synth(chart).filter((o: any) => o.kind === kind);
}

/** The single synthesized HTTPRoute (or GRPCRoute) of the chart. */
export function onlyRoute(chart: Chart, kind: string = 'HTTPRoute'): any {
  const routes = synthKind(chart, kind);
  if (routes.length !== 1) throw new Error(`expected one ${kind}, got ${routes.length}`);
  return routes[0];
}

/** The warnings the constructs attached anywhere in the chart. */
export function warnings(chart: Chart): string[] {
  return chart.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'cdk8s-gateway:warning').map((m) => String(m.data)));
}

/** The lesson's Gateway, by name. */
export function lessonGateway(): ParentRef[] {
  return [ParentRef.named('task-api-gateway')];
}
