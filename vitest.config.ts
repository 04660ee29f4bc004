import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
  'test/e2e/live-room.test.ts',
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

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/strict-checks.setup.ts'],
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
