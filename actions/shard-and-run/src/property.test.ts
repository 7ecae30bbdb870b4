/**
 * SH-01, SH-02, SH-03, SH-06 at the action level: discovered tests → plan (serialised and read back as a shard
 * would) → each shard's command line → a fake runner that runs exactly what that command line names → results →
 * merge. The planner's own properties are the sharding package's tests; these check that the action's path from
 * plan to merged report runs every discovered test exactly once, and notices when it did not.
 */
import { silentLogger, seededRandom } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import {
  emptyTimingStore,
  parseTimingStore,
  planShards,
  serializePlan,
  storeFromFlatMap,
  testKey,
  type JUnitCase,
  type JUnitReport,
  type Plan,
  type TestId,
  type TimingStore,
  validatePlan,
} from '@gauntlet/sharding';
import { expandCommand, parseCommandTemplate, RUNNER_NAMES, RUNNERS } from '@gauntlet/test-runners';
import { describe, expect, it } from 'vitest';
import { caseKey, casesOf } from './junit-read.js';
import { mergeResults } from './modes/merge/combine-results.js';
import { commandArguments, itemKeys, shardItems } from './plan-io.js';
import type { ShardResult } from './results.js';
import { buildResult } from './shard-result.js';

const rng = seededRandom;

interface Suite {
  tests: TestId[];
  byFile: Map<string, TestId[]>;
  filters: boolean;
  timings: TimingStore;
}

/** Suites of every shape the plan must survive: empty, one test, fewer tests than shards, ordinary, 10,000 tests. */
function randomSuite(seed: number, shards: number): Suite {
  const r = rng(seed * 7919 + shards);
  const shape = seed % 10;
  const count =
    seed % 200 === 0
      ? 10_000
      : shape === 0
        ? 0
        : shape === 1
          ? 1
          : shape === 2
            ? Math.max(0, Math.floor(r() * shards))
            : 2 + Math.floor(r() ** 2 * 400);
  const filters = r() < 0.5;
  const named = filters || r() < 0.5;
  const files = Math.max(1, Math.ceil(count / (1 + Math.floor(r() * 20))));
  const tests: TestId[] = [];
  const byFile = new Map<string, TestId[]>();
  const durations = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const file = `pkg${i % 7}/f${Math.floor(r() * files)}.test.ts`;
    const id: TestId = named ? { file, name: `case ${i} [${i % 3}]` } : { file };
    if (!named && byFile.has(file)) continue;
    tests.push(id);
    byFile.set(file, [...(byFile.get(file) ?? []), id]);
    if (r() < 0.7) durations.set(testKey(id), Math.round(r() ** 3 * 60_000) / 1000);
  }
  return { tests, byFile, filters, timings: storeFromFlatMap(durations) };
}

/** The fake runner: runs exactly what the command line names, and nothing else. */
function runCommandLine(argv: readonly string[], suite: Suite, filters: boolean): JUnitReport {
  const cases = new Map<string, JUnitCase[]>();
  const add = (id: TestId): void => {
    const list = cases.get(id.file) ?? [];
    list.push({
      name: id.name ?? id.file.split('/').pop()!,
      file: id.file,
      time: 0.01,
      status: 'passed',
      failures: [],
      attempts: 1,
    });
    cases.set(id.file, list);
  };
  for (const arg of argv.slice(2)) {
    const at = filters ? arg.indexOf('::') : -1;
    if (at > 0) {
      const file = arg.slice(0, at);
      const name = arg.slice(at + 2);
      add({ file, name });
    } else for (const id of suite.byFile.get(arg) ?? []) add(id);
  }
  return { suites: [...cases].map(([file, list]) => ({ name: file, file, cases: list })) };
}

function shardResults(plan: Plan, suite: Suite, filters: boolean): ShardResult[] {
  const template = parseCommandTemplate(filters ? 'pytest -q {tests}' : 'npx vitest {files}');
  const runner = RUNNERS[filters ? 'pytest' : 'generic'];
  return plan.shards.map((_, i) => {
    const items = shardItems(plan, i + 1, plan.shardCount);
    const args = commandArguments(items, runner);
    const { file, args: rest } = expandCommand(template, {
      files: args.files,
      tests: args.tests,
      shardIndex: i + 1,
      shardTotal: plan.shardCount,
    });
    const report = items.length ? runCommandLine([file, ...rest], suite, filters) : { suites: [] };
    const result = buildResult({
      planId: plan.id,
      shard: i + 1,
      shardTotal: plan.shardCount,
      attempt: 1,
      source: 'run',
      status: 'completed',
      exitCode: 0,
      startedMs: 1_000,
      finishedMs: 2_000 + i,
      durationSeconds: 1,
      tests: itemKeys(items),
      report,
    });
    return { ...result, origin: `shard ${i + 1}` };
  });
}

