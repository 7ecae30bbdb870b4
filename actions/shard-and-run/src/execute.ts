/**
 * Runs a list of planned items with the user's command: output streamed through the neutralising runner
 * (@gauntlet/test-runners), JUnit collected after each run, failed tests retried up to N times, and the attempts
 * merged so a test that failed and then passed is flaky, never a plain pass. Used by `run` (one shard) and `queue`
 * (one batch at a time).
 *
 * A run that wrote no JUnit still gets a verdict per planned item from its exit code, and a non-zero exit with no
 * failing test in the JUnit (a crash after the tests, a runner error) becomes a failing "(shard command)" case:
 * a shard never passes on a non-zero exit.
 */
import { glob, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside, neutralize, silentLogger, type Logger } from '@gauntlet/action-kit';
import {
  junitDurations,
  mergeJUnitReports,
  testKey,
  type CommandRunSample,
  type JUnitCase,
  type JUnitReport,
  type JUnitSuite,
  type PlanItem,
} from '@gauntlet/sharding';
import { expandCommand, runCommand, type RunnerAdapter, type CommandRun } from '@gauntlet/test-runners';
import { CommandEnv } from './constants.js';
import type { CommandInput } from './inputs.js';
import { casesOf, caseId, readJUnit } from './junit-read.js';
import { commandArguments } from './plan-io.js';

export const COMMAND_CASE = '(shard command)';
const MAX_JUNIT_BYTES = 64 * 1024 * 1024;

export interface ExecuteOptions {
  readonly items: readonly PlanItem[];
  readonly command: CommandInput;
  readonly runner: RunnerAdapter;
  /** The plan's runner selectors (Plan.selectors), for runners that select tests by id (RSpec). */
  readonly selectors?: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly junitPath?: string;
  readonly retries: number;
  readonly timeoutMs?: number;
  readonly env: Record<string, string>;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly label: string;
  readonly shardIndex: number;
  readonly shardTotal: number;
}

export interface AttemptRecord {
  readonly retry: number;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly junitFiles: number;
  readonly items: number;
  /** The run as a cost-model sample (wall time, files, their JUnit seconds), when its JUnit was read. */
  readonly sample?: CommandRunSample;
}

export interface ExecutionResult {
  /** All attempts merged (flaky marked). */
  readonly report: JUnitReport;
  readonly attempts: readonly AttemptRecord[];
  readonly cancelled: boolean;
  readonly timedOut: boolean;
  /** Wall time of all command runs. */
  readonly durationMs: number;
  readonly failed: boolean;
}

/**
 * A report for a run that wrote no JUnit: one case per planned test (or per file), passed or failed with the
 * command's exit code, and the run's time shared out evenly.
 */
export function syntheticReport(
  items: readonly PlanItem[],
  durationMs: number,
  failureMessage: string | undefined,
  tail: readonly string[] = [],
): JUnitReport {
  const failure =
    failureMessage === undefined ? [] : [{ kind: 'failure' as const, message: failureMessage, text: tail.join('\n') }];
  const perItem = items.length ? durationMs / 1000 / items.length : 0;
  const bySuite = new Map<string, JUnitCase[]>();
  for (const item of items) {
    const names = item.tests ?? [path.basename(item.file)];
    for (const name of names) {
      const list = bySuite.get(item.file) ?? [];
      list.push({
        name,
        file: item.file,
        time: perItem / names.length,
        status: failure.length ? 'failed' : 'passed',
        failures: failure,
        attempts: 1,
      });
      bySuite.set(item.file, list);
    }
  }
  return { suites: [...bySuite].map(([file, cases]) => ({ name: file, file, cases })) };
}

/**
 * The pseudo-test that stands for the command itself: failing when it exited non-zero without a failing test, and,
 * on a retry after such a failure, passing when the retry went well (so the merge marks it flaky, not failed).
 */
export function commandSuite(run: Pick<CommandRun, 'exitCode' | 'signal' | 'tail'> | undefined): JUnitSuite {
  const passed = run === undefined;
  const why =
    run?.exitCode === null ? `was stopped by ${run.signal ?? 'a signal'}` : `exited with code ${String(run?.exitCode)}`;
  const testCase: JUnitCase = passed
    ? { name: COMMAND_CASE, time: 0, status: 'passed', failures: [], attempts: 1 }
    : {
        name: COMMAND_CASE,
        time: 0,
        status: 'error',
        failures: [
          { kind: 'error', message: `the test command ${why} but reported no failing test`, text: run.tail.join('\n') },
        ],
        attempts: 1,
      };
  return { name: COMMAND_CASE, cases: [testCase] };
}

