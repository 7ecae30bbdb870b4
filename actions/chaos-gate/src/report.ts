/**
 * chaos-gate's report: the check run "Chaos", the action's section of the sticky PR comment and the job summary
 * (one document, the runtime publishes it), the JUnit file (one test case per experiment) and the JSON journal.
 * Experiment names, reasons and details come from user files, the cluster and Prometheus, so they go through the
 * document's escaping cells and Mermaid's label encoder, never raw Markdown.
 */
import path from 'node:path';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { ROUNDING_RULE, policyTable, type ExperimentResult, type Selection } from '@gauntlet/chaos';
import { MarkdownDoc, ganttChart, type Cell, type CheckRunInput, type GanttTask } from '@gauntlet/github';
import { writeJUnitXml, type JUnitCase } from '@gauntlet/sharding';
import type { RunInputs } from './inputs.js';
import { VERDICT_ICON, type RunSummary } from './verdict.js';

function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

export function headline(summary: RunSummary): string {
  const counts = new Map<string, number>();
  for (const r of summary.results) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  const parts = [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
  return `${summary.dryRun ? 'Dry run: ' : ''}${summary.results.length} experiment${summary.results.length === 1 ? '' : 's'}: ${parts || 'none'}; verdict ${summary.verdict.toUpperCase()}`;
}

/** The worst state the guard saw while the faults were in effect, with its reason. */
function during(result: ExperimentResult): string {
  const rank = { steady: 0, degraded: 1, unknown: 2, breached: 3 } as const;
  const worst = result.trajectory.reduce<ExperimentResult['trajectory'][number] | undefined>(
    (a, b) => (!a || rank[b.state] > rank[a.state] ? b : a),
    undefined,
  );
  return worst ? `${worst.state}: ${worst.reason}` : '—';
}

function targetsOf(result: ExperimentResult): string {
  const parts: string[] = [];
  for (const e of result.entries) {
    const what = [
      ...e.deletedPods.map((p) => `pod ${p.name}`),
      ...e.scaled.map((s) => `${s.kind} ${s.name} ${s.replicasBefore}→${s.replicasDuring}`),
      ...e.created.map((c) => `${c.kind} ${c.name}`),
    ];
    const why = e.target
      ? `target '${e.target.name}' (${e.target.kind}${
          e.target.selector
            ? ` ${Object.entries(e.target.selector)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')}`
            : ''
        })`
      : e.type;
    parts.push(`${e.faultId} ${e.type} in ${e.namespace}: ${what.join(', ') || 'nothing'}; picked as ${why}`);
  }
  return parts.join('; ') || '—';
}

/** A Mermaid timeline: per experiment, the steady-state check, each fault's time in effect, recovery, and halts. */
export function timeline(summary: RunSummary): string {
  const origin = summary.startedAtMs;
  const sections = summary.results
    .filter((r) => r.journal.length > 0)
    .map((r) => {
      const tasks: GanttTask[] = [];
      const at = (event: string): number[] => r.journal.filter((j) => j.event === event).map((j) => j.atMs - origin);
      const first = r.journal[0]!.atMs - origin;
      const injected = at('injected');
      const reverted = [...at('reverted'), ...at('revert incomplete'), ...at('revert failed')];
      const end = r.journal.at(-1)!.atMs - origin;
      if (injected.length) {
        tasks.push({ label: 'steady state before', startMs: first, endMs: injected[0]!, status: 'done' });
        const outAt = reverted.length ? Math.max(...reverted) : end;
        tasks.push({
          label: `faults in effect (${r.entries.length})`,
          startMs: injected[0]!,
          endMs: outAt,
          status: 'active',
        });
        const recovered = at('recovered')[0] ?? at('not recovered')[0];
        if (recovered !== undefined)
          tasks.push({ label: 'recovery', startMs: outAt, endMs: recovered, status: 'done' });
      }
      for (const step of r.trajectory) {
        if (step.decision !== 'continue')
          tasks.push({
            label: `${step.decision}: ${step.state}`,
            startMs: step.atMs - origin,
            endMs: step.atMs - origin + 1,
            status: 'crit',
          });
      }
      for (const halt of [...at('halt'), ...at('cancelled')])
        tasks.push({ label: 'halt', startMs: halt, endMs: halt + 1, status: 'crit' });
      return { name: `${VERDICT_ICON[r.verdict]} ${r.name}`, tasks };
    })
    .filter((s) => s.tasks.length > 0);
  return sections.length ? ganttChart('Chaos experiments', sections) : '';
}

/** auto-targets: the picks and the best of the rest, each with its score, parts and reasons (or why not). */
function selectionSection(doc: MarkdownDoc, selection: Selection, rows: number): void {
  const w = selection.weights;
  doc.heading(4, 'Why these targets');
  doc.text(
    `Score = ${w.criticality} × criticality + ${w.traffic} × traffic + ${w.staleness} × staleness + ${w.failure} × failure (Thompson draw, seed ${selection.seed}).`,
  );
  doc.table(
    [
      { header: 'Target and fault', maxChars: 120 },
      { header: 'Picked' },
      { header: 'Score' },
      { header: 'Parts (c / t / s / f)' },
      { header: 'Reasons', maxChars: 600 },
    ],
    selection.ranked
      .slice(0, rows)
      .map((p): Cell[] => [
        `${p.target.name} ${p.fault}`,
        p.picked ? 'yes' : `no: ${p.whyNot ?? ''}`,
        p.score.toFixed(3),
        `${p.parts.criticality} / ${p.parts.traffic} / ${p.parts.staleness} / ${p.parts.failure}`,
        p.reasons.join('; '),
      ]),
  );
}

export function reportDocument(summary: RunSummary, options: { forSummary?: boolean } = {}): MarkdownDoc {
  const doc = new MarkdownDoc();
  const reasonChars = options.forSummary ? 1_000 : 300;
  doc.text(`${VERDICT_ICON[summary.verdict]} ${headline(summary)}`);
  if (summary.dryRun) doc.text('Dry run: every write was a server-side dry run; nothing was changed in the cluster.');
  doc.table(
    [
      { header: 'Experiment', maxChars: 80 },
      { header: 'Verdict' },
      { header: 'Reason', maxChars: reasonChars },
      { header: 'Time to recovery' },
    ],
    summary.results.map((r): Cell[] => [
      r.name,
      { markdown: `${VERDICT_ICON[r.verdict]} ${r.verdict}` },
      r.reason,
      seconds(r.timeToRecoveryMs),
    ]),
  );
  doc.heading(4, 'Steady state');
  doc.table(
    [
      { header: 'Experiment', maxChars: 80 },
      { header: 'Before', maxChars: reasonChars },
      { header: 'During (worst)', maxChars: reasonChars },
      { header: 'After', maxChars: reasonChars },
    ],
    summary.results.map((r): Cell[] => [
      r.name,
      r.before ? `${r.before.state}: ${r.before.reason}` : '—',
      during(r),
      r.after ? `${r.after.state}: ${r.after.reason}` : '—',
    ]),
  );
  doc.heading(4, 'Targets');
  doc.table(
    [
      { header: 'Experiment', maxChars: 80 },
      { header: 'Faults, targets and why', maxChars: options.forSummary ? 2_000 : 600 },
    ],
    summary.results.map((r): Cell[] => [r.name, targetsOf(r)]),
  );
  if (summary.selection) selectionSection(doc, summary.selection, options.forSummary ? 50 : 10);
  doc.text(`Blast radius: ${ROUNDING_RULE}. Allowed namespaces: ${summary.namespaces.join(', ')}.`);
  const chart = timeline(summary);
  if (chart) doc.markdown(`<details><summary>Timeline</summary>\n\n${chart}\n\n</details>`);
  doc.markdown(`<details><summary>Decision policy and trajectories</summary>\n\n`);
  doc.table(
    [{ header: 'Observed' }, { header: 'First time' }, { header: 'Repeated' }],
    policyTable().map((row): Cell[] => [row.state, row.first, row.repeated]),
  );
  doc.table(
    [
      { header: 'Experiment', maxChars: 80 },
      { header: 'Trajectory (state → decision, per interval)', maxChars: options.forSummary ? 2_000 : 500 },
    ],
    summary.results.map((r): Cell[] => [
      r.name,
      r.trajectory.map((s) => `${s.state}×${s.streak}→${s.decision}`).join(', ') || '—',
    ]),
  );
  doc.markdown('</details>');
  return doc;
}

export function checkRunFor(summary: RunSummary, name: string): CheckRunInput {
  return {
    name,
    conclusion: summary.dryRun ? 'neutral' : summary.verdict === 'pass' ? 'success' : 'failure',
    title: headline(summary),
    summary: reportDocument(summary),
  };
}

export async function publishRunReport(summary: RunSummary, inputs: RunInputs, rt: ActionRuntime): Promise<void> {
  const published = await rt.report({
    title: 'Chaos',
    markdown: reportDocument(summary),
    summaryMarkdown: reportDocument(summary, { forSummary: true }),
    checkRun: checkRunFor(summary, inputs.checkName),
    post: inputs.report,
  });
  rt.logger.debug(
    `report: comment ${published.comment.status}, check run ${published.checkRun.status}, summary ${published.summary.status}`,
  );
}

/** One JUnit test case per experiment; anything but pass is a failure whose type is the verdict. */
export function junitXml(summary: RunSummary): string {
  const cases: JUnitCase[] = summary.results.map((r) => {
    const spec = summary.experiments.find((e) => e.name === r.name);
    const times = r.journal.map((j) => j.atMs);
    const time = times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
    return {
      name: r.name,
      classname: 'chaos-gate',
      ...(spec ? { file: spec.origin } : {}),
      time,
      status: r.verdict === 'pass' ? 'passed' : 'failed',
      failures: r.verdict === 'pass' ? [] : [{ kind: 'failure', type: r.verdict, message: r.reason }],
      systemOut: r.journal.map((j) => `${new Date(j.atMs).toISOString()} ${j.event}: ${j.detail}`).join('\n'),
      attempts: 1,
    };
  });
  return writeJUnitXml({ name: 'chaos-gate', suites: [{ name: 'chaos-gate', cases }] });
}

/** The journal: every step of every experiment with timestamps, the ledger entries and the trajectories. */
export function journalJson(summary: RunSummary): string {
  return `${JSON.stringify(
    {
      runId: summary.runId,
      startedAt: new Date(summary.startedAtMs).toISOString(),
      finishedAt: new Date(summary.finishedAtMs).toISOString(),
      dryRun: summary.dryRun,
      namespaces: summary.namespaces,
      verdict: summary.verdict,
      ...(summary.selection ? { selection: summary.selection } : {}),
      experiments: summary.results.map((r) => ({
        name: r.name,
        verdict: r.verdict,
        reason: r.reason,
        timeToRecoveryMs: r.timeToRecoveryMs,
        before: r.before,
        after: r.after,
        trajectory: r.trajectory.map((s) => ({ ...s, at: new Date(s.atMs).toISOString() })),
        faults: r.entries,
        journal: r.journal.map((j) => ({ at: new Date(j.atMs).toISOString(), event: j.event, detail: j.detail })),
      })),
    },
    null,
    2,
  )}\n`;
}

export async function writeArtifacts(
  summary: RunSummary,
  inputs: Pick<RunInputs, 'journalPath' | 'junitPath'>,
  workspace: string,
  write: (root: string, file: string, data: string) => Promise<void>,
): Promise<{ journal: string; junit: string }> {
  await write(workspace, inputs.journalPath, journalJson(summary));
  await write(workspace, inputs.junitPath, junitXml(summary));
  return { journal: path.relative(workspace, inputs.journalPath), junit: path.relative(workspace, inputs.junitPath) };
}
