/**
 * The static planner: discovered tests + timing store → a Plan (items per shard, predictions, matrix).
 *
 * Determinism is the contract: every shard may recompute the plan on its own runner, so the same inputs must give a
 * byte-identical plan on any OS, locale or discovery order. Hence canonical ids (test-id.ts), integer-microsecond
 * arithmetic (estimates.ts), total tie-breaks (lpt.ts), fixed key order in the JSON, and a content hash as plan id.
 */
import { createHash } from 'node:crypto';
import { InputError, silentLogger, type Logger } from '@gauntlet/action-kit';
import { fitCostModel, type CostModel } from './cost-model.js';
import { estimateTestsByKey, toMicros, type Estimate, type EstimateOptions } from './estimates.js';
import { assignLpt } from './lpt.js';
import {
  chooseShardCount,
  DEFAULT_FIXED_COST_SECONDS,
  DEFAULT_TARGET_SECONDS,
  type ShardCountOptions,
} from './shard-count.js';
import { MAX_MATRIX_JOBS } from './shard-spec.js';
import { canonicalize, testKey, type TestId } from './test-id.js';
import { emptyTimingStore, testCountsByFile, type TimingStore } from './timing-store.js';
import {
  fileGroups,
  fileItems,
  longestUnsplittableUs,
  testItems,
  type FileGroup,
  type Granularity,
  type WorkItem,
} from './work-items.js';

export const PLAN_FORMAT = 'gauntlet-shard-plan';
export const PLAN_VERSION = 1;

export interface PlanOptions extends EstimateOptions {
  /** Discovered tests: ids or keys (`file` / `file::name`), any order, any separators. */
  readonly tests: Iterable<TestId | string>;
  /** What a run costs beyond JUnit times; default: fitted on the store's command runs (cost-model.ts). */
  readonly costModel?: CostModel;
  /** A shard count 1–256, or 'auto' (see shard-count.ts). */
  readonly shards: number | 'auto';
  readonly timings?: TimingStore;
  /** Whether the runner can run a list of individual test ids (pytest node ids, Jest -t, …). Default false. */
  readonly runnerFiltersTests?: boolean;
  /**
   * 'test' plans single tests (needs runnerFiltersTests), 'file' plans whole files and splits only files longer than
   * total/shards. Default: 'test' when the runner filters tests, else 'file'.
   */
  readonly granularity?: Granularity;
  readonly auto?: ShardCountOptions;
  readonly logger?: Logger;
  /**
   * The runner adapter the items are shaped for (test ids in its form), recorded in the plan so the shards use
   * the same one: a test-level plan run by an adapter that passes only files would run whole files many times.
   */
  readonly runner?: string;
  /**
   * Place items without a timing of their own (estimates) before the timed ones (default true); false is plain LPT.
   * See guessesFirstOrder.
   */
  readonly guessesFirst?: boolean;
  /**
   * How the runner selects a test whose name cannot (RSpec example ids), by test key: the plan keeps those of the
   * discovered tests, for the shards' command lines and their retries.
   */
  readonly selectors?: ReadonlyMap<string, string>;
}

export interface PlanItem {
  readonly file: string;
  /** Tests of the file this item runs; absent = the whole file. */
  readonly tests?: readonly string[];
  readonly seconds: number;
  readonly estimated: boolean;
}

export interface PlanShard {
  /** 1-based, as in the matrix. */
  readonly index: number;
  readonly predictedSeconds: number;
  readonly items: readonly PlanItem[];
}

