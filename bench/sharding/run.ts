/**
 * Sharding benchmark: every figure from one run, printed side by side.
 *   pnpm exec tsx bench/sharding/run.ts [--only=<sections>]   e.g. --only=c, --only=ab
 * (a) exact timings, (b) stale timings vs. other splitters, (c) queue mode with pull latency, (d) planning time.
 * Ratios are makespan / max(total/shards, longest item) on the actual durations. See README.md.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ALPHA,
  emptyTimingStore,
  estimateTests,
  parseTestKey,
  planShards,
  shardTestKeys,
  storeFromFlatMap,
  suggestedMinBatchMs,
  testKey,
  updateTimingStore,
  type Plan,
  type TimingStore,
} from '@gauntlet/sharding';
import { DATASETS_DIR, loadDatasets, type Dataset } from './datasets.js';
import {
  durationBasedChunks,
  idealQueueMakespan,
  jestShards,
  plainLpt,
  playwrightShards,
  vitestShards,
} from './baselines.js';
import { lowerBound, makespan, simulateQueue } from './simulate.js';

const fmt = (x: number, d = 3): string => x.toFixed(d);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const cell = (xs: readonly number[]): string => `${fmt(median(xs))} (${fmt(Math.max(...xs))})`;

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
}

/** Keys a plan's shard runs, expanded to the dataset's keys (whole files stay file keys). */
function planKeys(plan: Plan): string[][] {
  return plan.shards.map((s) => shardTestKeys(plan, s.index));
}

function ours(keys: readonly string[], store: TimingStore, m: number, level: Dataset['level']): Plan {
  return planShards({ tests: keys, shards: m, timings: store, runnerFiltersTests: level === 'test' });
}

