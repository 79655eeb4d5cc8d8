import { defineConfig } from 'vitest/config';

/**
 * The test suite: real SQLite files (in temp dirs) and `:memory:`, the real offline embedder,
 * no mocks. `npm test` runs it through scripts/run-tests.mjs.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own child process: better-sqlite3 and hnswlib are native addons.
    pool: 'forks',
    watch: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // A test that cannot fail because it asserts nothing is a bug in the suite.
    expect: { requireAssertions: true },
  },
});
