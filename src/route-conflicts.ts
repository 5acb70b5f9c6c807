// Conflicts between HTTPRoutes and GRPCRoutes on one listener. Internal: not exported from index.ts.
//
// The Gateway API: "If a Route (A) of type HTTPRoute or GRPCRoute is attached to a Listener and that listener
// already has another Route (B) of the other type attached and the intersection of the hostnames of A and B is
// non-empty, then the implementation MUST accept exactly one of these two routes" (the older one). Which one is
// unknown at synth, and either way one route stops serving: that fails synth. Only certain attachments are compared
// (an in-app Gateway, a listener whose allowedRoutes admit the route for sure), so there are no false alarms.
import { IConstruct } from 'constructs';
import { AttachingRoute, ParentRef } from './parent-ref';
import { allConstructs, memoized } from './tree-index';
import { hostnamesIntersect, q } from './validation';

/** @internal */
export interface AttachedRoute extends IConstruct {
  readonly _attachingRoute: AttachingRoute;
  readonly _parentRefList: ParentRef[];
}

function intersects(a: string[], b: string[]): string | undefined {
  for (const x of a) {
    for (const y of b) {
      if (x === '*') return y;
      if (y === '*') return x;
      if (hostnamesIntersect(x, y)) return x.startsWith('*.') ? y : x;
    }
  }
  return undefined;
}

/**
 * Errors for `self` (reported on the route constructed later of each conflicting pair).
 */
export function mixedKindConflicts(self: AttachedRoute, isOtherKind: (c: IConstruct) => c is AttachedRoute): string[] {
  const errors: string[] = [];
  const all = allConstructs(self);
  const myIndex = all.indexOf(self);
  const mine = self._parentRefList.flatMap((p) => p._certainListeners(self._attachingRoute));
  if (mine.length === 0) return errors;
  all.forEach((other, index) => {
    if (index > myIndex || !isOtherKind(other)) return;
    const theirs = other._parentRefList.flatMap((p) => p._certainListeners(other._attachingRoute));
    for (const a of mine) {
      const b = theirs.find((t) => t.listener === a.listener && intersects(a.hostnames, t.hostnames) !== undefined);
      if (b === undefined) continue;
      const host = intersects(a.hostnames, b.hostnames)!;
      errors.push(`${self.node.path}: this ${self._attachingRoute.kind} and ${other._attachingRoute.kind} ${q(other.node.path)} both attach to listener ${q(a.listener.name)} of gateway ${q(a.gateway.node.path)} with hostname ${host === '*' ? '(any)' : q(host)} in common; the gateway accepts only the older of the two, so give them different hostnames or listeners`);
      return;
    }
  });
  return errors;
}

/** @internal */
export interface Attachment {
  /** Equal keys: the two routes serve the same hostname string on the same listener (or the same parentRef). */
  readonly key: string;
  /** For messages, e.g. `listener "http" of gateway "app/gw" hostname "a.example.com"`. */
  readonly where: string;
}

/**
 * Where a route certainly serves which of its hostnames: per listener of an in-app Gateway that certainly accepts
 * it, or per parentRef for a Gateway outside the app. Routes without hostnames use ''.
 */
export function attachments(route: AttachedRoute): Attachment[] {
  const cache = memoized(route, 'attachments', () => new Map<AttachedRoute, Attachment[]>());
  let out = cache.get(route);
  if (out === undefined) {
    out = computeAttachments(route);
    cache.set(route, out);
  }
  return out;
}

/**
 * The routes of `kind` (in `findAll()` order) by attachment key: which routes serve the same hostname on the same
 * listener or parentRef.
 */
export function routesByAttachment<T extends AttachedRoute>(
  scope: IConstruct,
  kind: string,
  isKind: (c: IConstruct) => c is T,
): { routes: T[]; byKey: Map<string, T[]> } {
  return memoized(scope, `routes-by-attachment:${kind}`, () => {
    const routes = allConstructs(scope).filter(isKind);
    const byKey = new Map<string, T[]>();
    for (const route of routes) {
      for (const key of new Set(attachments(route).map((a) => a.key))) {
        const list = byKey.get(key);
        if (list) list.push(route);
        else byKey.set(key, [route]);
      }
    }
    return { routes, byKey };
  });
}

function computeAttachments(route: AttachedRoute): Attachment[] {
  const r = route._attachingRoute;
  const own = r.hostnames.length === 0 ? [''] : r.hostnames;
  const hostText = (h: string) => (h ? ` hostname ${q(h)}` : ' (any hostname)');
  const out: Attachment[] = [];
  for (const p of route._parentRefList) {
    if (p._inApp) {
      for (const c of p._certainListeners(r)) {
        for (const h of r.hostnames.length === 0 ? [''] : c.hostnames) {
          out.push({ key: `listener#${c.gateway.node.path}#${c.listener.name}#${h}`, where: `listener ${q(c.listener.name)} of gateway ${q(c.gateway.node.path)}${hostText(h)}` });
        }
      }
    } else {
      for (const h of own) {
        const parent = p._parentKey(r.namespace);
        out.push({
          key: `parent#${parent}#${p.sectionName ?? ''}#${p.port ?? ''}#${h}`,
          where: `parent ${q(parent)}${p.sectionName ? ` listener ${q(p.sectionName)}` : ''}${p.port ? ` port ${p.port}` : ''}${hostText(h)}`,
        });
      }
    }
  }
  return out;
}