// ---------------------------------------------------------------------------------------------------------------
/** `--only=<letters>`: run just those sections (default all); (c) alone takes a few seconds. */
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
if (onlyArg !== undefined && !/^[abcd]+$/.test(onlyArg)) {
  console.error(`--only takes section letters a–d, e.g. --only=c (got "${onlyArg}")`);
  process.exit(2);
}
const want = (section: string): boolean => onlyArg === undefined || onlyArg.includes(section);
const printPlanning = want('d') ? measurePlanning() : (): void => {};
console.log(
  `# Sharding benchmark\n\nDatasets: ${DATASETS_DIR}\nNode ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
);
const datasets = loadDatasets();

// (a) Exact timings: plan and measure on the same durations.
if (want('a')) {
  const ms = [4, 8, 16, 32, 64];
  const rows: string[][] = [];
  let worstOverall = 0;
  for (const ds of datasets) {
    const latest = ds.versions[ds.versions.length - 1]!;
    const keys = [...latest.durations.keys()];
    const total = [...latest.durations.values()].reduce((a, b) => a + b, 0);
    const longest = Math.max(...latest.durations.values());
    const cells: string[] = [];
    for (const m of ms) {
      const ratios = ds.versions.map((v) => {
        const k = [...v.durations.keys()];
        const plan = ours(k, storeFromFlatMap(v.durations), m, ds.level);
        return makespan(planKeys(plan), v.durations) / lowerBound(v.durations, k, m);
      });
      const last = ratios[ratios.length - 1]!;
      const worst = Math.max(...ratios);
      worstOverall = Math.max(worstOverall, worst);
      cells.push(ds.versions.length > 1 ? `${fmt(last, 4)} (${fmt(worst, 4)})` : fmt(last, 4));
    }
    rows.push([
      `${ds.name} (${ds.level}, ${ds.versions.length} v)`,
      String(keys.length),
      fmt(total, 0),
      fmt(longest, 1),
      ...cells,
    ]);
  }
  console.log('## (a) Exact timings: ours (LPT) makespan / lower bound; latest version (worst over all versions)\n');
  table(['dataset', 'items', 'total s', 'longest s', ...ms.map((m) => `m=${m}`)], rows);
  console.log(`Worst ratio over all datasets, versions and shard counts: ${fmt(worstOverall, 4)} (goal ≤ 1.001)\n`);
}

// (b) Stale timings: plan with history up to version k, measure on version k+1.
/** The store the action would have before running version k+1: EWMA over versions 1..k. */
function historyStores(ds: Dataset, alpha: number): TimingStore[] {
  const stores: TimingStore[] = [];
  let store = emptyTimingStore();
  for (const v of ds.versions) {
    store = updateTimingStore(store, v.durations, alpha === 1 ? { alpha, resetFactor: Infinity } : { alpha });
    stores.push(store);
  }
  return stores;
}

const staleSets = datasets.filter((d) => d.name === 'localstack' || d.name === 'identity-idp');
const staleMs = [4, 8, 16];
if (want('b')) {
  const columns = [
    'ours',
    'ours, no smoothing',
    'plain LPT',
    'Jest',
    'Vitest',
    'Playwright',
    'pytest-split chunks',
    'ideal queue',
  ];
  const rows: string[][] = [];
  for (const ds of staleSets) {
    const smoothed = historyStores(ds, DEFAULT_ALPHA);
    const latestOnly = historyStores(ds, 1);
    for (const m of staleMs) {
      const r: number[][] = columns.map(() => []);
      for (let k = 0; k + 1 < ds.versions.length; k++) {
        const prev = ds.versions[k]!.durations;
        const next = ds.versions[k + 1]!.durations;
        const keys = [...next.keys()]; // what discovery finds in the version being run, in collection order
        const lb = lowerBound(next, keys, m);
        const results = [
          makespan(planKeys(ours(keys, smoothed[k]!, m, ds.level)), next),
          makespan(planKeys(ours(keys, latestOnly[k]!, m, ds.level)), next),
          makespan(plainLpt(keys, prev, m), next),
          makespan(jestShards(keys, m), next),
          makespan(vitestShards(keys, m), next),
          makespan(playwrightShards(keys, m), next),
          makespan(durationBasedChunks(keys, prev, m), next),
          idealQueueMakespan(keys, prev, next, m),
        ];
        results.forEach((x, i) => r[i]!.push(x / lb));
      }
      rows.push([`${ds.name} (${ds.level}, ${ds.versions.length - 1} pairs)`, String(m), ...r.map(cell)]);
    }
  }
  console.log(
    '## (b) Stale timings: plan with version k, run version k+1; makespan / lower bound, median over pairs (worst)\n',
  );
  table(['suite', 'm', ...columns], rows);
}

// (c) Queue mode: batches of ≈ remaining / (2m), longest first, estimates from history; pull latency 0 vs 1 s.
if (want('c')) {
  const rows: string[][] = [];
  let worstMedian = 0;
  for (const ds of staleSets) {
    const smoothed = historyStores(ds, DEFAULT_ALPHA);
    const pairs = ds.versions.slice(1).map((v, k) => {
      const ids = [...v.durations.keys()].map(parseTestKey);
      return {
        keys: [...v.durations.keys()],
        actualMap: v.durations,
        est: estimateTests(ids, smoothed[k]!).map((e) => Math.round(e.us / 1000)),
        actual: ids.map((id) => Math.round((v.durations.get(testKey(id)) ?? 0) * 1000)),
      };
    });
    for (const m of [4, 8, 16, 32, 64]) {
      const zero: number[] = [];
      const plain: number[] = [];
      const tuned: number[] = [];
      const relPlain: number[] = [];
      const relTuned: number[] = [];
      const relNoRide: number[] = [];
      const claims: number[] = [];
      for (const p of pairs) {
        const lb = lowerBound(p.actualMap, p.keys, m) * 1000;
        const z = simulateQueue(p.est, p.actual, { workers: m, latencyMs: 0, prefetch: false }).makespanMs;
        const s = simulateQueue(p.est, p.actual, { workers: m, latencyMs: 1000, prefetch: false }).makespanMs;
        // What QueueClient users are told to do: prefetch 2 round trips ahead, batches of at least 2 round trips.
        const tunedOptions = { workers: m, latencyMs: 1000, prefetch: true, minBatchMs: suggestedMinBatchMs(1000) };
        const q = simulateQueue(p.est, p.actual, tunedOptions);
        // The same without small items riding along (the policy before 2026-11-24), for comparison.
        const n = simulateQueue(p.est, p.actual, { ...tunedOptions, rideAlongItems: 0 }).makespanMs;
        zero.push(z / lb);
        plain.push(s / lb);
        tuned.push(q.makespanMs / lb);
        relPlain.push(s / z);
        relTuned.push(q.makespanMs / z);
        relNoRide.push(n / z);
        claims.push(q.claims);
      }
      worstMedian = Math.max(worstMedian, median(relTuned));
      rows.push([
        `${ds.name} (${ds.level})`,
        String(m),
        cell(zero),
        cell(plain),
        cell(tuned),
        cell(relPlain),
        cell(relTuned),
        cell(relNoRide),
        fmt(median(claims) / m, 1),
      ]);
    }
  }
  console.log(
    '## (c) Queue mode, 1 s pull latency vs a zero-latency queue (estimates from history); median over pairs (worst)\n',
  );
  table(
    [
      'suite',
      'm',
      '0 s / LB',
      '1 s plain / LB',
      '1 s prefetch+min batch / LB',
      'plain 1 s / 0 s',
      'prefetch+min batch 1 s / 0 s',
      'same, no ride-along',
      'claims/shard',
    ],
    rows,
  );
  console.log(`Worst median of prefetch+min batch 1 s / 0 s: ${fmt(worstMedian)} (goal ≤ 1.030)\n`);
}

printPlanning();

// (d) Planning time for 100,000 tests. Measured first, before the datasets fill the heap, so the first run is a
// true cold start (no JIT warm-up from (a)–(c), no garbage from them to collect); printed last.
function measurePlanning(): () => void {
  // Seeded synthetic suite: 5,000 files × 20 tests, lognormal durations, 90 % with timings, shuffled discovery
  // order with mixed separators (so canonicalisation is part of the measured work).
  let seed = 42;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const keys: string[] = [];
  const durations = new Map<string, number>();
  for (let f = 0; f < 5000; f++) {
    for (let t = 0; t < 20; t++) {
      const key = `tests/pkg${f % 50}/test_mod${f}.py::TestCase${t % 3}::test_${t}`;
      keys.push(f % 7 === 0 ? key.replace(/\//g, '\\') : key);
      if (rand() < 0.9) durations.set(key, Math.exp(rand() * 4 - 3));
    }
  }
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const store = storeFromFlatMap(durations);
  const cases: [string, () => Plan][] = [
    [
      'test granularity, 64 shards',
      () => planShards({ tests: keys, shards: 64, timings: store, runnerFiltersTests: true }),
    ],
    [
      'test granularity, auto',
      () => planShards({ tests: keys, shards: 'auto', timings: store, runnerFiltersTests: true }),
    ],
    [
      'file granularity + heavy-file split, 64',
      () => planShards({ tests: keys, shards: 64, timings: store, runnerFiltersTests: true, granularity: 'file' }),
    ],
  ];
  const rows: string[][] = [];
  for (const [name, fn] of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let plan: Plan | undefined;
    for (let i = 0; i < 7; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      plan = fn();
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    rows.push([
      name,
      `${fmt(times[0]!, 0)} / ${fmt(cpu[0]!, 0)}`,
      `${fmt(median(times), 0)} / ${fmt(median(cpu), 0)}`,
      fmt(Math.min(...times), 0),
      String(plan!.shardCount),
      fmt(plan!.predictedMakespanSeconds / plan!.lowerBoundSeconds, 4),
    ]);
  }
  const load = loadavg();
  return () => {
    console.log('## (d) Planning 100,000 tests, from unsorted raw ids to plan and id (goal < 1 s)\n');
    table(
      ['case', 'first run ms (wall / CPU)', 'median of 7 ms (wall / CPU)', 'best wall ms', 'shards', 'predicted / LB'],
      rows,
    );
    const avg = load.map((x) => x.toFixed(1)).join(' / ');
    console.log(`Load average while measuring: ${avg} on ${cpus().length} CPUs (the machine is shared).`);
  };
}
