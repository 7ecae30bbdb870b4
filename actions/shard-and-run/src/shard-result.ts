/**
 * Turning an execution into the result a shard hands to the merge: metadata, JUnit and the timing partial.
 */
import { silentLogger, type Logger } from '@gauntlet/action-kit';
import {
  junitDurations,
  junitTotals,
  type CommandRunSample,
  type JUnitReport,
  type TimingPartial,
} from '@gauntlet/sharding';
import { withoutCommandCase, type AttemptRecord } from './execute.js';
import { casesOf } from './junit-read.js';
import { RESULT_FORMAT, RESULT_VERSION, type ResultMeta, type ResultStatus, type ShardResult } from './results.js';

/**
 * Seconds per test key and per file key measured in a report, for the timing store. Skipped tests are left out
 * (0 s would make them look free) and so is the pseudo-test for the command itself.
 */
export function observedDurations(report: JUnitReport, logger: Logger = silentLogger): Map<string, number> {
  const { tests, files } = junitDurations(withoutCommandCase(report), logger);
  return new Map([...files, ...tests]);
}

export interface ResultParts {
  readonly planId?: string;
  readonly shard: number;
  readonly shardTotal: number;
  readonly attempt: number;
  readonly source: ResultMeta['source'];
  readonly status: ResultStatus;
  readonly exitCode: number | null;
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly durationSeconds: number;
  readonly tests: readonly string[];
  readonly report: JUnitReport;
  readonly message?: string;
  readonly retries?: number;
  /** Job or pod start to first test, seconds, when known. */
  readonly overheadSeconds?: number;
  /**
   * Whether the report's times are measurements worth keeping (default true). False when they are made up: a run
   * that wrote no JUnit and failed (the time shared out among its tests says nothing about them).
   */
  readonly recordTimings?: boolean;
  /** The command runs, for the cost model (kept only when the times are recorded). */
  readonly runs?: readonly CommandRunSample[];
}

/** The cost-model samples of a list of command attempts. */
export function samplesOf(attempts: readonly AttemptRecord[]): CommandRunSample[] {
  return attempts.flatMap((a) => (a.sample ? [a.sample] : []));
}

export function buildResult(parts: ResultParts): Omit<ShardResult, 'origin'> {
  const meta: ResultMeta = {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    ...(parts.planId === undefined ? {} : { planId: parts.planId }),
    shard: parts.shard,
    shardTotal: parts.shardTotal,
    attempt: parts.attempt,
    source: parts.source,
    status: parts.status,
    exitCode: parts.exitCode,
    startedAt: new Date(parts.startedMs).toISOString(),
    finishedAt: new Date(parts.finishedMs).toISOString(),
    durationSeconds: Math.round(parts.durationSeconds * 1000) / 1000,
    tests: [...parts.tests],
    ...(parts.message === undefined ? {} : { message: parts.message }),
    ...(parts.retries === undefined ? {} : { retries: parts.retries }),
  };
  const durations =
    parts.status === 'completed' && parts.recordTimings !== false
      ? observedDurations(parts.report)
      : new Map<string, number>();
  const partial: TimingPartial | undefined =
    durations.size === 0
      ? undefined
      : {
          ...(parts.planId === undefined ? {} : { planId: parts.planId }),
          shard: parts.shard,
          shardTotal: parts.shardTotal,
          attempt: parts.attempt,
          ...(parts.overheadSeconds === undefined ? {} : { overheadSeconds: parts.overheadSeconds }),
          ...(parts.runs?.length ? { runs: parts.runs } : {}),
          tests: durations,
        };
  return { meta, junit: parts.report, ...(partial ? { partial } : {}) };
}

/** Counts for outputs and logs. */
export function countsOf(report: JUnitReport): {
  tests: number;
  passed: number;
  failed: number;
  flaky: number;
  skipped: number;
} {
  const t = junitTotals([...casesOf(report)].map((c) => c.testCase));
  const failed = t.failures + t.errors;
  return { tests: t.tests, passed: t.tests - failed - t.skipped - t.flaky, failed, flaky: t.flaky, skipped: t.skipped };
}