/** A plan as a shard reads it: serialised by the plan job, parsed and validated by the shard. */
function planFor(suite: Suite, shards: number, timings: TimingStore = suite.timings): Plan {
  const plan = planShards({ tests: suite.tests, shards, timings, runnerFiltersTests: suite.filters });
  return validatePlan(JSON.parse(serializePlan(plan)), { runners: RUNNER_NAMES });
}

function expectEveryTestOnce(suite: Suite, results: readonly ShardResult[], plan: Plan): void {
  const outcome = mergeResults(results, { plan, logger: silentLogger });
  const seen = new Map<string, number>();
  for (const { suite: s, testCase } of casesOf(outcome.report))
    seen.set(caseKey(testCase, s), (seen.get(caseKey(testCase, s)) ?? 0) + 1);
  const expected = suite.tests.map((t) =>
    t.name === undefined ? `${t.file}::${t.file.split('/').pop()!}` : testKey(t),
  );
  expect(seen.size).toBe(expected.length);
  // One assertion per suite, not one per test: 1,000 seeds of up to 10,000 tests each stay cheap under load.
  expect(expected.filter((key) => seen.get(key) !== 1)).toEqual([]);
  expect(outcome.conclusion).toBe('success');
  expect(outcome.missing).toEqual([]);
  expect(outcome.duplicateTests).toEqual([]);
}

const SHARD_COUNTS = [1, 2, 3, 7, 64];
const SEEDS = 1_000;

describe('SH-01: plan → run each shard → merge runs every test exactly once', () => {
  for (const shards of SHARD_COUNTS) {
    it(`${SEEDS} seeds × ${shards} shard${shards === 1 ? '' : 's'}`, () => {
      let testsChecked = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const suite = randomSuite(seed, shards);
        const plan = planFor(suite, shards);
        expect(plan.shardCount).toBe(shards);
        // Pairwise disjoint and complete at the level of planned keys, too.
        const keys = plan.shards.flatMap((_, i) => itemKeys(shardItems(plan, i + 1, shards)));
        expect(new Set(keys).size).toBe(keys.length);
        expectEveryTestOnce(suite, shardResults(plan, suite, suite.filters), plan);
        testsChecked += suite.tests.length;
      }
      expect(testsChecked).toBeGreaterThan(0);
    });
  }
});

describe('SH-06: missing, cancelled and duplicated shards are detected', () => {
  it('over 1,000 seeds: a dropped shard is missing (never a pass), a cancelled one fails, a duplicate is de-duplicated', () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const shards = SHARD_COUNTS[seed % SHARD_COUNTS.length]!;
      const suite = randomSuite(seed, shards);
      const plan = planFor(suite, shards);
      const results = shardResults(plan, suite, suite.filters);
      const r = rng(seed);
      const victim = 1 + Math.floor(r() * shards);
      const planned = itemKeys(shardItems(plan, victim, shards)).length;

      const dropped = mergeResults(
        results.filter((x) => x.meta.shard !== victim),
        { plan, logger: silentLogger },
      );
      expect(dropped.conclusion).toBe('failure');
      expect(dropped.missing).toEqual([victim]);
      expect(dropped.notRun).toBe(planned);

      const cancelled = mergeResults(
        results.map((x) =>
          x.meta.shard === victim
            ? { ...x, meta: { ...x.meta, status: 'cancelled' as const }, junit: { suites: [] } }
            : x,
        ),
        { plan, logger: silentLogger },
      );
      expect(cancelled.conclusion).toBe('failure');
      expect(cancelled.cancelled).toEqual([victim]);

      // The same (shard, attempt) twice: an older copy with a failure, a newer clean copy. The newer one wins.
      const original = results.find((x) => x.meta.shard === victim)!;
      const stale: ShardResult = {
        ...original,
        meta: { ...original.meta, finishedAt: new Date(0).toISOString() },
        junit: {
          suites: [
            {
              name: 'x',
              cases: [{ name: 'ghost', file: 'ghost.ts', time: 1, status: 'failed', failures: [], attempts: 1 }],
            },
          ],
        },
        origin: 'stale copy',
      };
      const logger = new RecordingLogger();
      const deduped = mergeResults([stale, ...results], { plan, logger });
      expect(deduped.duplicates).toEqual([{ shard: victim, attempt: 1, copies: 2 }]);
      expect(deduped.conclusion).toBe('success');
      expectEveryTestOnce(suite, [stale, ...results], plan);
    }
  });

  it('ignores results of another plan or shard total instead of counting them', () => {
    const suite = randomSuite(3, 3);
    const plan = planFor(suite, 3);
    const results = shardResults(plan, suite, suite.filters);
    const foreign = { ...results[0]!, meta: { ...results[0]!.meta, planId: '0123456789abcdef' }, origin: 'foreign' };
    const outcome = mergeResults([foreign, ...results.slice(1)], { plan, logger: silentLogger });
    expect(outcome.ignored).toBe(1);
    expect(outcome.missing).toEqual([1]);
  });
});

