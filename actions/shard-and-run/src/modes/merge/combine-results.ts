/**
 * The merge, as a pure function of the shards' results (and the plan, when given): one JUnit report, and a verdict
 * that never mistakes an absent result for a pass.
 *
 * - Results are de-duplicated by (shard, attempt); of two copies the one that finished last wins.
 * - A shard's attempts are merged in order, so a test that failed in attempt 1 and passed in attempt 2 is flaky,
 *   and an attempt that re-ran only the failures updates just those tests.
 * - A shard whose newest attempt was cancelled or errored, or that sent no result at all, fails the merge and is
 *   named in the report: the plan's tests for it did not (all) run.
 * - Results of another plan or shard total (a stale artifact) are ignored with a warning.
 */
import { neutralize, type Logger } from '@gauntlet/action-kit';
import {
  junitTotals,
  mergeJUnitReports,
  type JUnitCase,
  type JUnitReport,
  type JUnitSuite,
  type JUnitTotals,
  type Plan,
  type PlanItem,
  type TimingPartial,
} from '@gauntlet/sharding';
import { COMMAND_CASE } from '../../execute.js';
import { caseId, casesOf, caseKey } from '../../junit-read.js';
import { itemKeys } from '../../plan-io.js';
import type { ShardResult } from '../../results.js';

export type ShardState = 'passed' | 'failed' | 'cancelled' | 'error' | 'missing';

export interface ShardSummary {
  readonly index: number;
  readonly state: ShardState;
  /** Attempts seen (after de-duplication). */
  readonly attempts: number;
  readonly latestAttempt?: number;
  readonly predictedSeconds?: number;
  /** Wall time of the newest attempt's test command(s). */
  readonly actualSeconds?: number;
  readonly exitCode?: number | null;
  readonly message?: string;
  readonly tests: number;
  readonly failures: number;
}

export interface MergeOutcome {
  readonly report: JUnitReport;
  readonly totals: JUnitTotals;
  readonly shardTotal: number;
  readonly shards: readonly ShardSummary[];
  readonly missing: readonly number[];
  readonly cancelled: readonly number[];
  readonly errored: readonly number[];
  /** (shard, attempt) pairs that arrived more than once. */
  readonly duplicates: readonly { shard: number; attempt: number; copies: number }[];
  /** Results ignored because they belong to another plan or shard total. */
  readonly ignored: number;
  /** Tests reported by more than one shard. */
  readonly duplicateTests: readonly { key: string; shards: readonly number[] }[];
  /** Planned files for which a finished shard reported no test case. */
  readonly unreported: readonly string[];
  /** Planned tests of shards that sent nothing usable. */
  readonly notRun: number;
  /**
   * Each planned test (or whole file) that did not run, with why, when the plan is known. They are written into
   * the merged JUnit as errors, so a report with a missing shard never reads green.
   */
  readonly notRunTests: readonly NotRunTest[];
  readonly partials: readonly TimingPartial[];
  readonly conclusion: 'success' | 'failure';
  /** Why the conclusion is failure, in plain words. */
  readonly reasons: readonly string[];
}

export interface NotRunTest {
  readonly file: string;
  /** Absent for a whole-file item. */
  readonly name?: string;
  readonly shard: number;
  /** Plain text, e.g. "shard 2 sent no result". */
  readonly reason: string;
}

/** The case type of not-run tests in the merged JUnit, so tools can tell them from real errors. */
export const NOT_RUN_TYPE = 'gauntlet.NotRun';

/**
 * Planned items of a shard that no case of `cases` accounts for: a whole file without any case, a test without a
 * case of its key (or one whose name ends the same way, for runners that prefix the class or describe block).
 */
function unaccounted(
  items: readonly PlanItem[],
  cases: readonly { suite: JUnitSuite; testCase: JUnitCase }[],
): { file: string; name?: string }[] {
  const byFile = new Map<string, string[]>();
  for (const { suite, testCase } of cases) {
    const id = caseId(testCase, suite);
    const names = byFile.get(id.file) ?? [];
    if (id.name !== undefined) names.push(id.name);
    byFile.set(id.file, names);
  }
  const out: { file: string; name?: string }[] = [];
  for (const item of items) {
    const reported = byFile.get(item.file);
    if (item.tests === undefined) {
      if (!reported) out.push({ file: item.file });
      continue;
    }
    const exact = new Set(reported ?? []);
    for (const name of item.tests) {
      if (exact.has(name)) continue;
      if (reported?.some((r) => r.endsWith(`::${name}`) || name.endsWith(`::${r}`))) continue;
      out.push({ file: item.file, name });
    }
  }
  return out;
}