export interface Plan {
  readonly format: typeof PLAN_FORMAT;
  readonly version: typeof PLAN_VERSION;
  /** Content hash of the plan (16 hex digits): shards can check they run the plan that was reported. */
  readonly id: string;
  readonly shardCount: number;
  readonly granularity: Granularity;
  /** The runner adapter the plan was made for (PlanOptions.runner), when known. */
  readonly runner?: string;
  /** Why this shard count: fixed by input, or the auto choice's explanation. */
  readonly shardCountReason: string;
  readonly tests: { readonly total: number; readonly timed: number; readonly estimated: number };
  readonly totalSeconds: number;
  readonly longestItemSeconds: number;
  /** Per-command-run cost + max(total / shards, longest item): no split can finish sooner. */
  readonly lowerBoundSeconds: number;
  /** The cost model the items' seconds include, once runs have been measured (absent: JUnit times as they are). */
  readonly costModel?: {
    readonly perRunSeconds: number;
    readonly perFileSeconds: number;
    readonly perTestSeconds: number;
    readonly testTimeScale: number;
    readonly samples: number;
  };
  readonly predictedMakespanSeconds: number;
  /** Runner selectors of the planned tests, by test key (PlanOptions.selectors); absent when none. */
  readonly selectors?: Readonly<Record<string, string>>;
  /** For `strategy.matrix` via fromJSON: one job per shard, plus what each job needs to find its part. */
  readonly matrix: {
    readonly shard: readonly number[];
    readonly shardTotal: readonly number[];
    readonly planId: readonly string[];
  };
  readonly shards: readonly PlanShard[];
}

const sec = (us: number): number => us / 1e6;

/** Builds a plan. Throws InputError for an invalid shard count or an impossible granularity; never for timing data. */
export function planShards(options: PlanOptions): Plan {
  const logger = options.logger ?? silentLogger;
  const store = options.timings ?? emptyTimingStore();
  const filters = options.runnerFiltersTests ?? false;
  const granularity: Granularity = options.granularity ?? (filters ? 'test' : 'file');
  if (granularity === 'test' && !filters) {
    throw new InputError('granularity', '"test" needs a runner that can run individual test ids; use "file"');
  }
  if (
    options.shards !== 'auto' &&
    (!Number.isSafeInteger(options.shards) || options.shards < 1 || options.shards > MAX_MATRIX_JOBS)
  ) {
    throw new InputError(
      'shards',
      `${String(options.shards)} is not a shard count; expected "auto" or 1 to ${MAX_MATRIX_JOBS}`,
    );
  }

  const { ids: tests, keys } = canonicalize(options.tests);
  const model = options.costModel ?? fitCostModel(store.runs ?? []);
  const corrections = store.fileCorrections ?? new Map<string, number>();
  // Tests per file for the per-test cost: as discovered when discovery names them, else as last run.
  const perTestUs = toMicros(model.perTestSeconds);
  const testsOf = perTestUs > 0 ? testCountsByFile(store.entries) : new Map<string, number>();
  if (perTestUs > 0) {
    const named = new Map<string, number>();
    for (const t of tests) if (t.name !== undefined) named.set(t.file, (named.get(t.file) ?? 0) + 1);
    for (const [file, n] of named) testsOf.set(file, n);
  }
  // What a file costs beyond its (scaled) JUnit time: the model's per-file and per-test costs plus what calibration
  // learned about the file.
  const fileExtraUs = (file: string): number =>
    Math.max(
      0,
      toMicros(model.perFileSeconds) +
        perTestUs * (testsOf.get(file) ?? 0) +
        Math.round((corrections.get(file) ?? 0) * 1e6),
    );
  const estimates = applyCostModel(
    tests,
    estimateTestsByKey(tests, keys, store, options),
    model,
    granularity,
    fileExtraUs,
  );
  let timed = 0;
  for (const e of estimates) if (e.source === 'timing') timed++;
  if (tests.length > 0 && timed === 0) {
    logger.info('No timings for any discovered test: shards are balanced by test count until timings are recorded.');
  } else if (timed < tests.length) {
    logger.info(`${tests.length - timed} of ${tests.length} tests have no timing yet and are planned with estimates.`);
  }

  const groups =
    granularity === 'file'
      ? fileGroups(
          tests,
          estimates,
          (file) => {
            const e = store.entries.get(file);
            return e ? scaledUs(model, toMicros(e.seconds)) + fileExtraUs(file) : undefined;
          },
          filters,
          fileExtraUs,
        )
      : [];
  const baseItems = granularity === 'test' ? testItems(tests, estimates) : undefined;

  // Shard count: fixed, or chosen from the work before heavy files are split (splitting cannot beat the longest test).
  let shardCount: number;
  let reason: string;
  if (options.shards === 'auto') {
    let totalUs = 0;
    let longestUs = 0;
    let itemCount = 0;
    for (const i of baseItems ?? []) {
      totalUs += i.us;
      longestUs = Math.max(longestUs, i.us);
      itemCount++;
    }
    for (const g of groups) {
      totalUs += g.us;
      longestUs = Math.max(longestUs, longestUnsplittableUs(g));
      itemCount += g.splittable ? g.tests.length : 1;
    }
    const history = store.shardOverhead;
    // The job's own start-up, plus the test command's (a run's fixed cost in the model).
    const fixed =
      (options.auto?.fixedCostSeconds ?? (history ? history.seconds : DEFAULT_FIXED_COST_SECONDS)) +
      model.perRunSeconds;
    const source =
      options.auto?.fixedCostSeconds !== undefined
        ? (options.auto.fixedCostSource ?? 'input')
        : history
          ? `measured over ${history.samples} run${history.samples === 1 ? '' : 's'}`
          : 'default, no history yet';
    const choice = chooseShardCount({
      totalUs,
      longestUs,
      itemCount,
      fixedCostSeconds: fixed,
      fixedCostSource: source,
      targetSeconds: options.auto?.targetSeconds ?? DEFAULT_TARGET_SECONDS,
      maxParallel: options.auto?.maxParallel ?? MAX_MATRIX_JOBS,
    });
    shardCount = choice.count;
    reason = choice.explanation;
  } else {
    shardCount = options.shards;
    reason = `${shardCount} shard${shardCount === 1 ? '' : 's'}: set by input.`;
  }

  const guessesFirst = options.guessesFirst ?? true;
  const items = baseItems ?? finestNeededSplit(groups, shardCount, guessesFirst);
  return buildPlan(items, shardCount, granularity, reason, { total: tests.length, timed }, options.runner, model, {
    guessesFirst,
    ...(options.selectors === undefined ? {} : { selectors: options.selectors }),
    keys: new Set(keys),
  });
}

