/**
 * `pnpm bench`: every benchmark, one after another, in one run on this machine, so their ratios share
 * conditions. Benchmarks that need real servers get the test bed (started here if it is not up). Each prints its
 * own table; this only orders them and says which ran. Pass names to run a subset: `pnpm bench sharding slo`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { up } from '@gauntlet/testbed';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = new Set(process.argv.slice(2));
const suites = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && (wanted.size === 0 || wanted.has(entry.name)))
  .map((entry) => entry.name)
  .sort();

const { state } = await up({});
const env = {
  ...process.env,
  ...(state.cluster ? { KUBECONFIG: state.cluster.kubeconfig, GAUNTLET_KUBECONFIG: state.cluster.kubeconfig } : {}),
  ...(state.prometheus
    ? { GAUNTLET_PROMETHEUS_URL: state.prometheus.url, GAUNTLET_PROMETHEUS_TARGETS_DIR: state.prometheus.targetsDir }
    : {}),
  ...(state.toxiproxy ? { GAUNTLET_TOXIPROXY_URL: state.toxiproxy.url } : {}),
};
const results: string[] = [];
for (const suite of suites) {
  // Every suite's entry point is its run.ts.
  const entry = path.join(here, suite, 'run.ts');
  if (!existsSync(entry)) continue;
  process.stdout.write(`\n===== bench/${suite} =====\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env });
  results.push(
    `${suite}: ${result.status === 0 ? 'ok' : `exit ${String(result.status)}`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}
process.stdout.write(`\n${results.join('\n')}\n`);
