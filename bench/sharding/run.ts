/**
 * Sharding benchmark: every figure from one run, printed side by side.
 *   pnpm exec tsx bench/sharding/run.ts [--only=<sections>]   e.g. --only=c, --only=ab
 * (a) exact timings, (b) stale timings vs. other splitters, (c) queue mode with pull latency, (d) planning time.
 * Ratios are makespan / max(total/shards, longest item) on the actual durations. See README.md.
 */
import { seededRandom } from '@gauntlet/action-kit';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ALPHA,
  emptyTimingStore,
  MAX_BATCH_PARTS,
  planShards,
  shardTestKeys,
  storeFromFlatMap,
  suggestedMinBatchMs,
  updateTimingStore,
  type Plan,
  type TimingStore,
} from '@gauntlet/sharding';
import { DATASETS_DIR, loadDatasets, type Dataset } from './datasets.js';
import {
  durationBasedChunks,
  idealQueueMakespan,
  jestShards,
  knapsackRegular,
  plainLpt,
  playwrightShards,
  vitestShards,
} from './baselines.js';
import { versionPairs, type VersionPair } from './pairs.js';
import { lastItem, PEER_COLUMNS, peerMakespans, queuePair, toldNewDurations } from './queue-peers.js';
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

function ours(
  keys: readonly string[],
  store: TimingStore,
  m: number,
  level: Dataset['level'],
  guessesFirst = true,
): Plan {
  return planShards({ tests: keys, shards: m, timings: store, runnerFiltersTests: level === 'test', guessesFirst });
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
/** Series outside the goal, run through (c) as a held-out check of queue policies tuned on the two above. */
const heldOutSets = datasets.filter((d) => d.name === 'tilavarauspalvelu' || d.name === 'pgmpy');
const pairsOf = new Map([...staleSets, ...heldOutSets].map((d) => [d.name, versionPairs(d)]));
const honestPairs = (ds: Dataset): VersionPair[] => pairsOf.get(ds.name)!.filter((p) => !p.exact);
const exactPairs = (ds: Dataset): VersionPair[] => pairsOf.get(ds.name)!.filter((p) => p.exact);
const staleMs = [4, 8, 16, 32];
/** Goals for ours on honest pairs (issue 13): median ≤ 1.03 at 4–16 shards, ≤ 1.06 at 32. */
const staleGoal = (m: number): number => (m <= 16 ? 1.03 : 1.06);
if (want('b')) {
  for (const ds of staleSets) {
    const honest = honestPairs(ds).map((p) => p.k);
    const exact = exactPairs(ds).map((p) => p.k);
    console.log(
      `${ds.name}: ${honest.length} honest pairs (${honest.map((k) => `${k}→${k + 1}`).join(', ')}), ` +
        `${exact.length} exact (no common test changed: ${exact.map((k) => `${k}→${k + 1}`).join(', ') || 'none'})`,
    );
  }
  console.log('');
  const columns = [
    'ours',
    'ours, guesses not first',
    'ours, changed tests known',
    'ours, no smoothing',
    'plain LPT',
    'Knapsack regular',
    'Jest',
    'Vitest',
    'Playwright',
    'pytest-split chunks',
    'ideal queue',
  ];
  const rows: string[][] = [];
  const exactRows: string[][] = [];
  const misses: string[] = [];
  for (const ds of staleSets) {
    const smoothed = historyStores(ds, DEFAULT_ALPHA);
    const latestOnly = historyStores(ds, 1);
    for (const m of staleMs) {
      const r: number[][] = columns.map(() => []);
      const ex: number[][] = [[], []];
      for (const pair of pairsOf.get(ds.name)!) {
        const k = pair.k;
        const prev = ds.versions[k]!.durations;
        const next = ds.versions[k + 1]!.durations;
        const keys = [...next.keys()]; // what discovery finds in the version being run, in collection order
        const lb = lowerBound(next, keys, m);
        const oursRatio = makespan(planKeys(ours(keys, smoothed[k]!, m, ds.level)), next) / lb;
        if (pair.exact) {
          ex[0]!.push(oursRatio);
          ex[1]!.push(makespan(plainLpt(keys, prev, m), next) / lb);
          continue;
        }
        const results = [
          oursRatio * lb,
          makespan(planKeys(ours(keys, smoothed[k]!, m, ds.level, false)), next),
          makespan(planKeys(ours(keys, toldNewDurations(smoothed[k]!, next), m, ds.level)), next),
          makespan(planKeys(ours(keys, latestOnly[k]!, m, ds.level)), next),
          makespan(plainLpt(keys, prev, m), next),
          makespan(knapsackRegular(keys, prev, m), next),
          makespan(jestShards(keys, m), next),
          makespan(vitestShards(keys, m), next),
          makespan(playwrightShards(keys, m), next),
          makespan(durationBasedChunks(keys, prev, m), next),
          idealQueueMakespan(keys, prev, next, m),
        ];
        results.forEach((x, i) => r[i]!.push(x / lb));
      }
      const label = `${ds.name} (${ds.level}, ${r[0]!.length} honest pairs)`;
      rows.push([label, String(m), ...r.map(cell)]);
      if (median(r[0]!) > staleGoal(m)) misses.push(`${ds.name} m=${m}: ${fmt(median(r[0]!))} > ${staleGoal(m)}`);
      if (ex[0]!.length)
        exactRows.push([`${ds.name} (${ex[0]!.length} exact pairs)`, String(m), cell(ex[0]!), cell(ex[1]!)]);
    }
  }
  console.log(
    '## (b) Stale timings, honest pairs: plan with version k, run version k+1; makespan / lower bound, median over pairs (worst)\n',
  );
  table(['suite', 'm', ...columns], rows);
  console.log(
    `Goal for ours, median ≤ 1.03 at 4–16 shards and ≤ 1.06 at 32: ${misses.length ? `missed at ${misses.join('; ')}` : 'met'}.\n`,
  );
  console.log('Exact cases (no common test changed; planning with a copy of the answer), apart:\n');
  table(['suite', 'm', 'ours', 'plain LPT'], exactRows);
}

// (c) Queue mode on honest pairs: the action's worker policy at 1 s round trips against the same queue at 0 s.
/** The action's worker at 1 s round trips: prefetch 2 round trips ahead, batches of at least 2, hand-back. */
const actionWorker = (m: number, first: readonly number[]) => ({
  workers: m,
  first,
  handBack: true,
  latencyMs: 1000,
  prefetch: true,
  minBatchMs: suggestedMinBatchMs(1000),
});
if (want('c')) {
  const rows: string[][] = [];
  const partRows: string[][] = [];
  const peerRows: string[][] = [];
  const whyMissed: string[] = [];
  const misses: string[] = [];
  let worstOverall = 0;
  for (const ds of [...staleSets, ...heldOutSets]) {
    const smoothed = historyStores(ds, DEFAULT_ALPHA);
    const pairs = honestPairs(ds).map(({ k }) =>
      queuePair(k, ds.versions[k]!.durations, ds.versions[k + 1]!.durations, smoothed[k]!),
    );
    for (const m of [4, 8, 16, 32, 64]) {
      const cols: number[][] = [[], [], [], [], [], [], [], [], [], []];
      const partCols: number[][] = [[], [], [], []];
      const partItems: number[] = [];
      const claims: number[] = [];
      const peerCols: number[][] = Array.from({ length: PEER_COLUMNS.length + 3 }, () => []);
      for (const p of pairs) {
        const lb = lowerBound(p.actualMap, p.keys, m) * 1000;
        const total = p.actual.reduce((a, b) => a + b, 0);
        const base = { workers: m, first: p.first, handBack: true };
        const zero = simulateQueue(p.est, p.actual, { ...base, latencyMs: 0, prefetch: false }).makespanMs;
        // The action's worker: prefetch 2 round trips ahead, batches of at least 2 round trips, hand-back, guesses first.
        const action = actionWorker(m, p.first);
        const q = simulateQueue(p.est, p.actual, action);
        const noFirst = simulateQueue(p.est, p.actual, { ...action, first: [] }).makespanMs;
        const noHandBack = simulateQueue(p.est, p.actual, { ...action, handBack: false }).makespanMs;
        // The policies before the spread order and the share by count (2026-12-03), and each one alone.
        const before = simulateQueue(p.est, p.actual, { ...action, order: 'index', shareByCount: false }).makespanMs;
        const noSpread = simulateQueue(p.est, p.actual, { ...action, order: 'index' }).makespanMs;
        const noCountShare = simulateQueue(p.est, p.actual, { ...action, shareByCount: false }).makespanMs;
        const plain = simulateQueue(p.est, p.actual, { ...base, latencyMs: 1000, prefetch: false }).makespanMs;
        // Handing back a running batch's unstarted parts (batchParts): one run per batch against up to
        // MAX_BATCH_PARTS runs, each paying the command's start-up (0 s, and 1 s as a pytest or vitest start).
        for (const [i, startUpMs] of [0, 1000].entries()) {
          const one = simulateQueue(p.est, p.actual, { ...action, runOverheadMs: startUpMs });
          const parts = simulateQueue(p.est, p.actual, {
            ...action,
            runOverheadMs: startUpMs,
            maxParts: MAX_BATCH_PARTS,
          });
          partCols[2 * i]!.push(one.makespanMs / lb);
          partCols[2 * i + 1]!.push(parts.makespanMs / lb);
          if (startUpMs === 0) partItems.push(parts.partsHandedBack);
        }
        const ideal = idealQueueMakespan(p.keys, p.prev, p.actualMap, m) * 1000;
        // Peers from the same run, and what the same worker reaches when told more (information bounds).
        const peers = peerMakespans(p, m, action);
        const staticOurs = makespan(planKeys(ours(p.keys, smoothed[p.k]!, m, ds.level)), p.actualMap) * 1000;
        const toldChanged = peers[PEER_COLUMNS.indexOf('ours 1 s, changed tests known')]!;
        [q.makespanMs / lb, staticOurs / lb, ...peers.map((x) => x / lb), q.makespanMs / toldChanged].forEach((x, i) =>
          peerCols[i]!.push(x),
        );
        [
          ideal / lb,
          zero / lb,
          q.makespanMs / lb,
          before / lb,
          noSpread / lb,
          noCountShare / lb,
          noFirst / lb,
          noHandBack / lb,
          plain / lb,
          q.executedMs / total - 1,
        ].forEach((x, i) => cols[i]!.push(x));
        claims.push(q.claims);
      }
      partRows.push([
        `${ds.name} (${ds.level}, ${pairs.length} honest pairs)`,
        String(m),
        ...partCols.map(cell),
        fmt(median(partItems), 0),
      ]);
      const worst = Math.max(...cols[2]!);
      if (staleSets.includes(ds)) worstOverall = Math.max(worstOverall, worst);
      if (worst > 1.1 && staleSets.includes(ds)) {
        misses.push(`${ds.name} m=${m}: ${fmt(worst)}`);
        const at = cols[2]!.indexOf(worst);
        const p = pairs[at]!;
        const lb = lowerBound(p.actualMap, p.keys, m) * 1000;
        whyMissed.push(`- ${ds.name} m=${m}, ${lastItem(p, actionWorker(m, p.first), lb)}`);
      }
      peerRows.push([`${ds.name} (${ds.level}, ${pairs.length} honest pairs)`, String(m), ...peerCols.map(cell)]);
      rows.push([
        `${ds.name} (${ds.level}, ${pairs.length} honest pairs)`,
        String(m),
        ...cols.slice(0, 9).map(cell),
        `${fmt(median(cols[9]!) * 100, 1)} % (${fmt(Math.max(...cols[9]!) * 100, 1)} %)`,
        fmt(median(claims) / m, 1),
      ]);
    }
  }
  console.log(
    "## (c) Queue mode, honest pairs: the action's worker at 1 s round trips (estimates from history); makespan / LB, median (worst)\n",
  );
  table(
    [
      'suite',
      'm',
      'ideal queue 0 s',
      'ours 0 s',
      'ours 1 s (action)',
      'before (index order, cap 8)',
      'no spread',
      'no count share',
      'no guesses first',
      'no hand-back',
      '1 s, no prefetch',
      'work run twice',
      'claims/shard',
    ],
    rows,
  );
  console.log(
    `Goal, worst pair of ours 1 s (action) ≤ 1.10 at 4–64 shards: ${misses.length ? `missed at ${misses.join('; ')}` : 'met'} (worst ${fmt(worstOverall)}).\n`,
  );
  console.log(
    "Peers and information bounds, same pairs, same run (static splits measured on the same actual durations; the information bounds are the action's worker at 1 s told the new duration of every test it had history for, or of every test); makespan / LB, median (worst). Last column: ours over the 'changed tests known' bound.\n",
  );
  table(
    ['suite', 'm', 'ours 1 s (action)', 'ours static plan', ...PEER_COLUMNS, 'ours / changed-known bound'],
    peerRows,
  );
  if (whyMissed.length) console.log(`What set the worst pair where the goal is missed:\n${whyMissed.join('\n')}\n`);
  console.log(
    `Handing back a running batch's unstarted parts: the action's worker at 1 s round trips, each batch in one command run or in up to ${MAX_BATCH_PARTS} (halves by count; after each part, a batch past handBackAfterMs gives the rest back), with a command start-up per run of 0 s and 1 s; makespan / LB, median (worst)\n`,
  );
  table(
    ['suite', 'm', 'one run, 0 s', 'parts, 0 s', 'one run, 1 s start-up', 'parts, 1 s start-up', 'items handed back'],
    partRows,
  );
}

printPlanning();

// (d) Planning time for 100,000 tests. Measured first, before the datasets fill the heap, so the first run is a
// true cold start (no JIT warm-up from (a)–(c), no garbage from them to collect); printed last.
function measurePlanning(): () => void {
  // Seeded synthetic suite: 5,000 files × 20 tests, lognormal durations, 90 % with timings, shuffled discovery
  // order with mixed separators (so canonicalisation is part of the measured work).
  const rand = seededRandom(42);
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
