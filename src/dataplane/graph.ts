/**
 * `cdk8s-gateway graph`: the compiled route table as a Mermaid flowchart
 * (Gateway -> listener -> route -> rule with its matches -> backends with their share of traffic).
 *
 * Drawn from the same compiled table `serve` routes by, so the picture is what the gateway does, in the
 * gateway's precedence order.
 */
import { ConfigError } from './config/load';
import { backendProbabilities } from './engine/balancer';
import { matchSummary } from './engine/describe';
import { CompiledBackend, CompiledFilter, CompiledRule, CompiledTable } from './engine/model';
import { TABLE_ARGS_USAGE, compileFromArgs, emptyTableArgs, parseTableArg, usageError } from './engine/options';
import { ruleLabel } from '../model/rule-label';

export const GRAPH_USAGE = `usage: cdk8s-gateway graph --routes PATH... [--gateway NS/NAME] [--backends FILE] [--direction LR|TD]
       cdk8s-gateway graph PATH...

Prints the route table as a Mermaid flowchart: Gateway -> listener -> route -> rule (matches) -> backends
with their share of traffic.

${TABLE_ARGS_USAGE}
  --direction LR|TD     layout direction (default LR)
`;

/** Renders the table as Mermaid `flowchart` source. */
export function renderMermaid(table: CompiledTable, options: { direction?: 'LR' | 'TD' } = {}): string {
  const lines: string[] = [`flowchart ${options.direction ?? 'LR'}`];
  const ids = new Map<string, string>();
  const declared = new Set<string>();
  const edges = new Set<string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) {
      v = `n${ids.size}`;
      ids.set(key, v);
    }
    return v;
  };
  const node = (key: string, label: string, shape: 'box' | 'round' | 'stadium' | 'hex' = 'box') => {
    const n = id(key);
    if (!declared.has(n)) {
      declared.add(n);
      const text = escapeLabel(label);
      const open = { box: '["', round: '("', stadium: '(["', hex: '{{"' }[shape];
      const close = { box: '"]', round: '")', stadium: '"])', hex: '"}}' }[shape];
      lines.push(`  ${n}${open}${text}${close}`);
    }
    return n;
  };
  const edge = (from: string, to: string, label?: string, dotted = false) => {
    let text: string;
    if (label === undefined) text = `  ${from} ${dotted ? '-.->' : '-->'} ${to}`;
    else text = `  ${from} ${dotted ? '-.' : '--'} "${escapeLabel(label)}" ${dotted ? '.->' : '-->'} ${to}`;
    if (!edges.has(text)) {
      edges.add(text);
      lines.push(text);
    }
  };

  for (const gateway of table.gateways) {
    const g = node(`gw:${gateway.key}`, `Gateway ${gateway.key}`, 'hex');
    for (const port of gateway.ports) {
      for (const listener of port.listeners) {
        const lkey = `l:${gateway.key}:${listener.name}`;
        const l = node(lkey, `${listener.name} ${listener.protocol} :${listener.port}${listener.hostname ? ` ${listener.hostname}` : ''}`, 'stadium');
        edge(g, l);
        for (const route of listener.routes) {
          const rkey = `r:${route.kind}:${route.namespace}/${route.name}`;
          const r = node(rkey, `${route.kind} ${route.namespace}/${route.name}${route.hostnames.length ? `<br/>${route.hostnames.join(', ')}` : ''}`, 'round');
          edge(l, r);
          for (const rule of route.rules) drawRule(rule, r, rkey);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;

  function drawRule(rule: CompiledRule, r: string, rkey: string): void {
    const matchText = rule.matches.map((m) => matchSummary(m)).join('<br/>or ');
    const title = ruleLabel(rule.index, rule.name);
    const filters = rule.filters.filter((f) => f.type !== 'RequestMirror').map(filterSummary);
    const ru = node(`${rkey}#${rule.index}`, [title, matchText, ...filters].filter(Boolean).join('<br/>'));
    edge(r, ru);
    if (rule.directResponse) {
      edge(ru, node(`answer:${rule.directResponse.status}`, `answers ${rule.directResponse.status}`, 'round'));
    }
    const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
    if (redirect && redirect.type === 'RequestRedirect') {
      edge(ru, node(`redirect:${redirect.statusCode}`, `redirect ${redirect.statusCode}`, 'round'));
    }
    const probs = backendProbabilities(rule);
    rule.backends.forEach((b, i) => {
      const bn = backendNode(b);
      edge(ru, bn, b.invalid ? `${percent(probs[i])} answers 500: ${b.invalid.reason}` : percent(probs[i]));
    });
    for (const f of rule.filters) {
      if (f.type === 'RequestMirror') edge(ru, backendNode(f.backend), `mirror ${percent(f.fraction)}`, true);
    }
  }

  function backendNode(b: CompiledBackend): string {
    const port = b.ref.port !== undefined ? `:${b.ref.port}` : '';
    const kind = b.ref.kind === 'Service' && b.ref.group === '' ? '' : `${b.ref.group ? `${b.ref.group}/` : ''}${b.ref.kind} `;
    return node(`b:${b.ref.group}/${b.ref.kind}/${b.ref.namespace}/${b.ref.name}${port}`, `${kind}${b.ref.namespace}/${b.ref.name}${port}`);
  }
}

function filterSummary(f: CompiledFilter): string {
  switch (f.type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      return `${f.type}`;
    case 'URLRewrite':
      return `URLRewrite${f.hostname ? ` host ${f.hostname}` : ''}${f.path ? ` ${f.path.type} ${f.path.value}` : ''}`;
    case 'RequestRedirect':
      return `RequestRedirect ${f.statusCode}`;
    default:
      return f.type;
  }
}

function percent(p: number): string {
  const v = p * 100;
  return `${Number.isInteger(v) ? v : Number(v.toFixed(2))}%`;
}

/** Mermaid labels are quoted: quotes and angle brackets are written as entities (`<br/>` is kept). */
function escapeLabel(text: string): string {
  return text
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/<(?!br\/>)/g, '#lt;')
    .replace(/(?<!<br\/)>/g, '#gt;');
}

export async function runGraph(argv: readonly string[], io: { stdout: (s: string) => void; stderr: (s: string) => void } = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}): Promise<number> {
  try {
    const args = emptyTableArgs();
    let direction: 'LR' | 'TD' = 'LR';
    let i = 0;
    while (i < argv.length) {
      const a = argv[i];
      if (a === '-h' || a === '--help') {
        io.stdout(GRAPH_USAGE);
        return 0;
      }
      if (a === '--direction') {
        const v = argv[i + 1];
        if (v !== 'LR' && v !== 'TD') throw usageError(`--direction must be LR or TD (got ${JSON.stringify(v)})`);
        direction = v;
        i += 2;
        continue;
      }
      const used = parseTableArg(argv, i, args);
      if (used > 0) {
        i += used;
        continue;
      }
      if (a.startsWith('-')) throw usageError(`unknown option ${a}`);
      args.routes.push(a);
      i++;
    }
    if (args.routes.length === 0) throw usageError('no input: pass --routes PATH (or PATH...)');
    io.stdout(renderMermaid(compileFromArgs(args), { direction }));
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`cdk8s-gateway graph: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
