/**
 * Compares what came back with a case's `expect`, the way upstream's comparators do
 * (conformance/utils/http CompareRoundTrip and conformance/utils/grpc), see ../INDEX.md.
 * Every function returns the list of mismatches; empty = the probe passed.
 */
import type { CaseExpect } from './cases';
import { headerValues, type GrpcAnswer, type HttpAnswer } from './client';

function snippet(body: Buffer): string {
  const s = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return s.length > 160 ? `${s.slice(0, 160)}...` : s;
}

export function parseEcho(body: Buffer): any | undefined {
  try {
    const j = JSON.parse(body.toString('utf8'));
    return j && typeof j === 'object' && !Array.isArray(j) ? j : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The echoed request of an answer, as upstream's roundtripper reads it: only when the (first) Content-Type is
 * exactly `application/json`, and then the body must be a JSON object.
 */
export function echoOf(answer: HttpAnswer): { echoed?: any; error?: string } {
  const type = headerValues(answer, 'content-type')[0];
  if (type !== 'application/json') return {};
  const echoed = parseEcho(answer.body);
  return echoed ? { echoed } : { error: `unexpected error reading response: the application/json body is not a JSON object: ${snippet(answer.body)}` };
}

/** The Service an echoed pod name belongs to (upstream strips the last two '-'-separated parts). */
export function backendOfPod(pod: string): string {
  const parts = pod.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : pod;
}

export function checkHttp(answer: HttpAnswer, expect: CaseExpect, request: { scheme: string; host: string; path: string }): string[] {
  const errors: string[] = [];
  const allowed = expect.statusOneOf ?? (expect.status !== undefined ? [expect.status] : [200]);
  if (!allowed.includes(answer.status)) {
    errors.push(`status: expected ${allowed.join(' or ')}, got ${answer.status}${answer.body.length ? ` (body: ${snippet(answer.body)})` : ''}`);
    return errors;
  }
  if (answer.status === 200 || answer.status === 204) {
    const { echoed, error } = echoOf(answer);
    if (error) return [error];
    if (expect.notEchoed && echoed && (echoed.pod || echoed.namespace || echoed.path)) {
      errors.push(`expected an answer from the gateway itself, but echo backend pod '${echoed.pod}' answered`);
    }
    const wantsEcho =
      expect.backend !== undefined || expect.namespace !== undefined || expect.method !== undefined || expect.path !== undefined ||
      expect.host !== undefined || expect.headers !== undefined || expect.absentHeaders !== undefined;
    if (wantsEcho && !echoed) {
      const type = headerValues(answer, 'content-type').join(', ') || 'none';
      errors.push(`expected an echoed request, got an answer that is not an echo (Content-Type ${type}): ${snippet(answer.body)}`);
    } else if (wantsEcho) {
      if (expect.backend !== undefined && !String(echoed.pod ?? '').startsWith(expect.backend)) errors.push(`backend: expected a pod of ${expect.backend}, got pod '${echoed.pod}'`);
      if (expect.namespace !== undefined && echoed.namespace !== expect.namespace) errors.push(`namespace: expected '${expect.namespace}', got '${echoed.namespace}'`);
      if (expect.method !== undefined && echoed.method !== expect.method) errors.push(`method: expected ${expect.method}, got ${echoed.method}`);
      if (expect.path !== undefined && echoed.path !== expect.path) errors.push(`path: expected the backend to see '${expect.path}', got '${echoed.path}'`);
      if (expect.host !== undefined && echoed.host !== expect.host) errors.push(`host: expected the backend to see '${expect.host}', got '${echoed.host}'`);
      const seen = new Map<string, string[]>();
      for (const [name, values] of Object.entries((echoed.headers ?? {}) as Record<string, string[]>)) {
        seen.set(name.toLowerCase(), [...(seen.get(name.toLowerCase()) ?? []), ...values]);
      }
      for (const [name, value] of Object.entries(expect.headers ?? {})) {
        const got = seen.get(name.toLowerCase());
        if (!got) errors.push(`request header ${name}: expected '${value}' at the backend, it is missing`);
        else if (got.join(',') !== value) errors.push(`request header ${name}: expected '${value}' at the backend, got '${got.join(',')}'`);
      }
      for (const name of expect.absentHeaders ?? []) {
        const got = seen.get(name.toLowerCase());
        if (got) errors.push(`request header ${name}: expected absent at the backend, got '${got.join(',')}'`);
      }
    }
    const norm = (s: string) => (expect.ignoreWhitespaceInResponseHeaders ? s.replace(/\s+/g, '') : s);
    for (const [name, value] of Object.entries(expect.responseHeaders ?? {})) {
      const got = headerValues(answer, name);
      if (got.length === 0) errors.push(`response header ${name}: expected '${value}', it is missing`);
      else if (norm(got.join(',')) !== norm(value)) errors.push(`response header ${name}: expected '${value}', got '${got.join(',')}'`);
    }
    for (const [name, values] of Object.entries(expect.responseHeadersOneOf ?? {})) {
      const got = headerValues(answer, name);
      if (got.length === 0) errors.push(`response header ${name}: expected one of ${JSON.stringify(values)}, it is missing`);
      else if (!values.some((v) => norm(v) === norm(got.join(',')))) errors.push(`response header ${name}: expected one of ${JSON.stringify(values)}, got '${got.join(',')}'`);
    }
    for (const name of expect.absentResponseHeaders ?? []) {
      const got = headerValues(answer, name);
      if (got.length > 0) errors.push(`response header ${name}: expected absent, got '${got.join(',')}'`);
    }
  } else if (answer.status >= 300 && answer.status < 400 && expect.redirect) {
    errors.push(...checkRedirect(answer, expect, request));
  }
  return errors;
}

function checkRedirect(answer: HttpAnswer, expect: CaseExpect, request: { scheme: string; host: string; path: string }): string[] {
  const r = expect.redirect!;
  const location = headerValues(answer, 'location');
  if (location.length !== 1) return [`redirect: expected one Location header, got ${JSON.stringify(location)}`];
  let url: URL;
  try {
    url = new URL(location[0], `${request.scheme}://${request.host}${request.path}`);
  } catch {
    return [`redirect: Location '${location[0]}' is not a URL`];
  }
  const errors: string[] = [];
  const scheme = url.protocol.replace(/:$/, '');
  const wantScheme = r.scheme ?? request.scheme;
  if (scheme !== wantScheme) errors.push(`redirect scheme: expected ${wantScheme}, got ${scheme} (Location '${location[0]}')`);
  if (r.host !== undefined && r.host !== null && url.hostname !== r.host) errors.push(`redirect host: expected ${r.host}, got ${url.hostname} (Location '${location[0]}')`);
  if (r.port === null || r.port === undefined) {
    const ok = url.port === '' || (scheme === 'http' && url.port === '80') || (scheme === 'https' && url.port === '443');
    if (!ok) errors.push(`redirect port: expected none (or the scheme's default), got ${url.port} (Location '${location[0]}')`);
  } else if (url.port !== r.port && !(url.port === '' && ((scheme === 'http' && r.port === '80') || (scheme === 'https' && r.port === '443')))) {
    errors.push(`redirect port: expected ${r.port}, got '${url.port}' (Location '${location[0]}')`);
  }
  const wantPath = r.path ?? request.path.split('?')[0];
  if (url.pathname !== wantPath) errors.push(`redirect path: expected ${wantPath}, got ${url.pathname} (Location '${location[0]}')`);
  return errors;
}

export function checkGrpc(answer: GrpcAnswer, expect: CaseExpect): string[] {
  const errors: string[] = [];
  const code = expect.grpcCode ?? 0;
  if (answer.code !== code) {
    errors.push(`grpc status: expected ${expect.grpcStatus ?? code} (${code}), got ${answer.code}${answer.details ? ` (${answer.details})` : ''}`);
    return errors;
  }
  if (code !== 0) return errors;
  const a = answer.response?.assertions;
  if (!a) return ['grpc: the response carries no assertions'];
  if (expect.fullyQualifiedMethod !== undefined && a.fullyQualifiedMethod !== expect.fullyQualifiedMethod) {
    errors.push(`grpc method: expected ${expect.fullyQualifiedMethod}, got ${a.fullyQualifiedMethod}`);
  }
  if (expect.namespace !== undefined && a.context?.namespace !== expect.namespace) errors.push(`namespace: expected '${expect.namespace}', got '${a.context?.namespace}'`);
  if (expect.backend !== undefined && !String(a.context?.pod ?? '').startsWith(expect.backend)) errors.push(`backend: expected a pod of ${expect.backend}, got pod '${a.context?.pod}'`);
  return errors;
}
