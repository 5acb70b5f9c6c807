/**
 * The admin `/config` dump (opt-in: `serve --admin-config`): the compiled table as compact JSON, in the shape of
 * `describeTable`, without header values (the values of header modifiers often carry credentials; header match values
 * are redacted alike) and without certificate material (certificates are named by their Secret only).
 *
 * It never stalls the data plane: the dump of a table generation is produced once, a few routes at a time with a
 * turn of the event loop between chunks, and kept until the table changes; requests that arrive meanwhile share it.
 */
import { setImmediate as nextTurn } from 'timers/promises';
import { describeTable } from '../engine/describe';
import type { AttachedRoute, CompiledListener, CompiledTable } from '../engine/model';

/** What replaces a header value in the dump. */
export const REDACTED = '(redacted)';

/** Arrays of `{ name, value }` under these keys hold header values (matches, and the modifiers' set/add). */
const HEADER_LISTS = new Set(['headers', 'set', 'add']);

/** A copy of a described value without header values. */
export function redactHeaderValues(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const headerList = key !== undefined && HEADER_LISTS.has(key);
    return value.map((v) => (headerList && v !== null && typeof v === 'object' && 'value' in v ? { ...redactObject(v), value: REDACTED } : redactHeaderValues(v)));
  }
  return value !== null && typeof value === 'object' ? redactObject(value as Record<string, unknown>) : value;
}

function redactObject(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = redactHeaderValues(v, k);
  return out;
}

export interface ConfigDumpOptions {
  /** Routes described per turn of the event loop. Default 100. */
  readonly routesPerChunk?: number;
}

/** The `/config` body of the table being served, produced once per generation. */
export class ConfigDump {
  private current?: { readonly generation: number; readonly body: Promise<Buffer[]> };
  private readonly routesPerChunk: number;

  constructor(private readonly table: () => CompiledTable, options: ConfigDumpOptions = {}) {
    this.routesPerChunk = Math.max(1, options.routesPerChunk ?? 100);
  }

  /** The JSON body (in pieces) of the current table. */
  body(): Promise<Buffer[]> {
    const table = this.table();
    if (this.current?.generation !== table.generation) {
      const body = produce(table, this.routesPerChunk);
      this.current = { generation: table.generation, body };
      body.catch(() => {
        if (this.current?.body === body) this.current = undefined;
      });
    }
    return this.current.body;
  }
}

async function produce(table: CompiledTable, routesPerChunk: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const put = (s: string) => out.push(Buffer.from(s));
  // The table without routes is small: described in one go, then each listener's routes are filled in by chunks.
  const skeleton = describeTable({
    ...table,
    gateways: table.gateways.map((g) => ({ ...g, ports: g.ports.map((p) => ({ ...p, listeners: p.listeners.map((l) => ({ ...l, routes: [] })) })) })),
  }) as any;
  put(`{"generation":${JSON.stringify(skeleton.generation)},"gateways":[`);
  for (const [gi, g] of table.gateways.entries()) {
    const sg = skeleton.gateways[gi];
    put(`${gi ? ',' : ''}{"namespace":${JSON.stringify(sg.namespace)},"name":${JSON.stringify(sg.name)},"ports":[`);
    for (const [pi, p] of g.ports.entries()) {
      const sp = sg.ports[pi];
      put(`${pi ? ',' : ''}{"port":${JSON.stringify(sp.port)},"protocol":${JSON.stringify(sp.protocol)},"listeners":[`);
      for (const [li, l] of p.listeners.entries()) {
        const { routes: _none, ...head } = sp.listeners[li];
        put(`${li ? ',' : ''}${JSON.stringify(redactHeaderValues(head)).slice(0, -1)},"routes":[`);
        for (let i = 0; i < l.routes.length; i += routesPerChunk) {
          await nextTurn();
          const described = describeRoutes(table, l, l.routes.slice(i, i + routesPerChunk));
          put(`${i ? ',' : ''}${described.map((r) => JSON.stringify(redactHeaderValues(r))).join(',')}`);
        }
        put(']}');
      }
      put(']}');
    }
    put(']}');
  }
  put(`],"sockets":${JSON.stringify(redactHeaderValues(skeleton.sockets))},"warnings":${JSON.stringify(skeleton.warnings)}}\n`);
  return out;
}

/** `describeTable`'s view of some routes of one listener. */
function describeRoutes(table: CompiledTable, listener: CompiledListener, routes: readonly AttachedRoute[]): unknown[] {
  const one = describeTable({
    generation: table.generation,
    sockets: [],
    warnings: [],
    gateways: [{ namespace: '', name: '', key: '', ports: [{ port: listener.port, protocol: listener.protocol, listeners: [{ ...listener, routes }] }] }],
  }) as any;
  return one.gateways[0].ports[0].listeners[0].routes;
}
