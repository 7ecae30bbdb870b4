// How tests find the test bed: environment variables set by the vitest global set-up (inherited by the
// test workers and by any child process a test starts, e.g. an action's dist/index.js).
import { KubeConfig } from '@kubernetes/client-node';
import { removeScrapeTargets, writeScrapeTargets } from './prometheus.js';

export const envNames = {
  kubeconfig: 'GAUNTLET_KUBECONFIG',
  prometheusUrl: 'GAUNTLET_PROMETHEUS_URL',
  prometheusTargetsDir: 'GAUNTLET_PROMETHEUS_TARGETS_DIR',
  toxiproxyUrl: 'GAUNTLET_TOXIPROXY_URL',
  /** "1" when the cluster is the local kwok one (stage labels drive pod/node phases); unset on kind/k3d/real. */
  kwok: 'GAUNTLET_TESTBED_KWOK',
} as const;

export interface TestbedFacts {
  /** Path of a kubeconfig for the cluster under test (the local kwok one, or the one KUBECONFIG named). */
  kubeconfig: string;
  /** Base URL of Prometheus, e.g. http://127.0.0.1:41234 */
  prometheusUrl: string;
  /** file_sd directory of the local Prometheus (absent when Prometheus was provided from outside). */
  prometheusTargetsDir?: string;
  /** Base URL of the Toxiproxy HTTP API. */
  toxiproxyUrl: string;
  /** True on the local kwok cluster: pods never run, kwok stages set their phases. */
  kwok: boolean;
}

export function factsToEnv(f: TestbedFacts): Record<string, string> {
  const env: Record<string, string> = {
    [envNames.kubeconfig]: f.kubeconfig,
    [envNames.prometheusUrl]: f.prometheusUrl,
    [envNames.toxiproxyUrl]: f.toxiproxyUrl,
  };
  if (f.prometheusTargetsDir) env[envNames.prometheusTargetsDir] = f.prometheusTargetsDir;
  if (f.kwok) env[envNames.kwok] = '1';
  return env;
}

export interface Testbed extends TestbedFacts {
  /** A fresh KubeConfig for the cluster under test. */
  kubeConfig(): KubeConfig;
  /** Makes Prometheus scrape these loopback host:port targets every second (local Prometheus only). */
  addScrapeTarget(name: string, targets: string[], labels?: Record<string, string>): void;
  removeScrapeTarget(name: string): void;
}

/** The test bed the global set-up provided. Throws with a hint when tests run without it. */
export function getTestbed(env: NodeJS.ProcessEnv = process.env): Testbed {
  const kubeconfig = env[envNames.kubeconfig];
  const prometheusUrl = env[envNames.prometheusUrl];
  const toxiproxyUrl = env[envNames.toxiproxyUrl];
  if (!kubeconfig || !prometheusUrl || !toxiproxyUrl) {
    throw new Error(
      `test bed not provided: ${envNames.kubeconfig}, ${envNames.prometheusUrl} and ${envNames.toxiproxyUrl} must be set. ` +
        `Run the tests with a vitest config whose globalSetup is @gauntlet/testbed's vitest-global-setup, or eval "$(pnpm -s env:up)" first.`,
    );
  }
  const targetsDir = env[envNames.prometheusTargetsDir];
  return {
    kubeconfig,
    prometheusUrl,
    toxiproxyUrl,
    ...(targetsDir ? { prometheusTargetsDir: targetsDir } : {}),
    kwok: env[envNames.kwok] === '1',
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      return kc;
    },
    addScrapeTarget(name, targets, labels = {}) {
      if (!targetsDir)
        throw new Error(
          `${envNames.prometheusTargetsDir} is not set: Prometheus was provided from outside the test bed`,
        );
      writeScrapeTargets(targetsDir, name, targets, labels);
    },
    removeScrapeTarget(name) {
      if (targetsDir) removeScrapeTargets(targetsDir, name);
    },
  };
}
