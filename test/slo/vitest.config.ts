import { defineConfig } from 'vitest/config';

/**
 * Runs the SLO integration tests alone against a Prometheus of their own:
 *   pnpm exec vitest run --config test/slo/vitest.config.ts
 * The full suite (root vitest.config.ts, project "integration") runs the same files against the test bed.
 */
export default defineConfig({
  test: {
    include: ['test/slo/**/*.test.ts'],
    root: new URL('../..', import.meta.url).pathname,
    globalSetup: ['test/slo/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