describe('SH-02: the assignment does not depend on the runner machine', () => {
  it('is byte-identical under shuffled discovery order, backslash paths and ./ prefixes', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const shards = SHARD_COUNTS[seed % SHARD_COUNTS.length]!;
      const suite = randomSuite(seed, shards);
      const r = rng(seed + 99);
      const shuffled = [...suite.tests].sort(() => r() - 0.5);
      const windows = shuffled.map((t) => ({ ...t, file: t.file.replace(/\//g, '\\') }));
      const dotted = suite.tests.map((t) => ({ ...t, file: `./${t.file}` }));
      const texts = [suite.tests, windows, dotted].map((tests) =>
        serializePlan(planShards({ tests, shards, timings: suite.timings, runnerFiltersTests: suite.filters })),
      );
      expect(texts[1]).toBe(texts[0]);
      expect(texts[2]).toBe(texts[0]);
    }
  });
});

describe('SH-03: poisoned, corrupt or missing timings still run every test exactly once', () => {
  const poisons: [string, (suite: Suite) => TimingStore][] = [
    ['missing', () => emptyTimingStore()],
    ['corrupt JSON', () => parseTimingStore('{"format": "gauntlet-timings", "tests": {', silentLogger)],
    ['not JSON at all', () => parseTimingStore('\u0000\u0001 binary', silentLogger)],
    [
      'negative, NaN, Infinity and absurd values',
      (s) =>
        parseTimingStore(
          `{${s.tests.map((t, i) => `${JSON.stringify(testKey(t))}: ${['-5', 'NaN', 'Infinity', '1e12', '"x"', '3'][i % 6]}`).join(',')}}`,
          silentLogger,
        ),
    ],
    ['only unknown tests', () => storeFromFlatMap(new Map([['gone/old.test.ts::x', 12]]))],
    [
      'poisoned to pile everything on one shard (all free but one)',
      (s) => storeFromFlatMap(new Map(s.tests.map((t, i) => [testKey(t), i === 0 ? 21_599 : 0]))),
    ],
    ['an oversized file', () => parseTimingStore('x'.repeat(1024), silentLogger, { limits: { maxBytes: 512 } })],
  ];
  for (const [name, poison] of poisons) {
    it(name, () => {
      for (let seed = 1; seed <= 200; seed++) {
        const shards = SHARD_COUNTS[seed % SHARD_COUNTS.length]!;
        const suite = randomSuite(seed, shards);
        if (seed % 200 === 0) continue; // the 10,000-test suites are covered by SH-01
        const plan = planFor(suite, shards, poison(suite));
        expectEveryTestOnce(suite, shardResults(plan, suite, suite.filters), plan);
      }
    });
  }

  it('warns about dropped entries instead of failing', () => {
    const logger = new RecordingLogger();
    parseTimingStore('{"a.test.ts": -1, "b.test.ts": "NaN", "c.test.ts": 1e9}', logger);
    expect(logger.messages('warning').join('\n')).toMatch(/negative duration[\s\S]*above the cap/);
  });
});
