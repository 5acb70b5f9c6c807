/**
 * bench/RESULTS.md is written by several benchmarks, each owning one `## ` section: a run replaces its own section
 * (or appends it) and leaves the others as they are.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Replaces the section whose heading is `heading` (`## ...`, the first line of `section`) in `out`, or appends it. */
export function writeResultsSection(out: string, heading: string, section: string): void {
  const existing = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  const start = existing.indexOf(heading);
  let next = start >= 0 ? existing.indexOf('\n## ', start + 1) : -1;
  if (next >= 0) next += 1;
  const updated = start < 0
    ? `${existing.trimEnd()}\n\n${section}`
    : `${existing.slice(0, start)}${section}${next >= 0 ? `\n${existing.slice(next)}` : ''}`;
  fs.writeFileSync(out, updated);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
