/**
 * The benchmark pages' figures are the bench's rows: every marked table (docs/benchmarks.md lists the
 * pages) is what `npm run bench:tables` renders from bench/results/<name>.json, shown on one page only,
 * so a figure cannot be edited in a page alone, copied to a second page, or go stale after a new run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docsWithTables, loadResults, markedTables, renderDoc, renderTable, TABLES, type Row } from '../doc-tables.js';

const DOC = 'docs/benchmarks.md';
const doc = readFileSync(DOC, 'utf8');
const resultFiles = readdirSync('bench/results')
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

/** The lines of one marked table in a doc. */
const tableIn = (text: string, name: string) =>
  text.split(`<!-- bench-table ${name} -->\n`)[1]!.split('\n<!-- /bench-table -->')[0]!;

describe('docs/benchmarks.md', () => {
  it(
    'shows each table as its results file renders it (npm run bench:tables), as does every page that shows ' + 'one',
    () => {
      const pages = docsWithTables();
      expect(pages).toContain('docs/benchmarks-server.md');
      for (const page of pages) {
        const text = readFileSync(page, 'utf8');
        const fresh = renderDoc(text, (file) => loadResults(file));
        for (const name of markedTables(text))
          expect(tableIn(text, name), `the "${name}" table in ${page}`).toBe(tableIn(fresh, name));
        expect(fresh, page).toBe(text);
      }
    },
  );

  it('marks every table once over all the pages, and every results file has a table', () => {
    const marked = docsWithTables().flatMap((page) => markedTables(readFileSync(page, 'utf8')));
    expect([...marked].sort()).toEqual(Object.keys(TABLES).sort());
    expect(resultFiles.sort()).toEqual([...new Set(Object.values(TABLES).map((t) => t.file))].sort());
  });

  it('tells how to record each results file', () => {
    for (const file of resultFiles) expect(doc, file).toContain(`--json bench/results/${file}.json`);
  });

  it('goes stale when a figure in the JSON changes', () => {
    const page = docsWithTables().find((p) => markedTables(readFileSync(p, 'utf8')).includes('reply'))!;
    const text = readFileSync(page, 'utf8');
    const changed = (file: string): Row[] =>
      loadResults(file).map((row) =>
        row['scenario'] === 'reply' && row['sessions'] === 1
          ? { ...row, interruptToSilenceMs: { p50: 2.4, p99: 4.8 } }
          : row,
      );
    const fresh = renderDoc(text, changed);
    expect(fresh).not.toBe(text);
    expect(tableIn(fresh, 'reply')).toContain('| 2.4 / 4.8 |');
  });
});

describe('renderTable', () => {
  it('shows a measure the run did not give as "—", and NaN (JSON null) too', () => {
    const table = renderTable('sessions', [
      { scenario: 'sessions', sessions: 100, createMs: { p50: 0.5, p99: 8, max: 9 }, rssPerSessionMb: null },
    ]);
    expect(table.split('\n')[2]).toBe('| 100 | 0.5 / 8 / 9 | — | — | — |');
  });

  it('keeps only the rows of its kind, in the order the bench wrote them', () => {
    const rows: Row[] = [
      { scenario: 'estop-command', path: 'local', commands: 16, executed: 15 },
      {
        scenario: 'estop-false',
        path: 'local',
        voices: 'bench',
        outOfGrammar: 352,
        falseStops: 1,
        falseStopsPercent: 0.3,
      },
      { scenario: 'estop-command', path: 'realtime', commands: 16, executed: 14 },
    ];
    expect(renderTable('estop-command', rows).split('\n').slice(2)).toEqual([
      '| local | 15/16 |',
      '| realtime | 14/16 |',
    ]);
  });

  it('refuses a table with no rows and an unknown table', () => {
    expect(() => renderTable('wake', [{ scenario: 'wake', kind: 'candidate' }])).toThrow(/no rows/);
    expect(() => renderDoc('<!-- bench-table nothing -->\n<!-- /bench-table -->', () => [])).toThrow(
      /no bench table "nothing"/,
    );
  });

  it('fills a new, empty marker and leaves the text around the tables alone', () => {
    const rows: Row[] = [{ scenario: 'cost', sessions: 100, cpuPerTurnMs: 3.8 }];
    const page = 'Cost:\n\n<!-- bench-table cost -->\n<!-- /bench-table -->\n\nAfter.\n';
    const once = renderDoc(page, () => rows);
    expect(once).toMatch(
      new RegExp(
        String.raw`^Cost:\n\n<!-- bench-table cost -->\n\| sessions \|[^]*\n` +
          String.raw`\| 100 \| 3\.8 \| — \| — \| — \| — \|\n<!-- /bench-table -->\n\nAfter\.\n$`,
      ),
    );
    expect(renderDoc(once, () => rows)).toBe(once);
    const two = renderDoc(
      '<!-- bench-table cost -->\n<!-- /bench-table -->\n<!-- bench-table cost -->\n<!-- /bench-table ' + '-->\n',
      () => rows,
    );
    expect(markedTables(two)).toEqual(['cost', 'cost']);
    expect(two.match(/\| 100 \| 3\.8 \|/g)).toHaveLength(2);
  });
});
