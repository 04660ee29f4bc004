/**
 * The figures tables of the benchmark pages (docs/benchmarks.md and the pages it lists), made from the
 * rows the bench writes (`--json bench/results/<name>.json`). Each table sits between
 * `<!-- bench-table NAME -->` and `<!-- /bench-table -->`, on one page only; `npm run bench:tables`
 * rewrites them, and a test fails when a page and the JSON disagree. A row without a field (a scenario
 * run before the bench measured it) shows "—". The tables themselves are in doc-tables-server.ts and
 * doc-tables-speech.ts.
 *
 * @example
 * ```ts
 * renderTable('guards', [
 *   { scenario: 'phrase', samples: 20, measuredMs: { p50: 0.9, p99: 1.5 }, targetMs: 5, what: 'SAY' },
 * ]);
 * // '| guard | samples | p50 / p99 ms | target ms | what |\n| --- | … |\n| phrase | 20 | 0.9 / 1.5 | < 5 | SAY |'
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SERVER_TABLES } from './doc-tables-server.js';
import { SPEECH_TABLES } from './doc-tables-speech.js';
import type { Row, TableSpec } from './table-cells.js';

export type { Row };

/** Every table by name. */
export const TABLES: Record<string, TableSpec> = { ...SERVER_TABLES, ...SPEECH_TABLES };

/** One table as Markdown, from the rows of its results file. */
export function renderTable(name: string, rows: Row[]): string {
  const spec = TABLES[name];
  if (!spec) throw new Error(`no bench table "${name}": use one of ${Object.keys(TABLES).join(', ')}`);
  const shown = rows.filter(spec.rows);
  if (shown.length === 0) throw new Error(`bench/results/${spec.file}.json has no rows for the table "${name}"`);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(spec.columns.map(([header]) => header)),
    line(spec.columns.map(() => '---')),
    ...shown.map((row) => line(spec.columns.map(([, cell]) => cell(row)))),
  ].join('\n');
}

/** A marked table: its opening comment, any lines but another marker (none yet: a new table), its closing one. */
const MARKED = /(<!-- bench-table ([\w-]+) -->\n)(?:(?!<!-- )[^\n]*\n)*?(<!-- \/bench-table -->)/g;

/** The tables a doc marks, by name. */
export function markedTables(doc: string): string[] {
  return [...doc.matchAll(MARKED)].map((m) => m[2]!);
}

/** The doc with every marked table rendered again from its results file (`load(file)` gives its rows). */
export function renderDoc(doc: string, load: (file: string) => Row[]): string {
  return doc.replace(MARKED, (_, open: string, name: string, close: string) => {
    const spec = TABLES[name];
    if (!spec) throw new Error(`no bench table "${name}": use one of ${Object.keys(TABLES).join(', ')}`);
    return `${open}${renderTable(name, load(spec.file))}\n${close}`;
  });
}

/** The rows of `bench/results/<file>.json`: the JSON array `--json` writes. */
export function loadResults(file: string, dir = 'bench/results'): Row[] {
  const rows: unknown = JSON.parse(readFileSync(`${dir}/${file}.json`, 'utf8'));
  if (!Array.isArray(rows)) throw new Error(`${dir}/${file}.json: expected the JSON array of rows that --json writes`);
  return rows as Row[];
}

/** The pages with marked tables: docs/benchmarks.md, and any other page that shows one next to its design. */
export function docsWithTables(): string[] {
  const pages = ['README.md', ...readdirSync('docs').flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))];
  return pages.filter((page) => readFileSync(page, 'utf8').includes('<!-- bench-table '));
}
