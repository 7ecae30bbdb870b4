// Runs only the test-bed tests: pnpm exec vitest run --config packages/testbed/vitest.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/testbed/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./src/vitest-global-setup.ts', import.meta.url))],
    // Controllers and kwok stages take seconds; a cold first run builds binaries inside globalSetup
    // (which has no timeout of its own).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
