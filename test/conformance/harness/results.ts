/**
 * RESULTS.md: one row per conformance test (cases, passed, failed, skipped), a total row, then the failing
 * and skipped cases with their first reason. The table sits between markers so the README can embed it.
 */
import type { CaseFile } from './cases';
import type { CaseResult } from './run';

export const TABLE_BEGIN = '<!-- conformance-results:begin -->';
export const TABLE_END = '<!-- conformance-results:end -->';

function oneLine(s: string, max = 240): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

/** The results table, between its markers. */
export function renderTable(files: readonly CaseFile[], results: ReadonlyMap<string, readonly CaseResult[]>): string {
  return renderParts(files, results).table;
}

/** Replaces the marked table in a document (e.g. the README) with a new one; unchanged if it has no markers. */
export function embedTable(doc: string, table: string): string {
  const a = doc.indexOf(TABLE_BEGIN);
  const b = doc.indexOf(TABLE_END);
  if (a < 0 || b < a) return doc;
  return `${doc.slice(0, a)}${table}${doc.slice(b + TABLE_END.length)}`;
}

export function renderResults(
  files: readonly CaseFile[], results: ReadonlyMap<string, readonly CaseResult[]>, launcher: string,
  run: { readonly testFile: string; readonly input: string } = { testFile: 'test/conformance/conformance.test.ts', input: 'its input from files' },
): string {
  const { table, problems, notes } = renderParts(files, results);
  return [
    '# Conformance results',
    '',
    `Written by \`${run.testFile}\` at the end of a full run (\`npx jest ${run.testFile}\`):`,
    `the transcribed Gateway API v1.6.1 conformance cases sent through \`cdk8s-gateway serve\` (launched via ${launcher}), ${run.input}.`,
    '',
    table,
    '',
    ...(problems.length ? ['## Failed and skipped cases', '', ...problems, ''] : []),
    ...(notes.length ? ['## Notes from this run', '', ...notes, ''] : []),
  ].join('\n');
}

interface Parts {
  table: string;
  problems: string[];
  notes: string[];
}

function renderParts(files: readonly CaseFile[], results: ReadonlyMap<string, readonly CaseResult[]>): Parts {
  const rows: string[] = [];
  const notes: string[] = [];
  let total = { cases: 0, passed: 0, failed: 0, skipped: 0 };
  const problems: string[] = [];
  for (const f of files) {
    const rs = results.get(f.name) ?? [];
    const n = {
      cases: f.cases.length,
      passed: rs.filter((r) => r.status === 'passed').length,
      failed: rs.filter((r) => r.status === 'failed').length,
      skipped: rs.filter((r) => r.status === 'skipped').length,
    };
    total = { cases: total.cases + n.cases, passed: total.passed + n.passed, failed: total.failed + n.failed, skipped: total.skipped + n.skipped };
    rows.push(`| ${f.name} | ${n.cases} | ${n.passed} | ${n.failed} | ${n.skipped} |`);
    for (const r of rs) {
      if (r.status === 'failed') problems.push(`- FAIL \`${r.title}\`: ${oneLine(r.errors[0] ?? '')}`);
      if (r.status === 'skipped') problems.push(`- SKIP \`${r.title}\`: ${oneLine(r.errors[0] ?? '')}`);
      if (r.note) notes.push(`- \`${r.title}\`: ${oneLine(r.note)}`);
    }
  }
  const table = [
    TABLE_BEGIN,
    '| Test | Cases | Passed | Failed | Skipped |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    `| **Total** | **${total.cases}** | **${total.passed}** | **${total.failed}** | **${total.skipped}** |`,
    TABLE_END,
  ].join('\n');
  return { table, problems, notes };
}
