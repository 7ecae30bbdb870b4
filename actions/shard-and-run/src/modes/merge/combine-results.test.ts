import { silentLogger } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import {
  junitTotals,
  parseJUnitXml,
  planShards,
  writeJUnitXml,
  type CaseStatus,
  type JUnitReport,
  type Plan,
} from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import { casesOf } from '../../junit-read.js';
import { mergeResults, NOT_RUN_TYPE, notRunSuites } from './combine-results.js';
import { itemKeys } from '../../plan-io.js';
import type { ResultMeta, ShardResult } from '../../results.js';
import { buildResult } from '../../shard-result.js';

const plan: Plan = planShards({ tests: ['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts'], shards: 2 });

function report(cases: Record<string, CaseStatus>): JUnitReport {
  return {
    suites: Object.entries(cases).map(([key, status]) => {
      const [file, name] = key.split('::') as [string, string];
      return {
        name: file,
        file,
        cases: [
          {
            name,
            file,
            time: 0.5,
            status,
            failures: status === 'failed' ? [{ kind: 'failure' as const, message: 'boom' }] : [],
            attempts: 1,
          },
        ],
      };
    }),
  };
}

function result(
  shard: number,
  attempt: number,
  cases: Record<string, CaseStatus>,
  meta: Partial<ResultMeta> = {},
): ShardResult {
  const built = buildResult({
    planId: plan.id,
    shard,
    shardTotal: 2,
    attempt,
    source: meta.source ?? 'run',
    status: meta.status ?? 'completed',
    exitCode: 0,
    startedMs: 0,
    finishedMs: 1000 * attempt,
    durationSeconds: 1,
    tests: meta.tests ?? itemKeys(plan.shards[shard - 1]!.items),
    report: report(cases),
  });
  return { ...built, origin: `${shard}/${attempt}` };
}

const files = (shard: number) => plan.shards[shard - 1]!.items.map((i) => i.file);

function statuses(outcome: ReturnType<typeof mergeResults>): Record<string, string> {
  return Object.fromEntries(
    [...casesOf(outcome.report)].map(({ testCase }) => [`${testCase.file}::${testCase.name}`, testCase.status]),
  );
}

describe('mergeResults', () => {
  const [f1, f2] = [files(1), files(2)];
  const pass = (fs: string[]): Record<string, CaseStatus> => Object.fromEntries(fs.map((f) => [`${f}::t`, 'passed']));

  it('merges a shard’s attempts: a re-run of only the failures updates them, failed-then-passed is flaky', () => {
    const first = { ...pass(f1), [`${f1[0]}::t`]: 'failed' as CaseStatus };
    const rerun = { [`${f1[0]}::t`]: 'passed' as CaseStatus };
    const outcome = mergeResults([result(1, 1, first), result(1, 2, rerun), result(2, 1, pass(f2))], {
      plan,
      logger: silentLogger,
    });
    expect(outcome.conclusion).toBe('success');
    expect(statuses(outcome)[`${f1[0]}::t`]).toBe('flaky');
    expect(outcome.totals).toMatchObject({ tests: 4, flaky: 1, failures: 0 });
    expect(outcome.shards[0]).toMatchObject({ state: 'passed', attempts: 2, latestAttempt: 2 });
  });

  it('the newest attempt decides a shard’s state: cancelled after a pass is cancelled', () => {
    const outcome = mergeResults(
      [result(1, 1, pass(f1)), result(1, 2, {}, { status: 'cancelled' }), result(2, 1, pass(f2))],
      {
        plan,
        logger: silentLogger,
      },
    );
    expect(outcome.conclusion).toBe('failure');
    expect(outcome.cancelled).toEqual([1]);
    expect(outcome.reasons).toEqual(['1 shard cancelled (1)']);
  });

  it('an errored shard fails the merge with its reason', () => {
    const outcome = mergeResults([result(1, 1, {}, { status: 'error' }), result(2, 1, pass(f2))], {
      plan,
      logger: silentLogger,
    });
    expect(outcome.errored).toEqual([1]);
    expect(outcome.notRun).toBe(f1.length);
  });

  it('no results and no plan is a failure, not an empty pass', () => {
    const outcome = mergeResults([], { logger: silentLogger });
    expect(outcome.conclusion).toBe('failure');
    expect(outcome.reasons).toEqual(['no shard sent a result']);
  });

  it('warns about planned files without any test case and tests reported by two shards', () => {
    const logger = new RecordingLogger();
    const outcome = mergeResults(
      [result(1, 1, { [`${f1[0]}::t`]: 'passed' }), result(2, 1, { ...pass(f2), [`${f1[0]}::t`]: 'passed' })],
      { plan, logger },
    );
    expect(outcome.unreported).toEqual(f1.slice(1));
    expect(outcome.duplicateTests).toEqual([{ key: `${f1[0]}::t`, shards: [1, 2] }]);
    expect(logger.messages('warning').join('\n')).toMatch(/had no test case[\s\S]*more than one shard/);
  });

  it('queue workers: a worker that died is harmless when the others covered every planned test', () => {
    const all = itemKeys(plan.shards.flatMap((s) => s.items));
    const everything = pass([...f1, ...f2]);
    const covered = mergeResults([result(1, 1, everything, { source: 'queue', tests: all })], {
      plan,
      logger: silentLogger,
    });
    expect(covered.missing).toEqual([2]);
    expect(covered.conclusion).toBe('success');
    const partial = mergeResults([result(1, 1, pass(f1), { source: 'queue', tests: all.slice(0, 1) })], {
      plan,
      logger: silentLogger,
    });
    expect(partial.conclusion).toBe('failure');
    expect(partial.reasons[0]).toMatch(/were run by no worker/);
  });
});

