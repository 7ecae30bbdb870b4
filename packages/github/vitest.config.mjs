import { defineConfig } from 'vitest/config';

// For running this package's unit tests and the reporting integration tests on their own (a root config, when
// one exists, covers them too).
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['packages/github/src/**/*.test.ts', 'test/reporting/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
