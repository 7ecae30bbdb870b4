// vitest globalSetup: provides a Kubernetes cluster, Prometheus and Toxiproxy to the tests.
// - KUBECONFIG set: use that cluster (kind, k3d, real) and never start kwok.
// - GAUNTLET_PROMETHEUS_URL / GAUNTLET_TOXIPROXY_URL set: use those; otherwise start local ones.
// - Teardown stops only what this run started, and nothing when GAUNTLET_KEEP_TESTBED=1 (fast iteration:
//   the next run adopts the running test bed in about a second).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { stderrLogger } from './progress.js';
import { release, up, type Component } from './testbed.js';
import { envNames, factsToEnv, type TestbedFacts } from './testbed-facts.js';
import { loadKubeConfig, rawRequest, upstreamFromKubeConfig } from './upstream.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gauntletTestbed: TestbedFacts;
  }
}

/** A single-file kubeconfig for an existing cluster (KUBECONFIG may list several files). */
function existingKubeconfig(value: string): string {
  if (!value.includes(':')) return value;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const file = join(mkdtempSync(join(tmpdir(), 'gauntlet-kubeconfig-')), 'config');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

async function assertReachable(kubeconfig: string): Promise<void> {
  const upstream = await upstreamFromKubeConfig(loadKubeConfig(kubeconfig));
  try {
    const r = await rawRequest(upstream, 'GET', '/version', 10_000);
    if (r.status !== 200) throw new Error(`GET /version answered ${r.status}: ${r.body.slice(0, 300)}`);
  } catch (e) {
    throw new Error(
      `KUBECONFIG=${kubeconfig} names a cluster the test bed cannot reach: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  } finally {
    upstream.agent.destroy();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = stderrLogger;
  const externalKubeconfig = process.env.KUBECONFIG;
  const externalProm = process.env[envNames.prometheusUrl];
  const externalToxi = process.env[envNames.toxiproxyUrl];
  const wanted: Component[] = [];
  if (!externalKubeconfig) wanted.push('cluster');
  if (!externalProm) wanted.push('prometheus');
  if (!externalToxi) wanted.push('toxiproxy');

  const started = Date.now();
  const result = wanted.length
    ? await up({ components: wanted, log, holder: process.pid })
    : { state: {}, started: [] as Component[] };
  const { state } = result;
  let kubeconfig: string;
  if (externalKubeconfig) {
    kubeconfig = existingKubeconfig(externalKubeconfig);
    await assertReachable(kubeconfig);
    log(`using the existing cluster from KUBECONFIG (${kubeconfig}); kwok not started`);
  } else {
    kubeconfig = state.cluster?.kubeconfig ?? '';
  }
  const facts: TestbedFacts = {
    kubeconfig,
    prometheusUrl: externalProm ?? state.prometheus?.url ?? '',
    ...(externalProm ? {} : state.prometheus ? { prometheusTargetsDir: state.prometheus.targetsDir } : {}),
    toxiproxyUrl: externalToxi ?? state.toxiproxy?.url ?? '',
    kwok: !externalKubeconfig,
  };
  // Brokers are started lazily by the tests that need them (ensureBrokers), registered to this run's pid.
  const env = { ...factsToEnv(facts), GAUNTLET_TESTBED_HOLDER: String(process.pid) };
  const previous: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    previous[k] = process.env[k];
    process.env[k] = v; // workers (and processes the tests spawn) inherit this
  }
  project.provide('gauntletTestbed', facts);
  log(
    `test bed ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );

  return async () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // Even with everything provided from outside, a test may have started brokers under this run's pid.
    const keep = process.env.GAUNTLET_KEEP_TESTBED === '1';
    // Another vitest run on this machine may be using the same test bed: `release` stops what test runs
    // started only when this is the last one, and never what `env:up` started.
    const stopped = await release(process.pid, { log, keep });
    if (keep) log('GAUNTLET_KEEP_TESTBED=1: leaving the test bed running (pnpm env:down stops it)');
    else if (!stopped.length && result.started.length) log('test bed left running for the runs still using it');
  };
}
