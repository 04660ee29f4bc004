/**
 * `npm run bench:tables [-- --check]`: renders the figures tables of docs/benchmarks.md (and of any page
 * that shows one of them) again from bench/results/*.json, what `npm run bench -- --scenario NAME --json
 * bench/results/NAME.json` writes. `--check` changes nothing and exits 1 when a page is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { docsWithTables, loadResults, renderDoc } from './doc-tables.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const page of docsWithTables()) {
  const doc = readFileSync(page, 'utf8');
  const fresh = renderDoc(doc, (file) => loadResults(file));
  if (fresh === doc) continue;
  stale++;
  if (check) process.stderr.write(`${page} is stale: run npm run bench:tables\n`);
  else {
    writeFileSync(page, fresh);
    process.stderr.write(`rewrote the tables of ${page}\n`);
  }
}
process.exit(check && stale > 0 ? 1 : 0);
