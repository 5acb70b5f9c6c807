/**
 * The `cdk8s-gateway` command: dispatches to the subcommands. Nothing here listens or reads files at
 * import time; each subcommand module is loaded only when it is asked for.
 */

const USAGE = `usage: cdk8s-gateway <command> [options]

commands:
  serve      route real traffic by Gateway API YAML (Gateway, HTTPRoute, GRPCRoute, ReferenceGrant),
             or with --kubernetes by the Gateway API objects of a cluster, writing their status
  explain    say which listener, route, rule and backends a request would get, and why
  validate   check YAML against the Gateway API v1.6.1 CRD schemas and CEL rules
  graph      draw the route table as a Mermaid flowchart

run 'cdk8s-gateway <command> --help' for the options of a command; 'cdk8s-gateway --version' prints the version.`;

/** The version of the installed package (read when asked: `lib/dataplane` and `src/dataplane` are two levels down). */
export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync } = require('fs') as typeof import('fs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { join } = require('path') as typeof import('path');
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./serve') as typeof import('./serve')).runServe(rest);
    case 'explain':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./explain') as typeof import('./explain')).runExplain(rest);
    case 'validate':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./validate') as typeof import('./validate')).runValidate(rest);
    case 'graph':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./graph') as typeof import('./graph')).runGraph(rest);
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`cdk8s-gateway ${packageVersion()}\n`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`cdk8s-gateway: unknown command '${command}'\n\n${USAGE}\n`);
      return 2;
  }
}
