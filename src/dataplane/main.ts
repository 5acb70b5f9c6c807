/**
 * Process entry point of the `cdk8s-gateway` command (the package's bin and the bundled image both start here).
 * Importing any other module of the data plane has no side effects (config/reader.ts has one, only in the worker
 * thread it starts); this one runs the command.
 */
import { isMainThread, workerData } from 'worker_threads';
import { main } from './cli';

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cdk8s-gateway: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
} else if ((workerData as { role?: string } | undefined)?.role === 'cdk8s-gateway-input-reader') {
  // The single-file bundle is also the script of the input reader's worker thread: loading the reader starts it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./config/reader');
}
