/**
 * Property tests of the static planner (reliability plan SH-01, SH-02, SH-03): 1,000 seeds × shard counts
 * {1, 2, 3, 7, 64}. Suites: 0 tests, 1 test, fewer tests than shards, 10,000 tests, or 2–1,000 tests (by seed),
 * with names that trip locale-aware sorting; timings none, valid, partial, poisoned (one file at 21,000 s per test),
 * corrupt entries (NaN, Infinity, negative, strings, absurd), garbage files or extra unknown tests. The seed is in
 * every test name; rerun one with `-t "seed 123 "`. No test asserts anything about wall-clock time.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializePlan } from './plan-format.js';
import { planShards, type Plan } from './plan.js';
import { parseTestKey, testKey } from './test-id.js';
import { loadSuiteTimings, randomSuite, type RandomSuite } from './test-helpers.js';
import { windowsView } from './plan-env.fixture.js';

const SEEDS = 1000;
const SHARD_COUNTS = [1, 2, 3, 7, 64];
const cases = Array.from({ length: SEEDS }, (_, seed) => SHARD_COUNTS.map((m) => [seed, m] as const)).flat();

function plan(suite: RandomSuite, tests: readonly string[], m: number): Plan {
  const timings = loadSuiteTimings(suite);
  return planShards({
    tests,
    shards: m,
    runnerFiltersTests: suite.runnerFiltersTests,
    granularity: suite.granularity,
    ...(timings ? { timings } : {}),
  });
}

/**
 * Every discovered test is run by exactly one item of exactly one shard; nothing else is run. Violations are
 * collected and asserted once (an expect per test would dominate the run time).
 */
function expectExactlyOnce(p: Plan, discovered: readonly string[], m: number): void {
  expect(p.shardCount).toBe(m);
  expect(p.shards).toHaveLength(m);
  // What must run: every discovered test, by its normalised key, grouped by file (computed independently of the
  // planner's own canonicalisation).
  const canonical = new Set<string>();
  const byFile = new Map<string, string[]>();
  for (const raw of discovered) {
    const id = parseTestKey(raw);
    const key = testKey(id);
    if (canonical.has(key)) continue;
    canonical.add(key);
    const list = byFile.get(id.file);
    if (list) list.push(key);
    else byFile.set(id.file, [key]);
  }
  const runs = new Map<string, number>();
  const problems: string[] = [];
  for (const shard of p.shards) {
    for (const item of shard.items) {
      // A whole-file item runs every discovered test of the file; a named item runs exactly its tests.
      const covered =
        item.tests === undefined
          ? (byFile.get(item.file) ?? [])
          : item.tests.map((name) => testKey({ file: item.file, name }));
      if (covered.length === 0) problems.push(`shard ${shard.index}: item ${item.file} runs nothing discovered`);
      for (const key of covered) {
        if (!canonical.has(key)) problems.push(`shard ${shard.index}: ${key} was not discovered`);
        runs.set(key, (runs.get(key) ?? 0) + 1);
      }
    }
  }
  for (const key of canonical) {
    const n = runs.get(key) ?? 0;
    if (n !== 1) problems.push(`${key} runs ${n} times`);
  }
  expect(problems).toEqual([]);
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Runner A's plan hashes (the partition cases compute them; the determinism cases compare against them). */
const planA = new Map<string, string>();

// Runner C: another process with a Turkish locale (LC_ALL/LANG, where I/ı/i/İ collate differently), another TZ,
// and its own shuffled, Windows-style view of each suite. Started first so it plans on the other core while this
// process runs the partition cases.
let runnerC: Promise<{ locale: string; hashes: Record<string, string> }>;
beforeAll(() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const repoRoot = resolve(here, '..', '..', '..');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(here, 'plan-env.fixture.ts'), String(SEEDS), SHARD_COUNTS.join(',')],
    {
      cwd: repoRoot,
      env: { ...process.env, LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8', TZ: 'Pacific/Chatham' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  runnerC = new Promise((done, fail) =>
    child.on('close', (code) =>
      code === 0
        ? done(JSON.parse(out) as { locale: string; hashes: Record<string, string> })
        : fail(new Error(`runner C failed (${code}): ${err}`)),
    ),
  );
  runnerC.catch(() => {}); // reported by the test that awaits it
});

describe('SH-01/SH-03: shards partition the suite, whatever the timing data', () => {
  it.each(cases)('seed %i × %i shards: union is every test, shards pairwise disjoint', (seed, m) => {
    const suite = randomSuite(seed, m);
    const p = plan(suite, suite.tests, m);
    expectExactlyOnce(p, suite.tests, m);
    planA.set(`${seed}/${m}`, sha256(serializePlan(p)));
  });
});

describe('SH-02: byte-identical plans across three simulated runners', () => {
  let c: { locale: string; hashes: Record<string, string> };
  beforeAll(async () => {
    c = await runnerC;
  }, 900_000);

  it('runner C really ran with a different locale', () => {
    expect(c.locale).toBe('tr-TR');
    expect(Intl.DateTimeFormat().resolvedOptions().locale).not.toBe('tr-TR');
  });

  it.each(cases)(
    'seed %i × %i shards: A (as discovered) = B (shuffled, backslashes, no localeCompare) = C (tr-TR)',
    (seed, m) => {
      const suite = randomSuite(seed, m);
      const a = planA.get(`${seed}/${m}`) ?? sha256(serializePlan(plan(suite, suite.tests, m)));
      // Runner B: shuffled discovery, `.\` prefixes and backslashes, and locale-aware comparison made to throw,
      // which proves the planner never calls it.
      const localeCompare = Object.getOwnPropertyDescriptor(String.prototype, 'localeCompare')!;
      const collator = Intl.Collator;
      Object.defineProperty(String.prototype, 'localeCompare', {
        ...localeCompare,
        value: () => {
          throw new Error('localeCompare must not be used');
        },
      });
      (Intl as { Collator: unknown }).Collator = function () {
        throw new Error('Intl.Collator must not be used');
      };
      let b: string;
      try {
        b = sha256(serializePlan(plan(suite, windowsView(suite.tests, seed), m)));
      } finally {
        Object.defineProperty(String.prototype, 'localeCompare', localeCompare);
        (Intl as { Collator: unknown }).Collator = collator;
      }
      expect(b).toBe(a);
      expect(c.hashes[`${seed}/${m}`]).toBe(a);
    },
  );
});

describe('SH-04: balance with accurate timings', () => {
  // List scheduling guarantees max ≤ total/N + longest item; the plan asks for 1.25 × total/N + longest item.
  // These are the plan's own predicted durations (arithmetic on the inputs), not wall-clock measurements.
  it.each(Array.from({ length: 200 }, (_, i) => i))(
    'generated suite %i: predicted max shard ≤ 1.25 × total/N + longest item',
    (seed) => {
      const m = [2, 3, 4, 7, 16, 64][seed % 6]!;
      const suite = randomSuite(seed * 7 + 3, m);
      const tests = suite.tests.filter((t) => t.includes('::'));
      const timings = new Map(tests.map((t, i) => [t, ((i * 7919) % 1000) / 100 + 0.01] as const));
      const p = planShards({
        tests,
        shards: m,
        runnerFiltersTests: true,
        granularity: 'test',
        timings: { entries: new Map([...timings].map(([k, s]) => [k, { seconds: s, samples: 1, missedRuns: 0 }])) },
      });
      expect(p.predictedMakespanSeconds).toBeLessThanOrEqual(1.25 * (p.totalSeconds / m) + p.longestItemSeconds + 1e-9);
    },
  );
});
