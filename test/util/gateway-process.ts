/**
 * One `cdk8s-gateway serve` child process with exactly the arguments given (the launcher of the conformance
 * harness: the built bin, or the sources transpiled on load), its JSON log lines, and its exit.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as readline from 'readline';
import { chooseLauncher, REPO_ROOT, serveCommand } from '../conformance/harness/gateway';

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Every JSON line of stdout so far. */
  readonly lines: any[];
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves when a log line satisfies `test`; rejects on exit or after `timeoutMs`. */
  line(test: (l: any) => boolean, timeoutMs: number): Promise<any>;
  /** stderr and the last stdout lines, for failure messages. */
  output(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts `serve ARGS` (without the leading `serve`). */
export function spawnGatewayProcess(args: readonly string[]): GatewayProcess {
  const cmd = serveCommand(chooseLauncher().launcher, args);
  const child = spawn(cmd.command, cmd.args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  live.add(child);
  const lines: any[] = [];
  const raw: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  let done = false;
  readline.createInterface({ input: child.stdout! }).on('line', (text) => {
    raw.push(text);
    if (raw.length > 50) raw.shift();
    try {
      lines.push(JSON.parse(text));
    } catch {
      return;
    }
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    live.delete(child);
    done = true;
    for (const w of [...waiters]) w();
    resolve(code);
  }));
  const output = () => `stderr: ${stderr.slice(-2000)}\nstdout: ${raw.slice(-15).join('\n')}`;
  const line = (test: (l: any) => boolean, timeoutMs: number) => new Promise<any>((resolve, reject) => {
    const check = () => {
      const found = lines.find(test);
      if (found || done) {
        clearTimeout(timer);
        waiters.delete(check);
        if (found) resolve(found);
        else reject(new Error(`the gateway exited before the expected log line\n${output()}`));
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`the expected log line did not come in ${timeoutMs} ms\n${output()}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
  return { child, lines, exited, line, output };
}
