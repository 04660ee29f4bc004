/**
 * `npm run bench:tables [-- --check]`: renders the figures tables of docs/benchmarks.md again from
 * bench/results/*.json (what `npm run bench -- --scenario NAME --json bench/results/NAME.json` writes).
 * `--check` changes nothing and exits 1 when the doc is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadResults, renderDoc } from './doc-tables.js';

const DOC = 'docs/benchmarks.md';
const doc = readFileSync(DOC, 'utf8');
const fresh = renderDoc(doc, (file) => loadResults(file));
if (fresh === doc) process.exit(0);
if (process.argv.includes('--check')) {
  process.stderr.write(`${DOC} is stale: run npm run bench:tables\n`);
  process.exit(1);
}
writeFileSync(DOC, fresh);
process.stderr.write(`rewrote the tables of ${DOC}\n`);