/** JUnit files matching the pattern that were written since `sinceMs` (coarse file-system clocks: 2 s slack). */
export async function collectJUnit(
  cwd: string,
  pattern: string,
  sinceMs: number,
  logger: Logger,
): Promise<{ report: JUnitReport; files: number }> {
  const suites: JUnitSuite[] = [];
  let files = 0;
  const matches: string[] = [];
  for await (const entry of glob(pattern, { cwd })) matches.push(entry);
  for (const rel of matches.sort()) {
    const full = path.resolve(cwd, rel);
    // The test command wrote these files: a JUnit symlinked to /etc/shadow or a token file would be parsed and its
    // text quoted in reports, so only files that really are inside the working directory are read.
    if (!isInside(cwd, full)) {
      logger.warning(
        `JUnit file ${JSON.stringify(neutralize(rel))} is outside the working directory (a symbolic link) and was ignored.`,
      );
      continue;
    }
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs < sinceMs - 2000) continue;
    if (info.size > MAX_JUNIT_BYTES) {
      logger.warning(
        `JUnit file ${JSON.stringify(neutralize(rel))} is larger than ${MAX_JUNIT_BYTES} bytes and was ignored.`,
      );
      continue;
    }
    try {
      const report = readJUnit(await readFile(full, 'utf8'), cwd);
      suites.push(...report.suites);
      files++;
    } catch (error) {
      logger.warning(
        `JUnit file ${JSON.stringify(neutralize(rel))} could not be read (${neutralize((error as Error).message)}).`,
      );
    }
  }
  return { report: { suites }, files };
}

/** The report without the pseudo-test for the command itself (it is no test, and its time is no test's). */
export function withoutCommandCase(report: JUnitReport): JUnitReport {
  return {
    suites: report.suites
      .filter((s) => s.name !== COMMAND_CASE)
      .map((s) => ({ ...s, cases: s.cases.filter((c) => c.name !== COMMAND_CASE) })),
  };
}

/**
 * One command run as a sample for the cost model: its wall time beside the JUnit seconds of its files (the same
 * file-level values the timing store keeps). Only runs whose JUnit was read and that ran to their end count: a run
 * that was stopped says nothing about what its files cost.
 */
export function commandRunSample(
  items: readonly PlanItem[],
  report: JUnitReport,
  durationMs: number,
): CommandRunSample | undefined {
  const fileKeys = [...new Set(items.map((i) => i.file))];
  if (fileKeys.length === 0) return undefined;
  const clean = withoutCommandCase(report);
  let testSeconds = 0;
  for (const seconds of junitDurations(clean, silentLogger).files.values()) testSeconds += seconds;
  let tests = 0;
  for (const suite of clean.suites) tests += suite.cases.length;
  return { wallSeconds: durationMs / 1000, files: fileKeys.length, testSeconds, tests, fileKeys };
}

export function failingCases(report: JUnitReport): { suite: JUnitSuite; testCase: JUnitCase }[] {
  return [...casesOf(report)].filter(({ testCase }) => testCase.status === 'failed' || testCase.status === 'error');
}

/**
 * The items to run again: the tests that failed. A failing case is matched with a planned test by key, or by the end
 * of its name (runners that prefix the class or describe block); a failure in a planned file that matches no planned
 * test retries all of that file's items, and a failure that maps to no planned file (a report without file
 * information, or the command itself failing) retries everything. A test that passed is never run again because
 * another test of its file failed.
 */
export function retryItems(items: readonly PlanItem[], report: JUnitReport): PlanItem[] {
  const failing = failingCases(report);
  if (failing.length === 0) return [];
  const plannedByFile = new Map<string, string[]>();
  for (const item of items) {
    const keys = plannedByFile.get(item.file) ?? [];
    for (const name of item.tests ?? []) keys.push(testKey({ file: item.file, name }));
    plannedByFile.set(item.file, keys);
  }
  const failedKeys = new Set<string>();
  const failedFiles = new Set<string>();
  const wholeFiles = new Set<string>();
  for (const { suite, testCase } of failing) {
    if (testCase.name === COMMAND_CASE && suite.name === COMMAND_CASE) return [...items];
    const id = caseId(testCase, suite);
    const planned = plannedByFile.get(id.file);
    if (!planned) return [...items];
    failedFiles.add(id.file);
    const key = testKey(id);
    const suffix = key.slice(id.file.length);
    const matches = planned.filter((p) => p === key || key.endsWith(p.slice(id.file.length)) || p.endsWith(suffix));
    if (matches.length === 0) wholeFiles.add(id.file);
    for (const m of matches) failedKeys.add(m);
  }
  const out: PlanItem[] = [];
  for (const item of items) {
    if (!failedFiles.has(item.file)) continue;
    if (item.tests === undefined || wholeFiles.has(item.file)) {
      out.push(item);
      continue;
    }
    const tests = item.tests.filter((name) => failedKeys.has(testKey({ file: item.file, name })));
    if (tests.length) out.push({ ...item, tests });
  }
  return out;
}

