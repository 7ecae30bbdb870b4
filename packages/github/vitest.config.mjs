import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs this package's unit tests and the reporting integration tests on their own, without the root config's
// integration set-up (which starts the Kubernetes test bed these tests do not need).
export default defineConfig({
  test: {
    root: fileURLToPath(new globalThis.URL('../..', import.meta.url)),
    include: ['packages/github/src/**/*.test.ts', 'test/reporting/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
