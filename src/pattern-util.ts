// Helpers shared by the routing patterns. Internal: not exported from index.ts.
import { BackendRef } from './backend-ref';
import { q } from './validation';

/** Throws unless `value` is an integer in `[min, max]`, naming the construct path, the value and the fix. */
export function checkInteger(path: string, what: string, value: number, min: number, max: number, fix: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${path}: ${what} ${value} must be an integer from ${min} to ${max} (${fix})`);
  }
}

/** Throws when a backend given to a pattern that sets weights already has a weight of its own. */
export function checkNoWeight(path: string, role: string, backend: BackendRef, fix: string): void {
  if (backend.weight !== undefined) {
    throw new Error(`${path}: ${role} backend ${q(backend.name)} has weight ${backend.weight}, but the weights are set by ${fix}; create it without a weight`);
  }
}

/** Throws when two of `backends` are the same backend (group, kind, namespace, name and port). */
export function checkDistinct(path: string, backends: Array<{ role: string; backend: BackendRef }>): void {
  for (let i = 0; i < backends.length; i++) {
    for (let j = i + 1; j < backends.length; j++) {
      if (backends[i].backend._key() === backends[j].backend._key()) {
        throw new Error(`${path}: ${backends[i].role} and ${backends[j].role} are the same backend ${q(backends[i].backend.name)}${backends[i].backend.port !== undefined ? ` port ${backends[i].backend.port}` : ''}; give them different services`);
      }
    }
  }
}

/** Throws unless `list` has at least one backend. */
export function checkNotEmpty(path: string, what: string, list: readonly unknown[] | undefined, fix: string): void {
  if (list === undefined || list.length === 0) {
    throw new Error(`${path}: ${what} is empty; ${fix}`);
  }
}

/** Escapes the RE2 metacharacters of `literal`, so the result matches exactly `literal`. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/** Runs `fn`; an error it throws is rethrown with the construct path in front, so the message says where. */
export function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith(`${path}: `) ? message : `${path}: ${message}`);
  }
}
