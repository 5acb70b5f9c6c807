/**
 * Translates one case file into the gateway's input: a directory of YAML files (Namespaces, Services,
 * the TLS Secret, Gateways, Routes, ReferenceGrants, the case's other resources) next to a `--backends` JSON
 * file. Mutations (`before`) rewrite the directory in place.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { GATEWAY_CLASS_NAME, type CaseFile, type K8sObject, type Mutation } from './cases';

export interface InputParts {
  namespaces: K8sObject[];
  services: K8sObject[];
  secrets: K8sObject[];
  gateways: K8sObject[];
  routes: K8sObject[];
  referenceGrants: K8sObject[];
  other: K8sObject[];
}

/** File names inside the routes directory, in the order the documents are written. */
const FILES: Record<keyof InputParts, string> = {
  namespaces: '00-namespaces.yaml',
  services: '01-services.yaml',
  secrets: '02-secrets.yaml',
  gateways: '10-gateways.yaml',
  routes: '20-routes.yaml',
  referenceGrants: '30-referencegrants.yaml',
  other: '40-other-resources.yaml',
};

/** Replaces upstream's `{GATEWAY_CLASS_NAME}` placeholder everywhere in an object. */
export function withGatewayClass<T>(o: T): T {
  return JSON.parse(JSON.stringify(o).split('{GATEWAY_CLASS_NAME}').join(GATEWAY_CLASS_NAME));
}

export function inputParts(file: CaseFile, extra: { namespaces: K8sObject[]; services: K8sObject[]; secrets: K8sObject[] }): InputParts {
  return {
    namespaces: extra.namespaces,
    services: extra.services,
    secrets: extra.secrets,
    gateways: file.gateways.map(withGatewayClass),
    routes: file.routes.map(withGatewayClass),
    referenceGrants: (file.referenceGrants ?? []).map(withGatewayClass),
    other: (file.otherResources ?? []).map(withGatewayClass),
  };
}

export function toYaml(docs: readonly K8sObject[]): string {
  return docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n');
}

export interface InputDirectory {
  /** The directory passed as `--routes`. */
  readonly routesDir: string;
  /** The file passed as `--backends`. */
  readonly backendsFile: string;
  readonly parts: InputParts;
  /** Applies a `before` mutation to the files. */
  apply(m: Mutation): void;
}

/** Writes `parts` into `<root>/routes/` and the backends map into `<root>/backends.json`. */
export function writeInput(root: string, parts: InputParts, backends: Record<string, string>): InputDirectory {
  const routesDir = path.join(root, 'routes');
  fs.mkdirSync(routesDir, { recursive: true });
  const backendsFile = path.join(root, 'backends.json');
  fs.writeFileSync(backendsFile, `${JSON.stringify(backends, null, 2)}\n`);
  const state: InputParts = { ...parts };
  const write = (key: keyof InputParts) => {
    const target = path.join(routesDir, FILES[key]);
    if (state[key].length === 0) {
      fs.rmSync(target, { force: true });
      return;
    }
    const tmp = path.join(root, `${FILES[key]}.tmp`);
    fs.writeFileSync(tmp, toYaml(state[key]));
    fs.renameSync(tmp, target);
  };
  for (const key of Object.keys(FILES) as Array<keyof InputParts>) write(key);
  return {
    routesDir,
    backendsFile,
    parts: state,
    apply: (m) => {
      for (const d of m.delete ?? []) {
        let found = false;
        for (const key of Object.keys(FILES) as Array<keyof InputParts>) {
          const before = state[key].length;
          state[key] = state[key].filter(
            (o) => !(o.apiVersion === d.apiVersion && o.kind === d.kind && (o.metadata.namespace ?? 'default') === d.namespace && o.metadata.name === d.name),
          );
          if (state[key].length !== before) {
            found = true;
            write(key);
          }
        }
        if (!found) throw new Error(`mutation deletes ${d.kind} ${d.namespace}/${d.name}, which is not in the input`);
      }
    },
  };
}

/**
 * The `--listen` arguments for a file: one per (Gateway, listener port); qualified `NS/NAME:PORT=...` when
 * several Gateways share a port, plain `PORT=...` otherwise.
 */
export function listenArgs(file: CaseFile): string[] {
  const byPort = new Map<number, Set<string>>();
  for (const g of file.gateways) {
    for (const l of g.spec?.listeners ?? []) {
      const set = byPort.get(l.port) ?? new Set<string>();
      set.add(`${g.metadata.namespace ?? 'default'}/${g.metadata.name}`);
      byPort.set(l.port, set);
    }
  }
  const out: string[] = [];
  for (const [port, gws] of [...byPort.entries()].sort((a, b) => a[0] - b[0])) {
    if (gws.size === 1) out.push(`${port}=127.0.0.1:0`);
    else for (const gw of [...gws].sort()) out.push(`${gw}:${port}=127.0.0.1:0`);
  }
  return out;
}
