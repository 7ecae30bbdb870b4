import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` runs the tests next to the code and needs nothing running; `integration` runs test/**
 * against the real test bed (Kubernetes, Prometheus, Toxiproxy), which its global set-up starts, or reuses when
 * KUBECONFIG points at an existing cluster; `act` runs test/act/** (the examples under nektos/act) on it afterwards.
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
          exclude: [...configDefaults.exclude, 'test/act/**'],
          globalSetup: ['packages/testbed/src/vitest-global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // The cluster is shared: files run one at a time so tests cannot starve each other on 2 cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The examples under nektos/act (testing/act): after the integration files (a later group), two at a
          // time. Much of an act file is waiting (on act's jobs, the cluster, a Prometheus window), and each has
          // its own repository id, PR numbers, GitHub API stand-in, harness folder and scrape targets.
          name: 'act',
          include: ['test/act/**/*.test.ts'],
          globalSetup: ['packages/testbed/src/vitest-global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
