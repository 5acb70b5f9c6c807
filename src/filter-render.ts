// Rendering shared by HttpRouteFilter and GrpcRouteFilter. Internal: not exported from index.ts.
import type { HeaderModifierProps, RequestMirrorProps } from './http-route-filter';
import { q, validateHttpToken, validateInteger, validateLength } from './validation';
import { checkValue } from './value-problem';

export function renderHeaderModifier(what: string, props: HeaderModifierProps): any {
  const list = (field: string, record: { [name: string]: string } | undefined) => {
    if (record === undefined) return undefined;
    const names = Object.keys(record);
    if (names.length > 16) {
      throw new Error(`${what} ${field} has ${names.length} headers; at most 16 are allowed (use fewer headers or split them across filters on different rules)`);
    }
    const seen = new Map<string, string>();
    for (const name of names) {
      validateHttpToken(`${what} ${field} header name`, name);
      validateLength(`${what} ${field} header ${q(name)} value`, record[name], 1, 4096);
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) {
        throw new Error(`${what} ${field} names header ${q(other)} twice (as ${q(other)} and ${q(name)}); header names are case-insensitive, keep one`);
      }
      seen.set(name.toLowerCase(), name);
    }
    return names.length === 0 ? undefined : names.map((name) => ({ name, value: record[name] }));
  };
  const remove = props.remove;
  if (remove !== undefined) {
    if (remove.length > 16) {
      throw new Error(`${what} remove has ${remove.length} headers; at most 16 are allowed`);
    }
    const seen = new Set<string>();
    for (const name of remove) {
      validateHttpToken(`${what} remove header name`, name);
      if (seen.has(name.toLowerCase())) {
        throw new Error(`${what} remove names header ${q(name)} twice; header names are case-insensitive, keep one`);
      }
      seen.add(name.toLowerCase());
    }
  }
  const rendered = {
    set: list('set', props.set),
    add: list('add', props.add),
    remove: remove === undefined || remove.length === 0 ? undefined : [...remove],
  };
  if (rendered.set === undefined && rendered.add === undefined && rendered.remove === undefined) {
    throw new Error(`${what} changes nothing: give at least one of set, add or remove`);
  }
  return rendered;
}

export function renderRequestMirror(props: RequestMirrorProps): any {
  if (props.percent !== undefined && props.fraction !== undefined) {
    throw new Error(`request mirror sets both percent (${props.percent}) and fraction; set only one of them`);
  }
  if (props.percent !== undefined) {
    validateInteger('request mirror percent', props.percent, 0, 100);
  }
  let fraction: any;
  if (props.fraction !== undefined) {
    const denominator = props.fraction.denominator ?? 100;
    validateInteger('request mirror fraction numerator', props.fraction.numerator, 0, 2147483647);
    validateInteger('request mirror fraction denominator', denominator, 1, 2147483647);
    if (props.fraction.numerator > denominator) {
      throw new Error(`request mirror fraction ${props.fraction.numerator}/${denominator}: the numerator must be less than or equal to the denominator (e.g. 1/${Math.max(denominator, props.fraction.numerator)})`);
    }
    fraction = { numerator: props.fraction.numerator, denominator };
  }
  checkValue('request mirror backend', props.backend);
  if (props.backend.weight !== undefined) {
    throw new Error(`request mirror backend ${q(props.backend.name)} has a weight (${props.backend.weight}); a mirror sends copies, so leave the weight out and use percent or fraction`);
  }
  if (props.backend.filters.length > 0) {
    throw new Error(`request mirror backend ${q(props.backend.name)} has filters; a mirror backend cannot have filters`);
  }
  return {
    backendRef: props.backend._renderObjectReference(),
    percent: props.percent,
    fraction,
  };
}
