// Conflicts between HTTPRoutes and GRPCRoutes on one listener. Internal: not exported from index.ts.
//
// The Gateway API: "If a Route (A) of type HTTPRoute or GRPCRoute is attached to a Listener and that listener
// already has another Route (B) of the other type attached and the intersection of the hostnames of A and B is
// non-empty, then the implementation MUST accept exactly one of these two routes" (the older one). Which one is
// unknown at synth, and either way one route stops serving: that fails synth. Only certain attachments are compared
// (an in-app Gateway, a listener whose allowedRoutes admit the route for sure), so there are no false alarms.
import { IConstruct } from 'constructs';
import { compareRouteAge, comparePrecedence, describeMatch, LocatedMatch, matchContains, matchEquivalent, intersectHostnames } from './model';
import { AttachingRoute, ParentRef, parentNoun } from './parent-ref';
import { allConstructs, memoized } from './tree-index';
import { q } from './validation';

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
      const h = intersectHostnames(x, y);
      if (h !== undefined) return h;
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
      errors.push(`${self.node.path}: this ${self._attachingRoute.kind} and ${other._attachingRoute.kind} ${q(other.node.path)} both attach to listener ${q(a.listener.name)} of ${parentNoun(a.gateway.apiObject.kind)} ${q(a.gateway.node.path)} with hostname ${host === '*' ? '(any)' : q(host)} in common; the gateway accepts only the older of the two, so give them different hostnames or listeners`);
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
        // The hostnames the route serves there: a route without hostnames serves the listener's hostname, as the
        // gateway buckets it (a route naming that same hostname meets it there).
        for (const h of c.hostnames.map((x) => (x === '*' ? '' : x))) {
          out.push({ key: `listener#${c.gateway.node.path}#${c.listener.name}#${h}`, where: `listener ${q(c.listener.name)} of ${parentNoun(c.gateway.apiObject.kind)} ${q(c.gateway.node.path)}${hostText(h)}` });
        }
      }
    } else {
      for (const h of own) {
        const parent = p._parentKey(r.namespace);
        out.push({
          key: `parent#${parent}#${p.sectionName ?? ''}#${p.port ?? ''}#${h}`,
          where: `parent ${p.kind === 'Gateway' ? '' : `${parentNoun(p.kind)} `}${q(p._parentName(r.namespace))}${p.sectionName ? ` listener ${q(p.sectionName)}` : ''}${p.port ? ` port ${p.port}` : ''}${hostText(h)}`,
        });
      }
    }
  }
  return out;
}


/** A route whose matches can be compared across routes. @internal */
export interface LocatedRoute extends AttachedRoute {
  readonly namespace?: string;
  readonly name: string;
  _located(): LocatedMatch[];
}

/**
 * Matches of `self` that another route of `kind`, attached to the same listener (or parentRef) and hostname,
 * always wins: one of higher precedence that contains it, or an identical match of a route that wins the tie.
 * A tie between routes goes to the older route, then to the first by `namespace/name`; routes synthesized together
 * are created in the same apply, usually in the same second, so the loser is the one later by `namespace/name`.
 */
export function crossRouteUnreachable<T extends LocatedRoute>(
  self: T, mine: LocatedMatch[], kind: string, isKind: (c: IConstruct) => c is T,
): string[] {
  const errors: string[] = [];
  const myAttachments = attachments(self);
  if (myAttachments.length === 0) return errors;
  const { routes, byKey } = routesByAttachment(self, kind, isKind);
  const candidates = new Set(myAttachments.flatMap((a) => byKey.get(a.key) ?? []));
  const identity = (r: T) => ({ namespace: r.namespace ?? '', name: r.name });
  const grpc = kind === 'GRPCRoute';
  const shown = (r: T) => (r.namespace ? `${r.namespace}/${r.name}` : r.name);
  for (const other of routes) {
    if (other === self || !candidates.has(other)) continue;
    const theirKeys = new Set(attachments(other).map((a) => a.key));
    const shared = myAttachments.find((a) => theirKeys.has(a.key));
    if (shared === undefined) continue;
    const otherWinsTies = compareRouteAge(identity(other), identity(self)) < 0
      || (compareRouteAge(identity(other), identity(self)) === 0 && routes.indexOf(other) < routes.indexOf(self));
    const theirs = other._located();
    for (const b of mine) {
      for (const a of theirs) {
        const same = matchEquivalent(a.match, b.match);
        if (same && otherWinsTies) {
          errors.push(`${self.node.path}: ${b.label} (${describeMatch(b.match, grpc)}) can never be selected on ${shared.where}: it is the same match as ${other.node.path} ${a.label}, and a tie goes to the older route, then to the first by namespace/name (${q(shown(other))} before ${q(shown(self))}); remove one of them or attach the routes to different hostnames`);
          break;
        }
        if (!same && comparePrecedence(a.match, b.match) < 0 && matchContains(a.match, b.match)) {
          errors.push(`${self.node.path}: ${b.label} (${describeMatch(b.match, grpc)}) can never be selected on ${shared.where}: every request it matches is taken by ${other.node.path} ${a.label} (${describeMatch(a.match, grpc)}); remove it, make it more specific or attach the routes to different hostnames`);
          break;
        }
      }
    }
  }
  return errors;
}