async function runOnce(
  options: ExecuteOptions,
  items: readonly PlanItem[],
  retry: number,
  commandFailedBefore: boolean,
) {
  const args = commandArguments(items, options.runner, options.selectors);
  const { file, args: argv } = expandCommand([...options.command.words], {
    files: args.files,
    tests: args.tests,
    shardIndex: options.shardIndex,
    shardTotal: options.shardTotal,
  });
  if (options.junitPath !== undefined && !/[*?[\]{}]/.test(options.junitPath)) {
    // Many reporters do not create the directory of their output file.
    await mkdir(path.dirname(path.resolve(options.cwd, options.junitPath)), { recursive: true });
  }
  const startedMs = Date.now();
  const run = await runCommand({
    file,
    args: argv,
    cwd: options.cwd,
    env: { ...process.env, ...options.env, [CommandEnv.retry]: String(retry) },
    logger: options.logger,
    label: options.label,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let report: JUnitReport;
  let junitFiles = 0;
  if (options.junitPath !== undefined) {
    const collected = await collectJUnit(options.cwd, options.junitPath, startedMs, options.logger);
    junitFiles = collected.files;
    report = collected.report;
  } else report = { suites: [] };
  if (options.signal?.aborted) {
    // Cancelled: the tests did not fail, they were stopped. Keep what the runner reported; the shard is marked
    // cancelled by the caller.
    return { run, report, junitFiles, unexplained: false };
  }
  if (junitFiles === 0) {
    if (options.junitPath !== undefined) {
      options.logger.warning(
        `No JUnit report matching ${JSON.stringify(options.junitPath)} was written; each planned item gets the command's exit code as its result.`,
      );
    }
    report = syntheticReport(
      items,
      run.durationMs,
      run.exitCode === 0 ? undefined : `the test command exited with code ${String(run.exitCode)}`,
      run.tail,
    );
  }
  const unexplained = run.exitCode !== 0 && failingCases(report).length === 0;
  if (unexplained) report = { suites: [...report.suites, commandSuite(run)] };
  else if (commandFailedBefore) report = { suites: [...report.suites, commandSuite(undefined)] };
  return { run, report, junitFiles, unexplained };
}

export async function executeItems(options: ExecuteOptions): Promise<ExecutionResult> {
  const reports: JUnitReport[] = [];
  const attempts: AttemptRecord[] = [];
  let items: readonly PlanItem[] = options.items;
  let cancelled = false;
  let timedOut = false;
  let durationMs = 0;
  let commandFailed = false;
  for (let retry = 0; retry <= options.retries && items.length > 0; retry++) {
    if (retry > 0) {
      options.logger.info(
        `Retry ${retry} of ${options.retries}: running ${items.length} item${items.length === 1 ? '' : 's'} with failing tests again.`,
      );
    }
    const { run, report, junitFiles, unexplained } = await runOnce(options, items, retry, commandFailed);
    commandFailed ||= unexplained;
    durationMs += run.durationMs;
    reports.push(report);
    const sample =
      junitFiles > 0 && !run.timedOut && !options.signal?.aborted
        ? commandRunSample(items, report, run.durationMs)
        : undefined;
    attempts.push({
      retry,
      exitCode: run.exitCode,
      durationMs: run.durationMs,
      junitFiles,
      items: items.length,
      ...(sample ? { sample } : {}),
    });
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    if (run.timedOut) {
      timedOut = true;
      break;
    }
    items = retryItems(items, report);
  }
  const report = reports.length <= 1 ? (reports[0] ?? { suites: [] }) : mergeJUnitReports(reports);
  const failed = cancelled || timedOut || failingCases(report).length > 0;
  return { report, attempts, cancelled, timedOut, durationMs, failed };
}
