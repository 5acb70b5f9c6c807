/**
 * `cdk8s-gateway explain`: which listener, route, rule and backends a request would get, and why.
 * Pure: reads the input files, never opens a socket.
 */
import { ConfigError } from './config/load';
import { ExplainResult, explain } from './engine/describe';
import { CompiledTable, RouteRequest } from './engine/model';
import { TABLE_ARGS_USAGE, compileFromArgs, emptyTableArgs, parseTableArg, usageError } from './engine/options';
import { grpcCall } from './engine/router';
import { normalizeHost } from './engine/util';
import { ruleLabel } from '../model/rule-label';

export const EXPLAIN_USAGE = `usage: cdk8s-gateway explain --routes PATH... [--gateway NS/NAME] [--backends FILE]
                             [-X METHOD] [-H 'name: value']... URL [--json]

Say which listener, route, rule and backends the gateway would pick for a request, and why.

  URL                  e.g. http://example.com/api/v1/tasks?x=1 ; the port selects the listener port
                       (default 80 for http, 443 for https); https also sends the host as TLS SNI
${TABLE_ARGS_USAGE}
  -X, --request METHOD request method (default GET)
  -H, --header 'N: V'  request header (repeatable); content-type application/grpc makes it a gRPC call
  --json               print the explanation as JSON
  -h, --help           show this help

exit status: 0 forwarded to a backend (or redirected), 1 answered 404/421/500 by the gateway,
2 usage or configuration error`;

export interface ExplainArgs {
  readonly table: ReturnType<typeof emptyTableArgs>;
  method: string;
  readonly headers: [string, string][];
  url?: string;
  json: boolean;
  help: boolean;
}

/** Parses the explain command line. Throws ConfigError ('(arguments)') on bad usage. */
export function parseExplainArgs(argv: readonly string[]): ExplainArgs {
  const out: ExplainArgs = { table: emptyTableArgs(), method: 'GET', headers: [], json: false, help: false };
  for (let i = 0; i < argv.length;) {
    const a = argv[i];
    const used = parseTableArg(argv, i, out.table);
    if (used > 0) { i += used; continue; }
    if (a === '-h' || a === '--help') { out.help = true; i++; continue; }
    if (a === '--json') { out.json = true; i++; continue; }
    if (a === '-X' || a === '--request') {
      const v = argv[i + 1];
      if (v === undefined || !/^[A-Za-z]+$/.test(v)) throw usageError(`${a} needs a method (e.g. -X POST)`);
      out.method = v.toUpperCase();
      i += 2;
      continue;
    }
    if (a === '-H' || a === '--header') {
      const v = argv[i + 1];
      const colon = v === undefined ? -1 : v.indexOf(':');
      if (v === undefined || colon <= 0) throw usageError(`${a} needs 'name: value' (e.g. -H 'x-version: 2')`);
      out.headers.push([v.slice(0, colon).trim().toLowerCase(), v.slice(colon + 1).trim()]);
      i += 2;
      continue;
    }
    if (a.startsWith('-')) throw usageError(`unknown option ${a}`);
    if (out.url !== undefined) throw usageError(`only one URL may be given (got ${out.url} and ${a})`);
    out.url = a;
    i++;
  }
  return out;
}

