/**
 * The merged report: the check run "Tests" (with an annotation at each failing test's file and line), this action's
 * section of the sticky PR comment, and the job summary. Test names, messages and paths come from test runs a pull
 * request controls: they only ever reach Markdown through @gauntlet/github's encoders (MarkdownDoc cells, code
 * spans, Mermaid labels) and annotations through its plain-text bounding.
 */
import { formatDuration } from '@gauntlet/action-kit';
import { ganttChart, MarkdownDoc, type Annotation, type CheckConclusion, type GanttSection } from '@gauntlet/github';
import { describeCostModel, type JUnitCase, type JUnitSuite, type Plan } from '@gauntlet/sharding';
import { COMMAND_CASE } from '../../execute.js';
import { caseId, casesOf } from '../../junit-read.js';
import type { MergeOutcome, ShardState } from './combine-results.js';
import type { TimingUpdate } from '../../timings.js';

export interface ReportInput {
  readonly outcome: MergeOutcome;
  readonly plan?: Plan;
  readonly recommendation?: { readonly count: number; readonly explanation: string };
  readonly timing?: TimingUpdate;
  /** e.g. "Kubernetes Job gauntlet-shards-1a2b… in namespace pr-7". */
  readonly backendNote?: string;
}

export interface BuiltReport {
  readonly title: string;
  readonly conclusion: CheckConclusion;
  /** For the PR comment and the check run (65,000 characters). */
  readonly doc: MarkdownDoc;
  /** For the job summary (1 MB): longer tables. */
  readonly summaryDoc: MarkdownDoc;
  readonly annotations: Annotation[];
}

const STATE_LABEL: Record<ShardState, string> = {
  passed: 'passed',
  failed: 'failed',
  cancelled: 'cancelled',
  error: 'error',
  missing: 'missing: no result',
};

function seconds(s: number | undefined): string {
  return s === undefined ? '–' : formatDuration(s * 1000);
}

/**
 * A case's display name: its test name within the file, with the class or describe block in front when it says
 * something (not the file, and not node:test's generic "test").
 */
export function displayName(testCase: JUnitCase, suite: JUnitSuite): string {
  const name = caseId(testCase, suite).name ?? testCase.name;
  return name.startsWith('test::') && testCase.classname === 'test'
    ? name.slice('test::'.length)
    : name.replace(/::/g, ' › ');
}

