// Bench: 50 SLOs with multi-window burn rates over a real Prometheus holding >= 1M backfilled samples.
// Compares the library's plan (one range query per SLO; every window summed client-side; queries concurrent)
// with the obvious alternative run one at a time (one instant query per SLO x window x part), and with the
// library's own queries run one at a time. Prints a table and checks the results agree.
//   pnpm exec tsx bench/slo/run.ts [--services 50] [--days 3] [--interval 15] [--rounds 3]
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  WORKBOOK_TIERS,
  type PrometheusClient,
  type SloCheckResult,
} from '@gauntlet/slo';
import { startLocalPrometheus } from '@gauntlet/slo/testing';
import { profiles, writeOpenMetrics } from './generate-openmetrics.js';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '50' },
    days: { type: 'string', default: '3' },
    interval: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
  },
});
const SERVICES = Number(args.services);
const DAYS = Number(args.days);
const INTERVAL = Number(args.interval);
const ROUNDS = Number(args.rounds);
const WINDOW_MS = DAYS * 86_400_000;

const log = (m: string): void => void process.stderr.write(`[slo-bench] ${m}\n`);
const endSeconds = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
const dir = mkdtempSync(join(tmpdir(), 'slo-bench-'));
const file = join(dir, 'history.om');
const services = profiles(SERVICES);

log(`writing ${SERVICES} services x 2 series x ${DAYS} d at ${INTERVAL} s`);
const samples = await writeOpenMetrics({ file, endSeconds, days: DAYS, intervalSeconds: INTERVAL }, services);
log(
  `${samples.toLocaleString('en-US')} samples, ${(statSync(file).size / 1e6).toFixed(0)} MB; backfilling with promtool`,
);
const t0 = performance.now();
const prometheus = await startLocalPrometheus({ backfill: file });
log(`backfill + start: ${((performance.now() - t0) / 1000).toFixed(1)} s; Prometheus at ${prometheus.url}`);
rmSync(file);

const yaml = `slos:\n${services
  .map(
    (s) =>
      `  - name: ${s.name}\n    ratio:\n      bad: 'bench_requests_total{service="${s.name}",code="500"}'\n      total: 'bench_requests_total{service="${s.name}"}'\n    objective: { target: 99.9%, window: ${DAYS}d }\n`,
  )
  .join('')}`;
const slos = loadSlosFromYaml(yaml, 'bench');
const nowMs = endSeconds * 1000;
const windowsPerSlo = [...new Set([WINDOW_MS, ...WORKBOOK_TIERS.flatMap((t) => [t.longMs, t.shortMs])])];

function client(concurrency: number): PrometheusClient {
  return createPrometheusClient({ url: prometheus.url, registerSecret: () => {}, concurrency, timeoutMs: 120_000 });
}

