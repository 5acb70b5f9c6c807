import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocuments } from '../../src/dataplane/config/load';
import { compile } from '../../src/dataplane/engine/compile';
import { renderMermaid, runGraph } from '../../src/dataplane/graph';

const YAML_INPUT = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: task-api-gateway, namespace: task-api }
spec:
  gatewayClassName: cdk8s-gateway
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: task-api-canary, namespace: task-api }
spec:
  parentRefs: [{ name: task-api-gateway }]
  rules:
    - matches: [{ path: { type: Exact, value: /api/health } }]
      backendRefs: [{ name: health-checker, port: 8000 }]
    - matches: [{ path: { type: PathPrefix, value: /api/ }, headers: [{ name: x-version, value: "2" }] }]
      filters: [{ type: RequestMirror, requestMirror: { backendRef: { name: task-api-shadow, port: 8000 }, percent: 25 } }]
      backendRefs:
        - { name: task-api-stable, port: 8000, weight: 90 }
        - { name: task-api-canary, port: 8000, weight: 10 }
    - matches: [{ path: { type: PathPrefix, value: /old } }]
      filters: [{ type: RequestRedirect, requestRedirect: { path: { type: ReplaceFullPath, replaceFullPath: '/new' }, statusCode: 301 } }]
`;

describe('graph', () => {
  test('draws gateway, listener, route, rules with matches and backends with their share', () => {
    // GIVEN
    const table = compile(parseDocuments(YAML_INPUT, 'routes.yaml'));
    // WHEN
    const mermaid = renderMermaid(table);
    // THEN
    expect(mermaid.split('\n')).toStrictEqual([
      'flowchart LR',
      '  n0{{"Gateway task-api/task-api-gateway"}}',
      '  n1(["http HTTP :80"])',
      '  n0 --> n1',
      '  n2("HTTPRoute task-api/task-api-canary")',
      '  n1 --> n2',
      '  n3["rule 0<br/>Exact /api/health"]',
      '  n2 --> n3',
      '  n4["task-api/health-checker:8000"]',
      '  n3 -- "100%" --> n4',
      '  n5["rule 1<br/>PathPrefix /api/, header x-version=2"]',
      '  n2 --> n5',
      '  n6["task-api/task-api-stable:8000"]',
      '  n5 -- "90%" --> n6',
      '  n7["task-api/task-api-canary:8000"]',
      '  n5 -- "10%" --> n7',
      '  n8["task-api/task-api-shadow:8000"]',
      '  n5 -. "mirror 25%" .-> n8',
      '  n9["rule 2<br/>PathPrefix /old<br/>RequestRedirect 301"]',
      '  n2 --> n9',
      '  n10("redirect 301")',
      '  n9 --> n10',
      '',
    ]);
  });

  test('the command reads files and directories and prints the diagram', async () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-'));
    fs.writeFileSync(path.join(dir, 'app.k8s.yaml'), YAML_INPUT);
    const out: string[] = [];
    // WHEN
    const code = await runGraph([dir, '--direction', 'TD'], { stdout: (s) => out.push(s), stderr: (s) => out.push(s) });
    // THEN
    expect(code).toStrictEqual(0);
    expect(out.join('')).toMatch(/^flowchart TD\n/);
    expect(out.join('')).toContain('n5 -- "10%" --> n7');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails with a message naming the unreadable input', async () => {
    const err: string[] = [];
    const code = await runGraph(['/nonexistent/routes.yaml'], { stdout: () => undefined, stderr: (s) => err.push(s) });
    expect(code).toStrictEqual(2);
    expect(err.join('')).toMatch(/\/nonexistent\/routes\.yaml: cannot read input: no such file or directory/);
  });

  test('fails on an unknown direction', async () => {
    const err: string[] = [];
    const code = await runGraph(['x.yaml', '--direction', 'RL'], { stdout: () => undefined, stderr: (s) => err.push(s) });
    expect(code).toStrictEqual(2);
    expect(err.join('')).toMatch(/--direction must be LR or TD \(got "RL"\)/);
  });
});
