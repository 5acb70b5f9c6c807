/**
 * Gateway API hostnames (exact, or a `*.` wildcard as the whole first label): matching a concrete host,
 * intersecting a route hostname with a listener hostname. Pure: no I/O.
 */

/**
 * Whether `pattern` (a Gateway API hostname: exact, or `*.suffix`; undefined = any) matches the concrete `host`.
 * A wildcard matches one or more labels in front of the suffix, never the suffix itself.
 */
export function hostnameMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined) return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // '.example.com'
    return host.length > suffix.length && host.endsWith(suffix) && host[host.length - suffix.length - 1] !== '.';
  }
  return pattern === host;
}

/** Number of labels of a hostname pattern (`*.a.b` has 3). */
export function labelCount(hostname: string): number {
  return hostname.split('.').length;
}

/**
 * Intersection of a route hostname and a listener hostname (both patterns; undefined listener = any): the more
 * specific of the two when one covers the other, else undefined. Per the HTTPRoute `hostnames` field description.
 */
export function intersectHostnames(route: string, listener: string | undefined): string | undefined {
  if (listener === undefined) return route;
  const rw = route.startsWith('*.');
  const lw = listener.startsWith('*.');
  if (!rw && !lw) return route === listener ? route : undefined;
  if (!rw && lw) return hostnameMatches(listener, route) ? route : undefined;
  if (rw && !lw) return hostnameMatches(route, listener) ? listener : undefined;
  // both wildcards: the longer suffix, if it ends with the shorter one.
  const rs = route.slice(1);
  const ls = listener.slice(1);
  if (rs.endsWith(ls)) return route;
  if (ls.endsWith(rs)) return listener;
  return undefined;
}

/** Whether two hostname patterns have a hostname in common. */
export function hostnamesIntersect(a: string, b: string): boolean {
  return intersectHostnames(a, b) !== undefined;
}

/**
 * Whether two routes' effective hostname lists (empty = any hostname) have a hostname in common, and one such
 * hostname ('*' for any).
 */
export function hostnameListsIntersect(a: readonly string[], b: readonly string[]): string | undefined {
  if (a.length === 0) return b.length === 0 ? '*' : b[0];
  if (b.length === 0) return a[0];
  for (const x of a) {
    for (const y of b) {
      const h = intersectHostnames(x, y);
      if (h !== undefined) return h;
    }
  }
  return undefined;
}