/** CPU seconds the Prometheus we started has used so far (its own /proc entry): a load-independent cost. */
function prometheusCpuMs(): number {
  const fields = readFileSync(`/proc/${prometheus.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Run {
  ms: number;
  cpuMs: number;
  /** CPU of this Node process (client side: HTTP, JSON, evaluation). */
  clientCpuMs: number;
  queries: number;
}

function ownCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

type Plan = 'default' | 'plain' | 'batch-only';
async function library(concurrency: number, plan: Plan): Promise<Run & { result: SloCheckResult }> {
  const c = client(concurrency);
  const cpu = prometheusCpuMs();
  const own = process.cpuUsage();
  const start = performance.now();
  const optimisations =
    plan === 'plain'
      ? { splitLongWindows: false, batchByLabel: false }
      : plan === 'batch-only'
        ? { splitLongWindows: false }
        : {};
  const result = await evaluateSlos({
    slos,
    client: c,
    nowMs,
    scrapeIntervalMs: INTERVAL * 1000,
    vars: {},
    ...optimisations,
  });
  return {
    ms: performance.now() - start,
    cpuMs: prometheusCpuMs() - cpu,
    clientCpuMs: ownCpuMs(own),
    queries: c.stats.queries,
    result,
  };
}

/** The obvious way: for every SLO and every distinct window, one instant query per part, one at a time. */
async function naive(): Promise<Run & { ratios: Map<string, number> }> {
  const c = client(1);
  const ratios = new Map<string, number>();
  const cpu = prometheusCpuMs();
  const own = process.cpuUsage();
  const start = performance.now();
  for (const s of services) {
    for (const w of windowsPerSlo) {
      const range = `${w / 1000}s`;
      const bad = await c.instant(
        `sum(increase(bench_requests_total{service="${s.name}",code="500"}[${range}]))`,
        nowMs / 1000,
      );
      const total = await c.instant(`sum(increase(bench_requests_total{service="${s.name}"}[${range}]))`, nowMs / 1000);
      const v = (o: typeof bad): number =>
        o.ok && o.data.resultType === 'vector' ? (o.data.samples[0]?.v ?? Number.NaN) : Number.NaN;
      ratios.set(`${s.name}/${w}`, v(bad) / v(total));
    }
  }
  return {
    ms: performance.now() - start,
    cpuMs: prometheusCpuMs() - cpu,
    clientCpuMs: ownCpuMs(own),
    queries: c.stats.queries,
    ratios,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  // Warm-up: Prometheus loads chunks and the OS caches the blocks; every strategy benefits alike.
  await library(4, 'default');
  await library(4, 'plain');
  await naive();
  const strategies: Array<{ key: string; name: string; run: () => Promise<Run> }> = [
    { key: 'naive', name: 'naive: instant query per SLO x window x part, one at a time', run: naive },
    {
      key: 'plain1',
      name: 'library, no batching/split (1 two-part range query per SLO), one at a time',
      run: () => library(1, 'plain'),
    },
    { key: 'plain4', name: 'library, no batching/split, concurrency 4', run: () => library(4, 'plain') },
    {
      key: 'batch1',
      name: 'library, label batching only (1 range query per SLO), one at a time',
      run: () => library(1, 'batch-only'),
    },
    { key: 'batch4', name: 'library, label batching only, concurrency 4', run: () => library(4, 'batch-only') },
    {
      key: 'default1',
      name: 'library default (label batching + fine/coarse split), one at a time',
      run: () => library(1, 'default'),
    },
    { key: 'default4', name: 'library default, concurrency 4 (default)', run: () => library(4, 'default') },
    { key: 'default8', name: 'library default, concurrency 8', run: () => library(8, 'default') },
  ];
  const runs = new Map<string, Run[]>(strategies.map((s) => [s.key, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    // Interleaved, so background load on the machine hits every strategy alike.
    for (const s of strategies) runs.get(s.key)!.push(await s.run());
    log(`round ${round + 1}/${ROUNDS} done`);
  }
  const naiveRun = await naive();
  const defaults = await library(4, 'default');
  const plain = await library(4, 'plain');

  // Agreement: client-side window sums vs server-side increase() over the same windows; default vs plain plan.
  let maxDiff = 0;
  let compared = 0;
  for (const slo of defaults.result.slos) {
    const allowed = slo.budget!.allowedBadFraction;
    const pairs: Array<[number, number | null]> = [[slo.window.durationMs, slo.budget ? slo.budget.badFraction : null]];
    for (const b of slo.burnRates) {
      pairs.push([b.long.windowMs, b.long.burnRate === null ? null : b.long.burnRate * allowed]);
      pairs.push([b.short.windowMs, b.short.burnRate === null ? null : b.short.burnRate * allowed]);
    }
    for (const [w, ours] of pairs) {
      const theirs = naiveRun.ratios.get(`${slo.name}/${w}`);
      if (ours === null || theirs === undefined || !Number.isFinite(theirs)) continue;
      compared += 1;
      maxDiff = Math.max(maxDiff, Math.abs(ours - theirs) / Math.max(theirs, 1e-9));
    }
  }
  const sameVerdicts = defaults.result.slos.every((s, i) => s.verdict === plain.result.slos[i]!.verdict);
  const verdicts = defaults.result.slos.reduce<Record<string, number>>(
    (acc, s) => ({ ...acc, [s.verdict]: (acc[s.verdict] ?? 0) + 1 }),
    {},
  );

  const med = (key: string, f: (r: Run) => number): number => median(runs.get(key)!.map(f));
  const base = med('naive', (r) => r.ms);
  const baseCpu = med('naive', (r) => r.cpuMs);
  const ownSequential: Record<string, string | undefined> = {
    plain1: 'plain1',
    plain4: 'plain1',
    batch1: 'batch1',
    batch4: 'batch1',
    default1: 'default1',
    default4: 'default1',
    default8: 'default1',
  };
  const table = [
    `| Strategy | Queries | Wall time (median of ${ROUNDS}) | Wall vs naive | Wall vs its own queries one at a time | Prometheus CPU | CPU vs naive | Client CPU |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...strategies.map((s) => {
      const ms = med(s.key, (r) => r.ms);
      const cpu = med(s.key, (r) => r.cpuMs);
      const own = ownSequential[s.key];
      return `| ${s.name} | ${runs.get(s.key)![0]!.queries} | ${ms.toFixed(0)} ms | ${(base / ms).toFixed(1)}× | ${own ? `${(med(own, (r) => r.ms) / ms).toFixed(2)}×` : '–'} | ${cpu.toFixed(0)} ms | ${(baseCpu / cpu).toFixed(1)}× | ${med(s.key, (r) => r.clientCpuMs).toFixed(0)} ms |`;
    }),
  ].join('\n');
  const defaultQueries = runs.get('default4')![0]!.queries;
  console.log(
    `\nSLO bench: ${SERVICES} SLOs, ${samples.toLocaleString('en-US')} samples (${DAYS} d at ${INTERVAL} s); ${windowsPerSlo.length} distinct windows per SLO (objective + 6 burn-rate windows); load average at start ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
  );
  console.log(`SLOs x windows = ${SERVICES} x 7 = ${SERVICES * 7}`);
  console.log(table);
  console.log(
    `raw wall times (ms): ${JSON.stringify(Object.fromEntries([...runs].map(([k, v]) => [k, v.map((x) => Math.round(x.ms))])))}`,
  );
  console.log(
    `verdicts: ${JSON.stringify(verdicts)}; default and plain plans agree on every verdict: ${sameVerdicts}; max relative difference of ${compared} window error ratios vs server-side increase(): ${(maxDiff * 100).toFixed(3)}%`,
  );
  const goals = {
    fewerQueries: defaultQueries < SERVICES * 7,
    threeTimesFaster: base / med('default4', (r) => r.ms) >= 3,
  };
  console.log(
    `goals: fewer queries than SLOs x windows: ${goals.fewerQueries ? 'yes' : 'NO'}; >= 3x faster than naive one at a time: ${goals.threeTimesFaster ? 'yes' : 'NO'}`,
  );
  if (!goals.fewerQueries || !goals.threeTimesFaster) process.exitCode = 1;
} finally {
  await prometheus.stop();
  rmSync(dir, { recursive: true, force: true });
}
