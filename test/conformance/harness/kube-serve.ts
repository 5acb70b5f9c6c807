/**
 * `cdk8s-gateway serve` for the conformance run through the API server, as a child process: the same command line
 * and composition root, plus the address translation of the echo "pods" (harness/kube-objects.ts), which no flag
 * sets. CONFORMANCE_POD_ADDRESSES is a JSON object `{ "192.0.2.1": "127.0.0.1", ... }`.
 */
import { runServe } from '../../../src/dataplane/serve';

const addresses: Record<string, string> = JSON.parse(process.env.CONFORMANCE_POD_ADDRESSES ?? '{}');

runServe(process.argv.slice(2), { translateAddress: (host, port) => ({ host: addresses[host] ?? host, port }) }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
