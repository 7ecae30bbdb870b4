/**
 * chaos-gate rollback benchmark (reliability plan CH-04), on the test bed: the real bundle (a private copy) runs the
 * kill-point experiment of test/chaos-gate/kill-trial.ts (scale-down, partition and DNS-failure NetworkPolicies,
 * quota, toxic) and is killed at seeded random instants with SIGINT, SIGTERM, or SIGKILL then its post step, or
 * SIGKILL with no post step then the reaper. Prints, per route: trials, how many had faults in effect at the kill,
 * and leftovers (goal: 0); and the revert latency after SIGINT/SIGTERM (median, p95) beside what a fault that
 * waits for its own duration to expire (Chaos Mesh's `duration`, or Chaos Toolkit, which skips rollbacks on
 * interrupt) does, as documented.
 *
 * `pnpm exec tsx bench/chaos/run.ts [--trials N (kills per signal, SIGKILL split between post step and reaper; default 200)] [--seed S] [--workers W (default 1)]`
 * With W > 1, W beds (each its own namespace, Deployment and proxy) take trials from one queue at once; the kill
 * instants still come from one seed, spread over the span of one uninterrupted run.
 * Then (bench/chaos/guard.ts) halt latency, detection and guard cost:
 * `[--halt-trials N (default 50)] [--detection-runs N (each kind, default 100)] [--only kill|guard]`.
 */
import os from 'node:os';
import { getTestbed, status } from '@gauntlet/testbed';
import { guardBenches } from './guard.js';
import { snapshotBundle } from '../../scripts/bundle-snapshot.js';
import {
  killWorkspace,
  runChaosGate,
  runKillTrial,
  startKillBed,
  killTrials,
  PER_SIGNAL_KINDS,
  type KillOutcome,
} from '../../test/chaos-gate/kill-trial.js';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const perSignal = argument('trials', 200);
const seed = argument('seed', 1403);
const workers = Math.max(1, Math.min(8, argument('workers', 1)));
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const required = (...names: string[]): string => {
  const value = names.map((n) => process.env[n]).find(Boolean);
  if (!value) throw new Error(`set ${names[0]} (pnpm bench starts the test bed)`);
  return value;
};
const kubeconfigPath = required('GAUNTLET_KUBECONFIG', 'KUBECONFIG');
const toxiproxyUrl = required('GAUNTLET_TOXIPROXY_URL');

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

async function killPoints(): Promise<boolean> {
  const actionDir = snapshotBundle('chaos-gate', ['actions/chaos-gate/src', 'packages/chaos/src', 'packages/kube/src']);
  const kubeConfig = getTestbed().kubeConfig();
  const beds = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      startKillBed({
        kubeConfig,
        kubeconfigPath,
        toxiproxyUrl,
        actionDir,
        namespace: `chaos-bench-${process.pid}-${i}`,
      }),
    ),
  );
  const bed = beds[0]!;
  try {
    const started = Date.now();
    const calibration = await runChaosGate(bed, await killWorkspace(bed));
    const spanMs = Date.now() - started;
    if (calibration.outputs['verdict'] !== 'pass')
      throw new Error(`calibration run: ${calibration.main.log.join('\n')}`);
    process.stdout.write(
      `uninterrupted run: ${s(spanMs)} (kill instants uniform over it); ${os.cpus().length} CPUs, ${workers} bed(s) at once\n`,
    );
    const queue = killTrials(seed, perSignal * 3, spanMs, PER_SIGNAL_KINDS);
    // Ctrl-C (or a deadline's SIGINT): no new trials; the ones running finish and the table is printed.
    const stop = (): void => {
      process.stdout.write(`  SIGINT: no new trials; finishing the ${beds.length} running\n`);
      queue.length = 0;
    };
    process.once('SIGINT', stop);
    const total = queue.length;
    const outcomes: KillOutcome[] = [];
    const progress = setInterval(() => {
      const left = outcomes.filter((o) => o.left.length).length;
      process.stdout.write(`  ${outcomes.length}/${total} trials, ${left} with leftovers\n`);
    }, 10_000);
    try {
      await Promise.all(
        beds.map(async (b) => {
          for (let trial = queue.shift(); trial; trial = queue.shift()) outcomes.push(await runKillTrial(b, trial));
        }),
      );
    } finally {
      clearInterval(progress);
    }
    outcomes.sort((a, b) => a.seed - b.seed);
    const rows: string[] = [
      '| route | trials | faults in effect at the kill | trials with leftovers | no expiry (SIGKILL) |',
    ];
    rows.push('|---|---|---|---|---|');
    for (const [signal, route] of [
      ['SIGINT', 'post'],
      ['SIGTERM', 'post'],
      ['SIGKILL', 'post'],
      ['SIGKILL', 'reaper'],
    ] as const) {
      const of = outcomes.filter((o) => o.signal === signal && o.route === route);
      rows.push(
        `| ${signal} then ${route === 'post' ? 'post step' : 'reaper (no post step)'} | ${of.length} | ${of.filter((o) => o.inEffectAtKill > 0).length} | ${of.filter((o) => o.left.length).length} | ${of.filter((o) => o.noExpiry.length).length} |`,
      );
    }
    process.stdout.write(`\n${rows.join('\n')}\n`);
    for (const o of outcomes.filter((x) => x.left.length))
      process.stdout.write(
        `  leftover: seed ${o.seed} ${o.signal}+${o.route} at ${o.killAtMs} ms: ${o.left.join('; ')}\n`,
      );

    const latencies = outcomes.flatMap((o) => (o.revertMs === undefined ? [] : [o.revertMs]));
    process.stdout.write(
      `\n| revert after SIGINT/SIGTERM (faults in effect) | n | median | p95 |\n|---|---|---|---|\n` +
        `| chaos-gate (inline revert, post step behind it) | ${latencies.length} | ${s(quantile(latencies, 0.5))} | ${s(quantile(latencies, 0.95))} |\n` +
        `| Chaos Mesh action (kubectl apply; nothing on cancel) | — | until spec.duration ends | — |\n` +
        `| Chaos Toolkit run-action (rollbacks skipped on interrupt by default) | — | never (by hand) | — |\n` +
        `(peer rows are their documented behaviour, not runs here)\n`,
    );
    return outcomes.every((o) => !o.left.length && !o.noExpiry.length);
  } finally {
    await Promise.all(beds.map((b) => b.close()));
  }
}

let ok = true;
if (only !== 'kill') {
  const prometheusUrl = process.env.GAUNTLET_PROMETHEUS_URL;
  const targetsDir = process.env.GAUNTLET_PROMETHEUS_TARGETS_DIR ?? getTestbed().prometheusTargetsDir;
  if (!prometheusUrl || !targetsDir)
    throw new Error('set GAUNTLET_PROMETHEUS_URL and GAUNTLET_PROMETHEUS_TARGETS_DIR (pnpm bench starts the test bed)');
  ok =
    (await guardBenches({
      kubeConfig: getTestbed().kubeConfig(),
      prometheusUrl,
      targetsDir,
      seed,
      haltTrials: argument('halt-trials', 50),
      detectionRuns: argument('detection-runs', 100),
      currentPrometheusUrl: async () => (await status()).prometheusUrl,
    })) && ok;
}
if (only !== 'guard') ok = (await killPoints()) && ok;
process.exitCode = ok ? 0 : 1;