/**
 * File-level items, split as finely as balance needs. Splitting only files longer than total/shards leaves whole
 * files that do not fit the shards: 100 files of 1,000 tests on 64 shards put two files on 36 shards (1.23 × the
 * bound with exact timings). When the runner can filter tests, thresholds of total/shards, /2 and /4 are tried and
 * the first whose LPT makespan is within 1 % of the bound is kept, else the best; every piece pays its file's
 * set-up again (work-items.ts), so a split that costs more than it balances loses on its own numbers.
 */
function finestNeededSplit(groups: readonly FileGroup[], shardCount: number, guessesFirst: boolean): WorkItem[] {
  const totalUs = sum(groups.map((g) => g.us));
  const first = fileItems(groups, Math.ceil(totalUs / shardCount));
  if (shardCount === 1 || !groups.some((g) => g.splittable)) return first;
  let best = first;
  let bestSpan = lptMakespan(first, shardCount, guessesFirst);
  for (const divisor of [2, 4]) {
    let longest = 0;
    for (const i of best) longest = Math.max(longest, i.us);
    const bound = Math.max(Math.ceil(sum(best.map((i) => i.us)) / shardCount), longest);
    if (bestSpan <= bound * 1.01) break;
    const candidate = fileItems(groups, Math.ceil(totalUs / (shardCount * divisor)));
    const span = lptMakespan(candidate, shardCount, guessesFirst);
    if (span < bestSpan) {
      best = candidate;
      bestSpan = span;
    }
  }
  return best;
}

function lptMakespan(items: readonly WorkItem[], shardCount: number, guessesFirst: boolean): number {
  const order = guessesFirst ? guessesFirstOrder(items) : lptOrder(items);
  const { loads } = assignLpt(
    order.map((i) => items[i]!.us),
    shardCount,
  );
  let span = 0;
  for (const l of loads) span = Math.max(span, l);
  return span;
}

function scaledUs(model: CostModel, us: number): number {
  return model.testTimeScale === 1 ? us : Math.round(us * model.testTimeScale);
}

