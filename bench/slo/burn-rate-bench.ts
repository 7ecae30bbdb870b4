// Bench: 50 SLOs with multi-window burn rates over a real Prometheus holding >= 1M backfilled samples.
// Compares the library's plan (one range query per SLO; every window summed client-side; queries concurrent)
// with the obvious alternative run one at a time (one instant query per SLO x window x part), and with the
// library's own queries run one at a time. Prints a table and checks the results agree.
//   pnpm exec tsx bench/slo/burn-rate-bench.ts [--services 50] [--days 3] [--interval 15] [--rounds 3]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

async function library(
  concurrency: number,
  split = true,
): Promise<{ ms: number; queries: number; result: SloCheckResult }> {
  const c = client(concurrency);
  const start = performance.now();
  const result = await evaluateSlos({
    slos,
    client: c,
    nowMs,
    scrapeIntervalMs: INTERVAL * 1000,
    vars: {},
    splitLongWindows: split,
  });
  return { ms: performance.now() - start, queries: c.stats.queries, result };
}

/** The obvious way: for every SLO and every distinct window, one instant query per part, one at a time. */
async function naive(): Promise<{ ms: number; queries: number; ratios: Map<string, number> }> {
  const c = client(1);
  const ratios = new Map<string, number>();
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
  return { ms: performance.now() - start, queries: c.stats.queries, ratios };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  // Warm-up: Prometheus loads chunks and the OS caches the blocks; both strategies benefit alike.
  await library(4);
  await library(4, false);
  await naive();
  const runs = {
    naive: [] as number[],
    single1: [] as number[],
    single4: [] as number[],
    split1: [] as number[],
    split4: [] as number[],
    split8: [] as number[],
  };
  const queries = { naive: 0, single: 0, split: 0 };
  let last: SloCheckResult | undefined;
  let lastSingle: SloCheckResult | undefined;
  let naiveRatios = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round += 1) {
    // Interleaved, so background load on the machine hits every strategy alike.
    const n = await naive();
    runs.naive.push(n.ms);
    queries.naive = n.queries;
    naiveRatios = n.ratios;
    const s1 = await library(1, false);
    runs.single1.push(s1.ms);
    queries.single = s1.queries;
    lastSingle = s1.result;
    runs.single4.push((await library(4, false)).ms);
    runs.split1.push((await library(1)).ms);
    const c4 = await library(4);
    runs.split4.push(c4.ms);
    queries.split = c4.queries;
    last = c4.result;
    runs.split8.push((await library(8)).ms);
    log(`round ${round + 1}/${ROUNDS} done`);
  }

  // Agreement: client-side window sums vs server-side increase() over the same windows, and split vs single.
  let maxDiff = 0;
  let compared = 0;
  for (const slo of last!.slos) {
    const allowed = slo.budget!.allowedBadFraction;
    const pairs: Array<[number, number | null]> = [[slo.window.durationMs, slo.budget ? slo.budget.badFraction : null]];
    for (const b of slo.burnRates) {
      pairs.push([b.long.windowMs, b.long.burnRate === null ? null : b.long.burnRate * allowed]);
      pairs.push([b.short.windowMs, b.short.burnRate === null ? null : b.short.burnRate * allowed]);
    }
    for (const [w, ours] of pairs) {
      const theirs = naiveRatios.get(`${slo.name}/${w}`);
      if (ours === null || theirs === undefined || !Number.isFinite(theirs)) continue;
      compared += 1;
      maxDiff = Math.max(maxDiff, Math.abs(ours - theirs) / Math.max(theirs, 1e-9));
    }
  }
  const sameVerdicts = last!.slos.every((s, i) => s.verdict === lastSingle!.slos[i]!.verdict);

  const verdicts = last!.slos.reduce<Record<string, number>>(
    (acc, s) => ({ ...acc, [s.verdict]: (acc[s.verdict] ?? 0) + 1 }),
    {},
  );
  const base = median(runs.naive);
  const rows: Array<[string, number, number, number | undefined]> = [
    ['naive: one instant query per SLO x window x part, one at a time', queries.naive, base, undefined],
    ['library, 1 range query per SLO, one at a time', queries.single, median(runs.single1), median(runs.single1)],
    ['library, 1 range query per SLO, concurrency 4', queries.single, median(runs.single4), median(runs.single1)],
    ['library, fine + coarse query per SLO, one at a time', queries.split, median(runs.split1), median(runs.split1)],
    [
      'library, fine + coarse query per SLO, concurrency 4 (default)',
      queries.split,
      median(runs.split4),
      median(runs.split1),
    ],
    ['library, fine + coarse query per SLO, concurrency 8', queries.split, median(runs.split8), median(runs.split1)],
  ];
  const table = [
    `| Strategy | Queries | Wall time (median of ${ROUNDS}) | vs naive one at a time | vs its own queries one at a time |`,
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      ([name, q, ms, own]) =>
        `| ${name} | ${q} | ${ms.toFixed(0)} ms | ${(base / ms).toFixed(1)}× | ${own === undefined ? '–' : `${(own / ms).toFixed(2)}×`} |`,
    ),
  ].join('\n');
  console.log(
    `\nSLO bench: ${SERVICES} SLOs, ${samples.toLocaleString('en-US')} samples (${DAYS} d at ${INTERVAL} s); ${windowsPerSlo.length} distinct windows per SLO (objective + 6 burn-rate windows)`,
  );
  console.log(`SLOs x windows = ${SERVICES} x 7 = ${SERVICES * 7}`);
  console.log(table);
  console.log(
    `raw runs (ms): ${JSON.stringify(Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`,
  );
  console.log(
    `verdicts: ${JSON.stringify(verdicts)}; split and single plans agree on every verdict: ${sameVerdicts}; max relative difference of ${compared} window error ratios vs server-side increase(): ${(maxDiff * 100).toFixed(3)}%`,
  );
  const goals = { fewerQueries: queries.split < SERVICES * 7, threeTimesFaster: base / median(runs.split4) >= 3 };
  console.log(
    `goals: fewer queries than SLOs x windows: ${goals.fewerQueries ? 'yes' : 'NO'}; >= 3x faster than naive one at a time: ${goals.threeTimesFaster ? 'yes' : 'NO'}`,
  );
  if (!goals.fewerQueries || !goals.threeTimesFaster) process.exitCode = 1;
} finally {
  await prometheus.stop();
  rmSync(dir, { recursive: true, force: true });
}
