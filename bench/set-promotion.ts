/* eslint-disable import/no-extraneous-dependencies */ // bench/ is not shipped; its tools are dev dependencies
/**
 * Why the listeners keep what is in flight in `InFlight` (src/dataplane/proxy/in-flight.ts) and not in a `Set`:
 * what V8 promotes when a process-long collection has an entry added and removed per request.
 *
 *   npx ts-node --transpile-only bench/set-promotion.ts [--seconds 3] [--live 8]
 *
 * Each variant runs in a child process with the gateway's Node flags and `--trace-gc-nvp`: the collection first
 * sits idle while a few scavenges run (as at start-up, before traffic), then `--live` objects of about 3 KB each
 * are kept in it at a time, the oldest removed as each new one is added, with a little short-lived garbage per
 * step (a request). Printed: scavenges, bytes promoted per scavenge (after the first five), major collections.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { GATEWAY_NODE_FLAGS } from '../src/dataplane/memory';
import { InFlight, InFlightEntry } from '../src/dataplane/proxy/in-flight';

function child(mode: string, seconds: number, liveCount: number): void {
  const set = new Set<object>([{}, {}]);
  const list = new InFlight<object>();
  const live: (object | InFlightEntry<object>)[] = [];
  let sink = 0;
  for (let i = 0; i < 3e6; i++) sink += ({ i }).i; // idle: scavenges promote the collection and its table
  const step = () => {
    const obj = { payload: Array.from({ length: 200 }, (_, i) => ({ i })) };
    live.push(mode === 'set' ? (set.add(obj), obj) : list.add(obj));
    if (live.length > liveCount) {
      const old = live.shift()!;
      if (mode === 'set') set.delete(old);
      else list.delete(old as InFlightEntry<object>);
    }
    for (let k = 0; k < 20; k++) sink += ({ k }).k;
  };
  const end = Date.now() + seconds * 1000;
  const loop = () => {
    for (let i = 0; i < 2000; i++) step();
    if (Date.now() < end) setImmediate(loop);
    else if (sink < 0) console.log(sink);
  };
  loop();
}

/** The collections `--trace-gc-nvp` printed: `key=value` pairs (V8 of Node 22 and 24) or `GC: {json}` (Node 26). */
function gcEvents(out: string): { gc: string; promoted: number }[] {
  const events: { gc: string; promoted: number }[] = [];
  for (const line of out.split('\n')) {
    const json = line.indexOf('GC: {');
    if (json >= 0) {
      const e = JSON.parse(line.slice(json + 4));
      events.push({ gc: String(e.gc), promoted: Number(e.promoted ?? 0) });
      continue;
    }
    const gc = / gc=(\S+)/.exec(line)?.[1];
    if (gc) events.push({ gc, promoted: Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0) });
  }
  return events;
}

function main(): void {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const seconds = arg('--seconds', 3);
  const live = arg('--live', 8);
  const modeAt = process.argv.indexOf('--child');
  if (modeAt >= 0) return child(process.argv[modeAt + 1], seconds, live);
  console.log(`node ${process.version}, flags ${GATEWAY_NODE_FLAGS.join(' ')} --trace-gc-nvp; ${live} live entries, ${seconds} s`);
  console.log('| collection | scavenges | promoted per scavenge | major collections |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const mode of ['set', 'list']) {
    const out = execFileSync(process.execPath, [
      ...GATEWAY_NODE_FLAGS, '--trace-gc-nvp', '-r', require.resolve('ts-node/register/transpile-only'),
      path.join(__dirname, 'set-promotion.ts'), '--child', mode, '--seconds', String(seconds), '--live', String(live),
    ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const events = gcEvents(out);
    const scavenges = events.filter((e) => e.gc === 's');
    const promoted = scavenges.slice(5).map((e) => e.promoted);
    const perScavenge = promoted.length ? promoted.reduce((a, b) => a + b, 0) / promoted.length / 1024 : 0;
    const majors = events.filter((e) => e.gc === 'mc').length;
    console.log(`| ${mode === 'set' ? '`Set`' : '`InFlight`'} | ${scavenges.length} | ${perScavenge.toFixed(0)} KB | ${majors} |`);
  }
}

main();
