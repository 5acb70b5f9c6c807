/**
 * @marcbachmann/cel-js ships only ES modules. Node loads it with require() (require(esm)), but Jest's module
 * system does not on Node 20; this turns the installed package into one CommonJS module with the esbuild
 * the project already uses, in memory, so that Jest can load it. Nothing is written and the code is the
 * installed package's own.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

export function loadCelJsAsCommonJs(): unknown {
  const entry = require.resolve('@marcbachmann/cel-js');
  const esbuild = path.join(path.dirname(require.resolve('esbuild/package.json')), 'bin', 'esbuild');
  const code = execFileSync(
    esbuild,
    [entry, '--bundle', '--format=cjs', '--platform=node', '--target=node20', '--log-level=error'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const mod = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require);
  return mod.exports;
}
