import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { tierOf, type TestTier } from './test/tiers.js';

/**
 * Files of half a minute or more, longest first. Without vitest's cache of past durations (a fresh CI
 * clone) files run largest first, which would start the echo files among the last and leave one running
 * alone at the end.
 */
const LONG_FILES = [
  'test/cli/pack-install.test.ts',
  'test/model/session-model.test.ts',
  'test/e2e/echo-matrix.test.ts',
  'test/e2e/echo-closed-loop.test.ts',
  'test/e2e/echo-overlap.test.ts',
  'test/e2e/live-room.test.ts',
  'test/e2e/live-follow-up.test.ts',
  'test/e2e/closed-loop.test.ts',
];

class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const i = LONG_FILES.findIndex((path) => file.moduleId.endsWith(path));
      return i < 0 ? LONG_FILES.length : i;
    };
    // A stable sort: the other files keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/** Where test files live: the product's tests, and the bench's tests of its own machinery. */
const TEST_FOLDERS = ['test', 'bench/test'];

/** Every test file by its tier (test/tiers.ts): `npm run test:unit` is the inner loop, `npm test` runs all four. */
function filesByTier(): Record<TestTier, string[]> {
  const files = TEST_FOLDERS.flatMap((folder) =>
    readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => join(folder, file)),
  );
  const tiers: Record<TestTier, string[]> = { unit: [], model: [], integration: [], e2e: [] };
  for (const file of files) tiers[tierOf(file, readFileSync(file, 'utf8'))].push(file);
  return tiers;
}

const tiers = filesByTier();
const STRICT_CHECKS = 'test/support/strict-checks.setup.ts';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: tiers.unit, setupFiles: [STRICT_CHECKS, 'test/support/unit-guard.setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'model', include: tiers.model, setupFiles: [STRICT_CHECKS, 'test/support/unit-guard.setup.ts'] },
      },
      { extends: true, test: { name: 'integration', include: tiers.integration, setupFiles: [STRICT_CHECKS] } },
      { extends: true, test: { name: 'e2e', include: tiers.e2e, setupFiles: [STRICT_CHECKS] } },
    ],
    // Why: NATS integration tests start their own nats-server; a few seconds covers a cold start on a
    // loaded 2-core CI machine without hiding real hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Why 2: vitest's default is one worker fewer than the cores, a single worker on a 2-core CI machine,
    // and most long files wait on servers, browsers or child processes rather than compute.
    maxWorkers: 2,
    sequence: { sequencer: LongFilesFirst },
  },
});
