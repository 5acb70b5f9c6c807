// Helpers shared by the routing patterns. Internal: not exported from index.ts.
import { BackendRef } from './backend-ref';
import { q } from './validation';
import { checkValue, CheckedValue } from './value-problem';

/** Throws unless `value` is an integer in `[min, max]`, naming the construct path, the value and the fix. */
export function checkInteger(path: string, what: string, value: number, min: number, max: number, fix: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${path}: ${what} ${value} must be an integer from ${min} to ${max} (${fix})`);
  }
}

/** Throws when a backend given to a pattern that sets weights already has a weight of its own. */
export function checkNoWeight(path: string, role: string, backend: BackendRef, fix: string): void {
  checkValue(`${path}: ${role}`, backend);
  if (backend.weight !== undefined) {
    throw new Error(`${path}: ${role} backend ${q(backend.name)} has weight ${backend.weight}, but the weights are set by ${fix}; create it without a weight`);
  }
}

/** Throws when two of `backends` are the same backend (group, kind, namespace, name and port). */
export function checkDistinct(path: string, backends: Array<{ role: string; backend: BackendRef }>): void {
  for (const b of backends) checkValue(`${path}: ${b.role}`, b.backend);
  for (let i = 0; i < backends.length; i++) {
    for (let j = i + 1; j < backends.length; j++) {
      if (backends[i].backend._key() === backends[j].backend._key()) {
        throw new Error(`${path}: ${backends[i].role} and ${backends[j].role} are the same backend ${q(backends[i].backend.name)}${backends[i].backend.port !== undefined ? ` port ${backends[i].backend.port}` : ''}; give them different services`);
      }
    }
  }
}

/** Throws unless `list` has at least one item, or when one of its values (backends) carries a factory problem. */
export function checkNotEmpty(path: string, what: string, list: readonly unknown[] | undefined, fix: string): void {
  if (list === undefined || list.length === 0) {
    throw new Error(`${path}: ${what} is empty; ${fix}`);
  }
  list.forEach((v, i) => checkValue(`${path}: ${what}[${i}]`, v as CheckedValue));
}

/** Escapes the RE2 metacharacters of `literal`, so the result matches exactly `literal`. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/** `value`, after throwing its factory problem (if any) with the construct path in front. */
export function checked<T extends CheckedValue>(path: string, value: T): T {
  checkValue(path, value);
  return value;
}