/**
 * Estimates in the model's terms: JUnit seconds scaled, plus the per-file cost (with the file's correction). A whole file pays it once; at file
 * granularity the group adds it (fileGroups: the sum of its tests plus the file's set-up), so named tests are only
 * scaled here; at test granularity each test of a file carries an equal share of it (a file whose tests land on
 * several shards is paid on each of them: a slight under-estimate, documented rather than modelled).
 */
function applyCostModel(
  tests: readonly TestId[],
  estimates: readonly Estimate[],
  model: CostModel,
  granularity: Granularity,
  fileExtraUs: (file: string) => number,
): Estimate[] {
  if (model.samples === 0 && model.perFileSeconds === 0 && model.perTestSeconds === 0 && model.testTimeScale === 1)
    return [...estimates];
  const named = new Map<string, number>();
  for (const t of tests) if (t.name !== undefined) named.set(t.file, (named.get(t.file) ?? 0) + 1);
  return estimates.map((e, i) => {
    const id = tests[i]!;
    const scaled = scaledUs(model, e.us);
    if (id.name === undefined) return { ...e, us: scaled + fileExtraUs(id.file) };
    if (granularity === 'file') return { ...e, us: scaled };
    return { ...e, us: scaled + Math.round(fileExtraUs(id.file) / named.get(id.file)!) };
  });
}

function sum(values: readonly number[]): number {
  let t = 0;
  for (const v of values) t += v;
  return t;
}

/**
 * LPT over items given in canonical order: the position in `items` is the canonical rank, so the LPT order is a
 * numeric sort (duration descending, rank ascending) and each shard's list comes out canonical without sorting.
 */
function buildPlan(
  items: readonly WorkItem[],
  shardCount: number,
  granularity: Granularity,
  reason: string,
  counts: { total: number; timed: number },
  runner: string | undefined,
  model: CostModel,
  how: { guessesFirst: boolean; selectors?: ReadonlyMap<string, string>; keys: ReadonlySet<string> },
): Plan {
  const perRunUs = toMicros(model.perRunSeconds);
  const n = items.length;
  const order = how.guessesFirst ? guessesFirstOrder(items) : lptOrder(items);
  const { shardOf: shardOfOrdered, loads } = assignLpt(
    order.map((i) => items[i]!.us),
    shardCount,
  );
  const shardOf = new Int32Array(n);
  for (let k = 0; k < n; k++) shardOf[order[k]!] = shardOfOrdered[k]!;
  const perShard: PlanItem[][] = Array.from({ length: shardCount }, () => []);
  let totalUs = 0;
  let longestUs = 0;
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    perShard[shardOf[i]!]!.push(toPlanItem(item));
    totalUs += item.us;
    longestUs = Math.max(longestUs, item.us);
  }
  let makespanUs = 0;
  for (const l of loads) makespanUs = Math.max(makespanUs, l);
  // Canonical order inside a shard: files stay together and the runner's own ordering applies.
  // A shard with items pays the command's start-up once; an empty shard runs nothing.
  const shards: PlanShard[] = perShard.map((list, s) => ({
    index: s + 1,
    predictedSeconds: sec(list.length ? loads[s]! + perRunUs : 0),
    items: list,
  }));
  const selectors = how.selectors === undefined ? undefined : plannedSelectors(how.selectors, how.keys);
  const body = {
    shardCount,
    granularity,
    ...(runner === undefined ? {} : { runner }),
    shardCountReason: reason,
    tests: { total: counts.total, timed: counts.timed, estimated: counts.total - counts.timed },
    totalSeconds: sec(totalUs),
    longestItemSeconds: sec(longestUs),
    lowerBoundSeconds: sec(n ? perRunUs + Math.max(Math.ceil(totalUs / shardCount), longestUs) : 0),
    predictedMakespanSeconds: sec(n ? makespanUs + perRunUs : 0),
    ...(selectors === undefined ? {} : { selectors }),
    ...(model.samples === 0
      ? {}
      : {
          costModel: {
            perRunSeconds: model.perRunSeconds,
            perFileSeconds: model.perFileSeconds,
            perTestSeconds: model.perTestSeconds,
            testTimeScale: model.testTimeScale,
            samples: model.samples,
          },
        }),
  };
  const id = planHash(body, items, shardOf);
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    id,
    ...body,
    matrix: { shard: shards.map((s) => s.index), shardTotal: [shardCount], planId: [id] },
    shards,
  };
}

