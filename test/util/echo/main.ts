/**
 * Standalone echo backends: `npx ts-node test/util/echo/main.ts NAMESPACE/SERVICE:PORT[=http|h2c|grpc]...`
 * starts them on 127.0.0.1, prints the `--backends` map as one JSON line and serves until SIGINT/SIGTERM.
 */
import { parseEchoSpecs, startEchoFleet } from './fleet';

async function run(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write('usage: main.ts NAMESPACE/SERVICE:PORT[=http|h2c|grpc]...   (e.g. demo/web:8080 demo/web:8081=h2c demo/rpc:9000=grpc)\n');
    return argv.length === 0 ? 2 : 0;
  }
  const fleet = await startEchoFleet(parseEchoSpecs(argv));
  process.stdout.write(`${JSON.stringify(fleet.map)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.close();
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`echo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
