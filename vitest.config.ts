import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` runs the tests next to the code and needs nothing running; `integration` runs test/**
 * against the real test bed (Kubernetes, Prometheus, Toxiproxy), which its global set-up starts, or reuses when
 * KUBECONFIG points at an existing cluster.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'actions/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.ts',
            'testing/*/src/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['packages/testbed/src/vitest-global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // The cluster is shared: files run one at a time so tests cannot starve each other on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