/**
 * The plan id: sha256 over the summary, every item's file and test names (canonical order), and the items'
 * durations, flags and shard indices as typed-array bytes (formatting 100,000 floats as text would dominate).
 */
function planHash(body: object, items: readonly WorkItem[], shardOf: Int32Array): string {
  const hash = createHash('sha256').update(JSON.stringify(body));
  const n = items.length;
  const us = new Float64Array(n);
  const flags = new Uint8Array(n);
  let text = '';
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    us[i] = item.us;
    flags[i] = item.estimated ? 1 : 0;
    text += item.tests === undefined ? `${item.file}\n` : `${item.file}\u0000${item.tests.join('\u0000')}\n`;
    if (text.length > 1 << 20) {
      hash.update(text);
      text = '';
    }
  }
  hash.update(text).update(us).update(flags).update(shardOf);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Estimated items first (each group in LPT order), then the timed ones. An estimate is a guess: renamed files
 * estimated at 1 s each took 737 s in all (issue 13), and handed out last, as plain LPT does with small items, they
 * landed on whichever shards were already full and set the makespan. Placed first, they are shared out evenly
 * (by count when their guesses are equal), so each shard carries an equal part of the error, and the timed items,
 * whose sizes are known, then even out the loads around them.
 */
function guessesFirstOrder(items: readonly WorkItem[]): number[] {
  const guessed: number[] = [];
  const timed: number[] = [];
  items.forEach((item, i) => (item.guessed ? guessed : timed).push(i));
  if (guessed.length === 0 || timed.length === 0) return lptOrder(items);
  const sub = (ids: number[]) => lptOrder(ids.map((i) => items[i]!)).map((k) => ids[k]!);
  return [...sub(guessed), ...sub(timed)];
}

/**
 * Item positions in LPT order: duration descending, then canonical rank. When (max duration + 1) × n fits in a
 * double's 53-bit integer range, the pair is packed into one number and sorted by the typed-array sort (no
 * comparator calls); otherwise a comparator sort gives the same order.
 */
function lptOrder(items: readonly WorkItem[]): number[] {
  const n = items.length;
  let maxUs = 0;
  for (const item of items) maxUs = Math.max(maxUs, item.us);
  if ((maxUs + 1) * n < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = (maxUs - items[i]!.us) * n + i;
    packed.sort();
    const order = new Array<number>(n);
    for (let k = 0; k < n; k++) order[k] = packed[k]! % n;
    return order;
  }
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => items[b]!.us - items[a]!.us || a - b);
}

/**
 * Every selector of a planned test, by key in canonical order (not only those of tests planned one by one: a retry
 * of a whole-file item re-runs just its failed tests); undefined when there are none.
 */
function plannedSelectors(
  all: ReadonlyMap<string, string>,
  planned: ReadonlySet<string>,
): Record<string, string> | undefined {
  const keys = [...all.keys()].filter((k) => planned.has(k)).sort();
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = all.get(key)!;
  return out;
}

function toPlanItem(item: WorkItem): PlanItem {
  return item.tests === undefined
    ? { file: item.file, seconds: sec(item.us), estimated: item.estimated }
    : { file: item.file, tests: item.tests, seconds: sec(item.us), estimated: item.estimated };
}

/** The matrix JSON for `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`. */
export function planMatrixJson(plan: Plan): string {
  return JSON.stringify(plan.matrix);
}

/** The test keys (`file` or `file::name`) a 1-based shard runs, in canonical order. */
export function shardTestKeys(plan: Plan, index: number): string[] {
  const shard = plan.shards[index - 1];
  if (!shard) throw new InputError('shard', `shard ${index} does not exist in a plan of ${plan.shardCount} shards`);
  return shard.items.flatMap((item) =>
    item.tests === undefined ? [item.file] : item.tests.map((name) => testKey({ file: item.file, name })),
  );
}
