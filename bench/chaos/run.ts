/**
 * chaos-gate rollback benchmark (reliability plan CH-04), on the test bed: the real bundle (a private copy) runs the
 * kill-point experiment of test/chaos-gate/kill-trial.ts (scale-down, partition and DNS-failure NetworkPolicies,
 * quota, toxic) and is killed at seeded random instants with SIGINT, SIGTERM, or SIGKILL then its post step, or
 * SIGKILL with no post step then the reaper. Prints, per route: trials, how many had faults in effect at the kill,
 * and leftovers (goal: 0); and the revert latency after SIGINT/SIGTERM (median, p95) beside what a fault that
 * waits for its own duration to expire (Chaos Mesh's `duration`, or Chaos Toolkit, which skips rollbacks on
 * interrupt) does, as documented.
 *
 * `pnpm exec tsx bench/chaos/run.ts [--trials N (per route, default 200)] [--seed S]`
 * Not measured here yet: halt latency, detection rates and guard cost (issue 14, performance).
 */
import os from 'node:os';
import { getTestbed } from '@gauntlet/testbed';
import { snapshotBundle } from '../../scripts/bundle-snapshot.js';
import {
  killWorkspace,
  runChaosGate,
  runKillTrial,
  startKillBed,
  killTrials,
  type KillOutcome,
} from '../../test/chaos-gate/kill-trial.js';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const perRoute = argument('trials', 200);
const seed = argument('seed', 1403);
const kubeconfigPath = process.env.GAUNTLET_KUBECONFIG ?? process.env.KUBECONFIG;
const toxiproxyUrl = process.env.GAUNTLET_TOXIPROXY_URL;
if (!kubeconfigPath || !toxiproxyUrl)
  throw new Error('set GAUNTLET_KUBECONFIG and GAUNTLET_TOXIPROXY_URL (pnpm bench starts the test bed)');

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

const actionDir = snapshotBundle('chaos-gate', ['actions/chaos-gate/src', 'packages/chaos/src', 'packages/kube/src']);
const kubeConfig = getTestbed().kubeConfig();
const bed = await startKillBed({
  kubeConfig,
  kubeconfigPath,
  toxiproxyUrl,
  actionDir,
  namespace: `chaos-bench-${process.pid}`,
});
try {
  const started = Date.now();
  const calibration = await runChaosGate(bed, await killWorkspace(bed));
  const spanMs = Date.now() - started;
  if (calibration.outputs['verdict'] !== 'pass') throw new Error(`calibration run: ${calibration.main.log.join('\n')}`);
  process.stdout.write(`uninterrupted run: ${s(spanMs)} (kill instants uniform over it); ${os.cpus().length} CPUs\n`);
  const outcomes: KillOutcome[] = [];
  let lastProgress = Date.now();
  for (const trial of killTrials(seed, perRoute * 4, spanMs)) {
    outcomes.push(await runKillTrial(bed, trial));
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      const left = outcomes.filter((o) => o.left.length).length;
      process.stdout.write(`  ${outcomes.length}/${perRoute * 4} trials, ${left} with leftovers\n`);
    }
  }
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
  const bad = outcomes.filter((o) => o.left.length || o.noExpiry.length).length;
  process.exitCode = bad ? 1 : 0;
} finally {
  await bed.close();
}