/** The not-run tests as JUnit suites (one per file), each case an error that says why. */
export function notRunSuites(tests: readonly NotRunTest[]): JUnitSuite[] {
  const byFile = new Map<string, JUnitCase[]>();
  for (const t of tests) {
    const list = byFile.get(t.file) ?? [];
    list.push({
      name: t.name ?? t.file.slice(t.file.lastIndexOf('/') + 1),
      file: t.file,
      time: 0,
      status: 'error',
      failures: [{ kind: 'error', type: NOT_RUN_TYPE, message: `not run: ${t.reason}` }],
      attempts: 0,
    });
    byFile.set(t.file, list);
  }
  return [...byFile].map(([file, cases]) => ({ name: file, file, cases }));
}

export interface MergeOptions {
  readonly plan?: Plan;
  readonly logger: Logger;
}

function byFinish(a: ShardResult, b: ShardResult): number {
  return Date.parse(a.meta.finishedAt) - Date.parse(b.meta.finishedAt);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function mergeResults(all: readonly ShardResult[], options: MergeOptions): MergeOutcome {
  const { plan, logger } = options;
  const total = plan?.shardCount ?? Math.max(0, ...all.map((r) => r.meta.shardTotal));
  let ignored = 0;
  const usable = all.filter((r) => {
    const otherPlan = plan !== undefined && r.meta.planId !== undefined && r.meta.planId !== plan.id;
    if (r.meta.shardTotal !== total || otherPlan) {
      ignored++;
      logger.warning(
        `Ignored the result in ${JSON.stringify(neutralize(r.origin))}: it belongs to ${otherPlan ? `plan ${r.meta.planId}` : `a plan of ${r.meta.shardTotal} shards`}, not this one.`,
      );
      return false;
    }
    return true;
  });

  // De-duplicate by (shard, attempt): the copy that finished last wins.
  const byAttempt = new Map<string, ShardResult[]>();
  for (const r of usable) {
    const key = `${r.meta.shard}/${r.meta.attempt}`;
    const list = byAttempt.get(key) ?? [];
    list.push(r);
    byAttempt.set(key, list);
  }
  const duplicates: { shard: number; attempt: number; copies: number }[] = [];
  const perShard = new Map<number, ShardResult[]>();
  for (const list of byAttempt.values()) {
    const sorted = [...list].sort(byFinish);
    const latest = sorted[sorted.length - 1]!;
    if (list.length > 1)
      duplicates.push({ shard: latest.meta.shard, attempt: latest.meta.attempt, copies: list.length });
    const shardList = perShard.get(latest.meta.shard) ?? [];
    shardList.push(latest);
    perShard.set(latest.meta.shard, shardList);
  }
  duplicates.sort((a, b) => a.shard - b.shard || a.attempt - b.attempt);
  for (const d of duplicates) {
    logger.warning(
      `Shard ${d.shard} attempt ${d.attempt} arrived ${d.copies} times; the copy that finished last is used.`,
    );
  }

  const suites: JUnitReport['suites'][number][] = [];
  const shards: ShardSummary[] = [];
  const testShards = new Map<string, number[]>();
  const missing: number[] = [];
  const cancelled: number[] = [];
  const errored: number[] = [];
  const unreported: string[] = [];
  let notRun = 0;
  const notRunTests: NotRunTest[] = [];
  const partials: TimingPartial[] = [];

  for (let index = 1; index <= total; index++) {
    const planned = plan?.shards[index - 1];
    const predictedSeconds = planned?.predictedSeconds;
    const plannedTests = planned ? planned.items.reduce((n, i) => n + (i.tests?.length ?? 1), 0) : 0;
    const attempts = (perShard.get(index) ?? []).sort((a, b) => a.meta.attempt - b.meta.attempt);
    if (attempts.length === 0) {
      missing.push(index);
      notRun += plannedTests;
      for (const t of unaccounted(planned?.items ?? [], []))
        notRunTests.push({ ...t, shard: index, reason: `shard ${index} sent no result` });
      shards.push({
        index,
        state: 'missing',
        attempts: 0,
        ...(predictedSeconds === undefined ? {} : { predictedSeconds }),
        tests: 0,
        failures: 0,
      });
      continue;
    }
    const latest = attempts[attempts.length - 1]!;
    const merged = attempts.length === 1 ? latest.junit : mergeJUnitReports(attempts.map((a) => a.junit));
    suites.push(...merged.suites);
    for (const a of attempts) if (a.partial) partials.push(a.partial);

    const cases = [...casesOf(merged)];
    const reportedFiles = new Set<string>();
    for (const { suite, testCase } of cases) {
      if (testCase.name === COMMAND_CASE && suite.name === COMMAND_CASE) continue;
      const key = caseKey(testCase, suite);
      reportedFiles.add(caseId(testCase, suite).file);
      const list = testShards.get(key) ?? [];
      if (!list.includes(index)) list.push(index);
      testShards.set(key, list);
    }
    const totals = junitTotals(cases.map((c) => c.testCase));
    const failures = totals.failures + totals.errors;
    let state: ShardState;
    if (latest.meta.status === 'cancelled') {
      state = 'cancelled';
      cancelled.push(index);
    } else if (latest.meta.status === 'error') {
      state = 'error';
      errored.push(index);
    } else state = failures > 0 ? 'failed' : 'passed';
    if (state === 'cancelled' || state === 'error') {
      const left = unaccounted(planned?.items ?? [], cases);
      notRun += left.length;
      const why =
        state === 'cancelled'
          ? `shard ${index} was cancelled`
          : `shard ${index} ended in error${latest.meta.message ? ` (${latest.meta.message})` : ''}`;
      for (const t of left) notRunTests.push({ ...t, shard: index, reason: why });
    }
    if (planned && state !== 'cancelled' && state !== 'error' && latest.meta.source !== 'queue') {
      const files = [...new Set(planned.items.map((i) => i.file))];
      for (const file of files) if (!reportedFiles.has(file)) unreported.push(file);
    }
    shards.push({
      index,
      state,
      attempts: attempts.length,
      latestAttempt: latest.meta.attempt,
      ...(predictedSeconds === undefined ? {} : { predictedSeconds }),
      actualSeconds: latest.meta.durationSeconds,
      exitCode: latest.meta.exitCode,
      ...(latest.meta.message === undefined ? {} : { message: latest.meta.message }),
      tests: cases.length,
      failures,
    });
  }

  const duplicateTests = [...testShards]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) => ({ key, shards: list.sort((a, b) => a - b) }));
  const report: JUnitReport = { name: 'merged', suites };
  const totals = junitTotals([...casesOf(report)].map((c) => c.testCase));

  const reasons: string[] = [];
  if (total === 0) reasons.push('no shard sent a result');
  // Queue workers share the work: a worker that died is harmless when the others covered every planned test (its
  // batch was re-queued), and fatal when something was left undone.
  const queue = plan !== undefined && usable.length > 0 && usable.every((r) => r.meta.source === 'queue');
  if (queue) {
    // A queue worker's tests are the items it was credited with, whose cases its report carries: a worker cancelled
    // (or killed, its stored batches read back) after completing batches still covers those.
    const covered = new Set(usable.filter((r) => r.meta.status !== 'error').flatMap((r) => r.meta.tests));
    notRunTests.length = 0;
    for (const item of plan.shards.flatMap((sh) => sh.items)) {
      for (const key of itemKeys([item])) {
        if (covered.has(key)) continue;
        const name = key === item.file ? undefined : key.slice(item.file.length + 2);
        notRunTests.push({
          file: item.file,
          ...(name === undefined ? {} : { name }),
          shard: 0,
          reason: 'no queue worker stored a result for it',
        });
      }
    }
    const uncovered = notRunTests.length;
    notRun = uncovered;
    if (uncovered) {
      // Reasons reach Markdown as they are: numbers only. The names go to the log here and to the report's table.
      reasons.push(`${plural(uncovered, 'planned test')} ${uncovered === 1 ? 'was' : 'were'} run by no worker`);
      const names = notRunTests.slice(0, 20).map((t) => (t.name === undefined ? t.file : `${t.file}::${t.name}`));
      const more = uncovered > names.length ? `, and ${uncovered - names.length} more` : '';
      logger.warning(
        `Run by no worker: ${names.map((n) => JSON.stringify(neutralize(n))).join(', ')}${more} (in the merged JUnit as errors).`,
      );
    }
    const idle = [...missing, ...cancelled, ...errored];
    if (idle.length && !uncovered) {
      logger.warning(
        `Queue worker(s) ${idle.sort((a, b) => a - b).join(', ')} did not finish; the other workers ran their share.`,
      );
    }
  } else {
    if (missing.length) reasons.push(`${plural(missing.length, 'shard')} sent no result (${missing.join(', ')})`);
    if (cancelled.length) reasons.push(`${plural(cancelled.length, 'shard')} cancelled (${cancelled.join(', ')})`);
    if (errored.length) reasons.push(`${plural(errored.length, 'shard')} ended in error (${errored.join(', ')})`);
  }
  const failing = totals.failures + totals.errors;
  if (failing) reasons.push(`${plural(failing, 'test')} failed`);
  if (unreported.length) {
    logger.warning(
      `${plural(unreported.length, 'planned file')} had no test case in the JUnit reports (e.g. ${JSON.stringify(neutralize(unreported[0]!))}).`,
    );
  }
  if (duplicateTests.length) {
    logger.warning(
      `${plural(duplicateTests.length, 'test')} ${duplicateTests.length === 1 ? 'was' : 'were'} reported by more than one shard (e.g. ${JSON.stringify(neutralize(duplicateTests[0]!.key))}).`,
    );
  }
  return {
    report,
    totals,
    shardTotal: total,
    shards,
    missing,
    cancelled,
    errored,
    duplicates,
    ignored,
    duplicateTests,
    unreported,
    notRun,
    notRunTests,
    partials,
    conclusion: reasons.length ? 'failure' : 'success',
    reasons,
  };
}
