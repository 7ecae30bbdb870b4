// Runs only the test-bed tests: pnpm exec vitest run --config packages/testbed/vitest.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // The tests under test/testbed import @kubernetes/client-node; resolve it through this package's own
      // dependency so they run even where the `test` workspace package does not list it.
      { find: /^@kubernetes\/client-node$/, replacement: pkg('./node_modules/@kubernetes/client-node/dist/index.js') },
    ],
  },
  test: {
    root: pkg('../..'),
    include: ['test/testbed/**/*.test.ts'],
    globalSetup: [pkg('./src/vitest-global-setup.ts')],
    // Controllers and kwok stages take seconds; a cold first run builds binaries inside globalSetup
    // (which has no timeout of its own).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
