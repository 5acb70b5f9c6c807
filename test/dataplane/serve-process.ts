/**
 * `cdk8s-gateway serve` as a child process (TypeScript through ts-node), its stdout JSON lines collected.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Every stdout line, parsed (or `{ raw }`). */
  readonly lines: any[];
  readonly exited: Promise<number | null>;
  stderr(): string;
}

export function spawnServeProcess(args: string[]): ServeProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src/dataplane/main.ts'), 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ ignoreDeprecations: '6.0', module: 'commonjs', moduleResolution: 'node' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited };
}
