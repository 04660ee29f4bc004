/**
 * `npm run test:changed [-- [TIER…] [--base REF] [vitest options]]`: the tests a change touches, in every
 * tier or the ones named (`unit`, `model`, `integration`, `e2e`; test/tiers.ts). The changed files are
 * the ones vitest's `--changed REF` takes — committed since the branch left REF (`REF...HEAD`), staged,
 * unstaged and untracked — with REF `origin/main` when it exists, else `HEAD` (uncommitted changes only).
 * A test runs when it imports a changed file (vitest's module graph) or names a changed file that is not
 * code (a doc, a results file) in its source, or its folder as a quoted string (`'docs'`): the doc checks
 * read pages rather than import them.
 *
 * @example
 * ```sh
 * npm run test:changed                    # every tier, against origin/main (else HEAD)
 * npm run test:changed -- unit            # the inner loop: the unit tier's tests the change touches
 * npm run test:changed -- --base main integration
 * ```
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const TIERS = ['unit', 'model', 'integration', 'e2e'];

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const resolves = (ref: string) => {
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
    return true;
  } catch {
    return false;
  }
};

const args = process.argv.slice(2);
const baseAt = args.indexOf('--base');
const base = baseAt >= 0 ? args[baseAt + 1]! : resolves('origin/main') ? 'origin/main' : 'HEAD';
if (!resolves(base)) throw new Error(`--base ${base}: not a commit here`);
const rest = baseAt >= 0 ? args.filter((_, i) => i !== baseAt && i !== baseAt + 1) : args;
const tiers = rest.filter((a) => TIERS.includes(a));
const vitestOptions = rest.filter((a) => !TIERS.includes(a));

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const changed = [
  ...new Set([
    ...lines(git('diff', '--name-only', `${base}...HEAD`)),
    ...lines(git('diff', '--cached', '--name-only')),
    ...lines(git('ls-files', '--other', '--modified', '--exclude-standard')),
  ]),
];

/** Tests that name a changed file that is not code: a page or a results file they read, not import. */
const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f));
const notCode = changed.filter((f) => !/\.(ts|js|mjs|cjs|tsx)$/.test(f));
const readers = testFiles.filter((test) => {
  const source = readFileSync(test, 'utf8');
  return notCode.some(
    (file) =>
      source.includes(file) || (file.includes('/') && source.includes(`'${file.slice(0, file.lastIndexOf('/'))}'`)),
  );
});

process.stderr.write(
  `test:changed: ${changed.length} changed file(s) since ${base}, ${readers.length} test(s) that read one of them\n`,
);
if (changed.length === 0) process.exit(0);
const related = [...changed, ...readers].map((f) => resolve(f));
process.stderr.write(
  `npx vitest related --run ${tiers.map((t) => `--project ${t}`).join(' ')} … (${related.length} files)\n`,
);
const result = spawnSync(
  'npx',
  [
    'vitest',
    'related',
    '--run',
    '--passWithNoTests',
    ...tiers.flatMap((t) => ['--project', t]),
    ...vitestOptions,
    ...related,
  ],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
