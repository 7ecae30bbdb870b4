// Standalone global set-up for `vitest --config test/slo/vitest.config.ts`: starts a Prometheus of our own unless
// GAUNTLET_PROMETHEUS_URL already names one (the test bed's global set-up sets it in the full integration run).
import { startLocalPrometheus, type LocalPrometheus } from '@gauntlet/slo/testing';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.GAUNTLET_PROMETHEUS_URL) return async () => {};
  const prometheus: LocalPrometheus = await startLocalPrometheus();
  process.env.GAUNTLET_PROMETHEUS_URL = prometheus.url;
  process.env.GAUNTLET_PROMETHEUS_TARGETS_DIR = prometheus.targetsDir;
  process.stderr.write(`slo tests: own Prometheus at ${prometheus.url} (pid ${prometheus.pid})\n`);
  return async () => {
    delete process.env.GAUNTLET_PROMETHEUS_URL;
    delete process.env.GAUNTLET_PROMETHEUS_TARGETS_DIR;
    await prometheus.stop();
  };
}
