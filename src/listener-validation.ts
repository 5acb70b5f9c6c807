// Checks of a listener list shared by Gateway and ListenerSet. Internal: not exported from index.ts.
import type { Listener } from './listener';
import { q } from './validation';

/** At least one listener, at most 64; names and port/protocol/hostname combinations unique. @internal */
export function validateListenerList(path: string, what: string, listeners: Listener[], add: string): string[] {
  const errors: string[] = [];
  if (listeners.length === 0) {
    errors.push(`${path}: the ${what} has no listeners; add one with ${add}`);
  }
  if (listeners.length > 64) {
    errors.push(`${path}: the ${what} has ${listeners.length} listeners; at most 64 are allowed (split them across ${what === 'gateway' ? 'gateways' : 'listener sets'})`);
  }
  const names = new Map<string, number>();
  const combos = new Map<string, number>();
  listeners.forEach((l, i) => {
    const n = names.get(l.name);
    if (n !== undefined) {
      errors.push(`${path}: listeners ${n + 1} and ${i + 1} are both named ${q(l.name)}; listener names must be unique in a ${what}`);
    } else {
      names.set(l.name, i);
    }
    const combo = `${l.port}/${l.protocol}/${l.hostname ?? ''}`;
    const c = combos.get(combo);
    if (c !== undefined) {
      errors.push(`${path}: listeners ${q(listeners[c].name)} and ${q(l.name)} both use port ${l.port}, protocol ${l.protocol} and ${l.hostname === undefined ? 'no hostname' : `hostname ${q(l.hostname)}`}; give them different ports or hostnames`);
    } else {
      combos.set(combo, i);
    }
  });
  return errors;
}
