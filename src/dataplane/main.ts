/**
 * Process entry point of the `cdk8s-gateway` command (the package's bin and the bundled image both start here).
 * Importing any other module of the data plane has no side effects; this one runs the command.
 */
import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cdk8s-gateway: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