/** URL + method + headers -> the request the router sees (gateway filled in by the caller). */
export function requestFromUrl(url: string, method: string, headerList: readonly [string, string][], gateway: string): RouteRequest {
  const m = /^(https?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/i.exec(url);
  if (!m || m[2] === '') throw usageError(`URL must look like http://HOST[:PORT]/PATH[?QUERY] (got ${JSON.stringify(url)})`);
  const scheme = m[1].toLowerCase();
  const authority = m[2].includes('@') ? m[2].slice(m[2].lastIndexOf('@') + 1) : m[2];
  const portMatch = /:([0-9]+)$/.exec(authority);
  const port = portMatch && !authority.endsWith(']') ? Number(portMatch[1]) : scheme === 'https' ? 443 : 80;
  if (!(port >= 1 && port <= 65535)) throw usageError(`URL port must be 1..65535 (got ${portMatch?.[1]})`);
  const headers: Record<string, string | string[]> = {};
  for (const [n, v] of headerList) {
    const prev = headers[n];
    headers[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const hostHeader = typeof headers.host === 'string' ? headers.host : authority;
  const host = normalizeHost(hostHeader);
  const path = m[3] === '' ? '/' : m[3];
  const grpc = grpcCall(headers['content-type'], path);
  return {
    gateway,
    port,
    ...(scheme === 'https' ? { sni: normalizeHost(authority) } : {}),
    host,
    method,
    path,
    query: m[4] ?? '',
    headers,
    ...(grpc ? { grpc } : {}),
  };
}

/**
 * The Gateway to ask: the one given with --gateway, else the only Gateway (among those given, or all)
 * with a listener on `port`.
 */
export function pickGateway(table: CompiledTable, requested: readonly string[], port: number): string {
  const candidates = requested.length > 0 ? table.gateways.filter((g) => requested.includes(g.key)) : table.gateways;
  if (requested.length === 1) return requested[0];
  const withPort = candidates.filter((g) => g.ports.some((p) => p.port === port)).map((g) => g.key);
  if (withPort.length === 1) return withPort[0];
  if (withPort.length === 0) {
    const all = table.gateways.map((g) => `${g.key} (${g.ports.map((p) => p.port).join(', ') || 'no listeners'})`).join(', ');
    throw usageError(`no Gateway has a listener on port ${port} (${all || 'no Gateways in the input'})`);
  }
  throw usageError(`several Gateways listen on port ${port} (${withPort.join(', ')}): pick one with --gateway NS/NAME`);
}

/** Human-readable explanation. */
export function formatExplain(r: ExplainResult): string {
  const lines: string[] = [];
  const q = r.request.query ? `?${r.request.query}` : '';
  lines.push(`request   ${r.request.method} ${r.request.host}${r.request.path}${q} on ${r.request.gateway} port ${r.request.port}${r.request.sni ? ` (SNI ${r.request.sni})` : ''}${r.request.grpc ? ` (gRPC ${r.request.grpc.service}/${r.request.grpc.method})` : ''}`);
  if (r.listener) lines.push(`listener  ${r.listener.name} (${r.listener.protocol} :${r.listener.port}, hostname ${r.listener.hostname ?? '*'})`);
  if (r.route) lines.push(`route     ${r.route.kind} ${r.route.namespace}/${r.route.name}${r.route.hostname ? ` (hostname ${r.route.hostname})` : ''}`);
  if (r.rule) lines.push(`rule      ${ruleLabel(r.rule.index, r.rule.name).slice('rule '.length)} at ${r.rule.source}`);
  if (r.matches) lines.push(`match     ${r.matches.index}: ${r.matches.summary}`);
  for (const [i, f] of r.filters.entries()) lines.push(`${i === 0 ? 'filters   ' : '          '}${(f as any).type}${filterDetail(f)}`);
  for (const [i, b] of r.backends.entries()) {
    const where = b.invalid ? `invalid: ${b.invalid.reason}` : b.endpoints ? `-> ${b.endpoints.join(', ')}${b.protocol && b.protocol !== 'http1' ? ` (${b.protocol})` : ''}` : '';
    const name = `${b.kind === 'Service' && b.group === '' ? '' : `${b.group}/${b.kind} `}${b.namespace}/${b.name}${b.port !== undefined ? `:${b.port}` : ''}`;
    lines.push(`${i === 0 ? 'backends  ' : '          '}${(b.probability * 100).toFixed(1).padStart(5)}%  ${name} (weight ${b.weight}) ${where}`.trimEnd());
  }
  lines.push(`outcome   ${r.outcome} -> ${r.status}: ${r.reason}`);
  for (const [i, n] of (r.nearMisses ?? []).entries()) {
    lines.push(`${i === 0 ? 'not taken ' : '          '}${n.route} ${ruleLabel(n.rule, n.ruleName)} match ${n.match} [${n.summary}]: ${n.failed}`);
  }
  return lines.join('\n');
}

function filterDetail(f: any): string {
  switch (f.type) {
    case 'RequestRedirect': return ` ${f.statusCode}${f.scheme ? ` scheme ${f.scheme}` : ''}${f.hostname ? ` host ${f.hostname}` : ''}${f.port ? ` port ${f.port}` : ''}${f.path ? ` ${f.path.type} ${f.path.value}` : ''}`;
    case 'URLRewrite': return `${f.hostname ? ` host ${f.hostname}` : ''}${f.path ? ` ${f.path.type} ${f.path.value}` : ''}`;
    case 'RequestMirror': return ` ${(f.fraction * 100).toFixed(1)}% to ${f.backend.namespace}/${f.backend.name}${f.backend.port ? `:${f.backend.port}` : ''}${f.backend.invalid ? ` (invalid: ${f.backend.invalid.reason})` : ''}`;
    case 'Unsupported': return ` ${f.filterType}: ${f.reason}`;
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      return `${f.set.length ? ` set ${f.set.map((h: any) => `${h.name}: ${h.value}`).join(', ')}` : ''}${f.add.length ? ` add ${f.add.map((h: any) => `${h.name}: ${h.value}`).join(', ')}` : ''}${f.remove.length ? ` remove ${f.remove.join(', ')}` : ''}`;
    default: return '';
  }
}

/** The `explain` subcommand. Resolves to the exit status. */
export async function runExplain(argv: readonly string[], io: { stdout: (s: string) => void; stderr: (s: string) => void } = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}): Promise<number> {
  try {
    const args = parseExplainArgs(argv);
    if (args.help) {
      io.stdout(`${EXPLAIN_USAGE}\n`);
      return 0;
    }
    if (args.url === undefined) throw usageError('a URL is required (e.g. http://example.com/api)');
    const table = compileFromArgs(args.table);
    const probe = requestFromUrl(args.url, args.method, args.headers, '');
    const gateway = pickGateway(table, args.table.gateways, probe.port);
    const result = explain(table, { ...probe, gateway });
    for (const w of table.warnings) io.stderr(`warning: ${w.where}: ${w.message}\n`);
    io.stdout(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatExplain(result)}\n`);
    return result.status >= 400 ? 1 : 0;
  } catch (e: any) {
    if (e instanceof ConfigError) {
      io.stderr(`cdk8s-gateway explain: ${e.message}\n`);
      if (e.file === '(arguments)') io.stderr(`\n${EXPLAIN_USAGE}\n`);
      return 2;
    }
    throw e;
  }
}
