import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Why: NATS integration tests start their own nats-server; a few seconds covers a cold start on a
    // loaded 2-core CI machine without hiding real hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