describe('tests that did not run', () => {
  const testPlan = planShards({
    tests: ['t/a.py::one', 't/a.py::two', 't/b.py::three', 't/b.py::four', 't/c.py::five', 't/c.py::six'],
    shards: 2,
    runnerFiltersTests: true,
  });
  const keysOf = (shard: number) => itemKeys(testPlan.shards[shard - 1]!.items);
  const run = (shard: number, keys: string[], status: ResultMeta['status'] = 'completed'): ShardResult => ({
    ...buildResult({
      planId: testPlan.id,
      shard,
      shardTotal: 2,
      attempt: 1,
      source: 'run',
      status,
      exitCode: status === 'completed' ? 0 : null,
      startedMs: 0,
      finishedMs: 1000,
      durationSeconds: 1,
      tests: keysOf(shard),
      report: report(Object.fromEntries(keys.map((k) => [k, 'passed']))),
      ...(status === 'cancelled' ? { message: 'the job was cancelled' } : {}),
    }),
    origin: String(shard),
  });

  it('names every planned test of a missing shard, and the untried ones of a cancelled shard, with the reason', () => {
    const missing = mergeResults([run(1, keysOf(1))], { plan: testPlan, logger: silentLogger });
    expect(missing.notRunTests.map((t) => `${t.file}::${t.name}`).sort()).toEqual(keysOf(2).sort());
    expect(new Set(missing.notRunTests.map((t) => t.reason))).toEqual(new Set(['shard 2 sent no result']));
    expect(missing.notRun).toBe(keysOf(2).length);

    const ran = keysOf(2).slice(0, 1);
    const cancelled = mergeResults([run(1, keysOf(1)), run(2, ran, 'cancelled')], {
      plan: testPlan,
      logger: silentLogger,
    });
    expect(cancelled.notRunTests.map((t) => `${t.file}::${t.name}`).sort()).toEqual(keysOf(2).slice(1).sort());
    expect(cancelled.notRunTests[0]!.reason).toBe('shard 2 was cancelled');
  });

  it('goes into the merged JUnit as errors, so its totals never read green', () => {
    const outcome = mergeResults([run(1, keysOf(1))], { plan: testPlan, logger: silentLogger });
    const suites = notRunSuites(outcome.notRunTests);
    const written = parseJUnitXml(writeJUnitXml({ suites: [...outcome.report.suites, ...suites] }));
    const totals = junitTotals(written.suites.flatMap((s) => s.cases));
    expect(totals).toMatchObject({ tests: 6, errors: keysOf(2).length, failures: 0 });
    const errorCase = written.suites.flatMap((s) => s.cases).find((c) => c.status === 'error')!;
    expect(errorCase.failures[0]).toMatchObject({ type: NOT_RUN_TYPE, message: 'not run: shard 2 sent no result' });
  });

  it('names each test no queue worker stored a result for', () => {
    const worker = (shard: number, keys: string[]): ShardResult => ({
      ...run(shard, keys),
      meta: { ...run(shard, keys).meta, source: 'queue', tests: keys },
    });
    const all = [...keysOf(1), ...keysOf(2)];
    const outcome = mergeResults([worker(1, all.slice(0, 3)), worker(2, all.slice(3, 5))], {
      plan: testPlan,
      logger: silentLogger,
    });
    expect(outcome.reasons).toContain('1 planned test was run by no worker');
    expect(outcome.notRunTests.map((t) => `${t.file}::${t.name}`)).toEqual([all[5]]);
  });
});