/** The first line of a failure message, for tables and annotation titles. */
function firstLine(text: string | undefined): string {
  return (
    (text ?? '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The line of `file` where a failure happened, from a stack trace or message (`file:12:5`, `file:12`,
 * `file", line 12` for Python). 1 when no line of that file is mentioned.
 */
export function failureLine(file: string, ...texts: (string | undefined)[]): number {
  const base = escapeRegExp(file.replace(/^\.\//, ''));
  const patterns = [new RegExp(`${base}:(\\d{1,7})(?::\\d+)?`), new RegExp(`${base}"?,? line (\\d{1,7})`)];
  for (const text of texts) {
    if (!text) continue;
    for (const pattern of patterns) {
      const match = pattern.exec(text);
      if (match) {
        const line = Number(match[1]);
        if (line >= 1) return line;
      }
    }
  }
  return 1;
}

interface Row {
  suite: JUnitSuite;
  testCase: JUnitCase;
  file: string;
  name: string;
}

function rows(outcome: MergeOutcome): Row[] {
  return [...casesOf(outcome.report)].map(({ suite, testCase }) => {
    const command = testCase.name === COMMAND_CASE && suite.name === COMMAND_CASE;
    return {
      suite,
      testCase,
      file: command ? '' : caseId(testCase, suite).file,
      name: command ? COMMAND_CASE : displayName(testCase, suite),
    };
  });
}

function titleOf(outcome: MergeOutcome): string {
  const t = outcome.totals;
  const failed = t.failures + t.errors;
  const passed = t.tests - failed - t.skipped - t.flaky;
  const parts = [`${passed} passed`];
  if (failed) parts.push(`${failed} failed`);
  if (t.flaky) parts.push(`${t.flaky} flaky`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  const broken = outcome.missing.length + outcome.cancelled.length + outcome.errored.length;
  if (broken) parts.push(`${broken} of ${outcome.shardTotal} shards without a complete result`);
  return parts.join(', ');
}

/** Whether a shard's prediction is an estimate: every item of it was planned without a timing of its own. */
function estimatedShard(plan: Plan | undefined, index: number): boolean {
  const items = plan?.shards[index - 1]?.items ?? [];
  return items.length > 0 && items.every((i) => i.estimated);
}

/**
 * One section per shard: the actual bar first, then the prediction, each labelled with its seconds, so a short
 * actual bar beside a long estimate is still read by its label. Predictions made without timings are labelled as
 * estimates, not predictions.
 */
function ganttOf(input: ReportInput): string | undefined {
  const { outcome, plan } = input;
  if (outcome.shardTotal === 0 || outcome.shardTotal > 64) return undefined;
  const sections: GanttSection[] = outcome.shards.map((s) => ({
    name: `Shard ${s.index}`,
    tasks: [
      ...(s.actualSeconds === undefined
        ? [{ label: STATE_LABEL[s.state], startMs: 0, endMs: 1, status: 'crit' as const }]
        : [
            {
              label: `actual ${seconds(s.actualSeconds)} (${s.state})`,
              startMs: 0,
              endMs: s.actualSeconds * 1000,
              ...(s.state === 'passed' ? { status: 'done' as const } : { status: 'crit' as const }),
            },
          ]),
      ...(s.predictedSeconds === undefined
        ? []
        : [
            {
              label: `${estimatedShard(plan, s.index) ? 'estimate' : 'predicted'} ${seconds(s.predictedSeconds)}`,
              startMs: 0,
              endMs: s.predictedSeconds * 1000,
            },
          ]),
    ],
  }));
  if (plan)
    sections.push({
      name: 'Bound',
      tasks: [
        {
          label: `lower bound ${seconds(plan.lowerBoundSeconds)}${plan.tests.timed === 0 ? ' (estimated)' : ''}`,
          startMs: 0,
          endMs: plan.lowerBoundSeconds * 1000,
          status: 'active',
        },
      ],
    });
  const estimated = plan !== undefined && plan.tests.timed === 0;
  return ganttChart(
    estimated ? 'Shards, actual against estimates (no timings)' : 'Shards, actual against predicted',
    sections,
    { maxTasks: 200 },
  );
}

function balanceText(input: ReportInput): string {
  const { outcome, plan, recommendation } = input;
  const actual = outcome.shards.map((s) => s.actualSeconds ?? 0);
  const parts: string[] = [];
  if (plan) {
    parts.push(
      `Lower bound ${seconds(plan.lowerBoundSeconds)}; predicted makespan ${seconds(plan.predictedMakespanSeconds)} on ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'}`,
    );
  }
  if (actual.length) parts.push(`actual makespan ${seconds(Math.max(...actual))}`);
  let text = parts.length ? `${parts.join('; ')}.` : '';
  if (recommendation) text += `${text ? ' ' : ''}**Recommended:** ${recommendation.explanation}`;
  return text;
}

/**
 * What the plan's predictions were made from, how far off they were per shard, and what was learned from it: the
 * cost model calibrated on this run's command runs (cost-model.ts), which the next plan uses when it was saved.
 */
export function calibrationText(input: ReportInput): string {
  const { outcome, plan, timing } = input;
  const parts: string[] = [];
  if (plan) {
    const basis = plan.costModel
      ? `the cost model (${describeCostModel({ ...plan.costModel })})`
      : plan.tests.timed === 0
        ? 'estimates: no timings yet, so shards were balanced by count'
        : 'JUnit times only (no measured runs yet)';
    const errors = outcome.shards
      .filter((s) => s.predictedSeconds !== undefined && s.actualSeconds !== undefined && s.actualSeconds > 0)
      .map((s) => ({ index: s.index, error: (s.predictedSeconds! - s.actualSeconds!) / s.actualSeconds! }))
      .sort((a, b) => Math.abs(a.error) - Math.abs(b.error));
    let off = '';
    if (errors.length) {
      const median = errors[(errors.length - 1) >> 1]!;
      const worst = errors[errors.length - 1]!;
      const pct = (e: number) => `${e >= 0 ? '+' : '−'}${Math.abs(e * 100).toFixed(0)} %`;
      off = `; predicted against actual per shard: median ${pct(median.error)}, worst ${pct(worst.error)} (shard ${worst.index})`;
    }
    parts.push(`Predictions came from ${basis}${off}.`);
  }
  const learned = timing?.costModel;
  if (learned) {
    parts.push(
      learned.kept
        ? `Calibrated with this run: ${describeCostModel(learned.model)}; the next plan uses it.`
        : `This run alone measures ${describeCostModel(learned.model)} (not saved).`,
    );
  }
  return parts.join(' ');
}

function build(input: ReportInput, limits: { failures: number; flaky: number; slowest: number }): MarkdownDoc {
  const { outcome } = input;
  const all = rows(outcome);
  const doc = new MarkdownDoc();
  const t = outcome.totals;
  const failedCount = t.failures + t.errors;
  const passed = t.tests - failedCount - t.skipped - t.flaky;
  doc.markdown(
    outcome.conclusion === 'success'
      ? `**Passed** — ${t.tests} test${t.tests === 1 ? '' : 's'} on ${outcome.shardTotal} shard${outcome.shardTotal === 1 ? '' : 's'}.`
      : `**Failed** — ${outcome.reasons.join('; ')}.`,
  );
  doc.markdown(
    '| Tests | Passed | Failed | Flaky | Skipped | Shards | Test time |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
      `| ${t.tests} | ${passed} | ${failedCount} | ${t.flaky} | ${t.skipped} | ${outcome.shardTotal} | ${seconds(t.time)} |`,
  );
  if (outcome.notRun > 0) {
    const files = outcome.notRunTests.length > 0 && outcome.notRunTests.every((t) => t.name === undefined);
    const noun = files ? 'planned file' : 'planned test';
    doc.markdown(
      `**${outcome.notRun} ${noun}${outcome.notRun === 1 ? '' : 's'} did not run** (written to the merged JUnit as errors with the reason).`,
    );
  }
  if (input.backendNote) doc.text(input.backendNote);

  const problems = outcome.shards.filter((s) => s.state !== 'passed');
  if (problems.length) {
    doc.heading(4, 'Shards needing attention');
    doc.table(
      [
        { header: 'Shard', align: 'right' },
        { header: 'State' },
        { header: 'Attempts', align: 'right' },
        { header: 'Tests', align: 'right' },
        { header: 'Detail', maxChars: 300 },
      ],
      problems.map((s) => [
        { markdown: String(s.index) },
        { markdown: STATE_LABEL[s.state] },
        { markdown: String(s.attempts) },
        { markdown: String(s.tests) },
        s.message ??
          (s.state === 'failed'
            ? `${s.failures} failing`
            : s.exitCode === undefined || s.exitCode === null
              ? ''
              : `exit code ${s.exitCode}`),
      ]),
    );
  }

  const failing = all.filter((r) => r.testCase.status === 'failed' || r.testCase.status === 'error');
  if (failing.length) {
    doc.heading(4, 'Failures');
    doc.table(
      [
        { header: 'Test', maxChars: 200 },
        { header: 'File', maxChars: 160 },
        { header: 'Message', maxChars: 300 },
      ],
      failing
        .slice(0, limits.failures)
        .map((r) => [
          r.name,
          r.file ? { code: r.file } : '',
          firstLine(r.testCase.failures[0]?.message ?? r.testCase.failures[0]?.text),
        ]),
      { total: failing.length },
    );
  }
  if (outcome.notRunTests.length) {
    doc.heading(4, 'Did not run');
    doc.table(
      [
        { header: 'Test', maxChars: 200 },
        { header: 'File', maxChars: 160 },
        { header: 'Why', maxChars: 300 },
      ],
      outcome.notRunTests
        .slice(0, limits.failures)
        .map((t) => [t.name === undefined ? '(whole file)' : t.name.replace(/::/g, ' › '), { code: t.file }, t.reason]),
      { total: outcome.notRunTests.length },
    );
  }
  const flaky = all.filter((r) => r.testCase.status === 'flaky');
  if (flaky.length) {
    doc.heading(4, 'Flaky (failed, then passed on a retry)');
    doc.table(
      [
        { header: 'Test', maxChars: 200 },
        { header: 'File', maxChars: 160 },
        { header: 'Failed attempts', align: 'right' },
      ],
      flaky
        .slice(0, limits.flaky)
        .map((r) => [
          r.name,
          r.file ? { code: r.file } : '',
          { markdown: String(Math.max(1, r.testCase.failures.length)) },
        ]),
      { total: flaky.length },
    );
  }
  const slowest = all
    .filter((r) => r.testCase.status !== 'skipped' && r.name !== COMMAND_CASE)
    .sort((a, b) => b.testCase.time - a.testCase.time)
    .slice(0, limits.slowest);
  if (slowest.length) {
    doc.heading(4, 'Slowest tests');
    doc.table(
      [
        { header: 'Test', maxChars: 200 },
        { header: 'File', maxChars: 160 },
        { header: 'Time', align: 'right' },
      ],
      slowest.map((r) => [r.name, r.file ? { code: r.file } : '', { markdown: seconds(r.testCase.time) }]),
    );
  }

  doc.heading(4, 'Shard balance');
  const balance = balanceText(input);
  if (balance) doc.markdown(balance);
  const calibration = calibrationText(input);
  if (calibration) doc.text(calibration);
  const gantt = ganttOf(input);
  if (gantt) doc.markdown(gantt);
  if (input.timing) {
    const saved =
      input.timing.saved === 'saved'
        ? 'Timings from this run were saved for future plans.'
        : input.timing.saved === 'untrusted'
          ? `Timings from this run were not saved (${input.timing.reason}).`
          : input.timing.saved === 'failed'
            ? 'Timings from this run could not be saved (see the log).'
            : '';
    if (saved) doc.text(saved);
  }
  return doc;
}

export function buildReport(input: ReportInput): BuiltReport {
  const { outcome } = input;
  const annotations: Annotation[] = [];
  for (const r of rows(outcome)) {
    // The check run sends at most max-annotations and counts the rest; past this many, counting is all that is left.
    if (annotations.length >= 100_000) break;
    if (r.testCase.status !== 'failed' && r.testCase.status !== 'error') continue;
    if (!r.file) continue;
    const failure = r.testCase.failures[0];
    annotations.push({
      path: r.file,
      startLine: failureLine(r.file, failure?.text, failure?.message, r.testCase.systemErr),
      level: 'failure',
      title: r.name,
      message: firstLine(failure?.message) || firstLine(failure?.text) || 'failed',
      ...(failure?.text ? { rawDetails: failure.text } : {}),
    });
  }
  return {
    title: titleOf(outcome),
    conclusion: outcome.conclusion === 'success' ? 'success' : 'failure',
    doc: build(input, { failures: 50, flaky: 50, slowest: 10 }),
    summaryDoc: build(input, { failures: 1000, flaky: 1000, slowest: 25 }),
    annotations,
  };
}
