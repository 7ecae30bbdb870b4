import { chartData, type SloCheckResult, type SloResult, type Verdict } from '@gauntlet/slo';
import { MarkdownDoc, xyChart, type CheckRunInput, type Cell } from '@gauntlet/github';

/**
 * The slo-check report: one table row per SLO (objective, measured value, budget left, burn rates, verdict, reason)
 * and, per SLO, a chart of the SLI over the window against its objective. SLO names and reasons come from user
 * files and Prometheus, so they go through the document's escaping cells, never raw Markdown.
 */
const ICON: Record<Verdict, string> = { pass: '✅', warn: '⚠️', fail: '❌', inconclusive: '❔' };

export function headline(result: SloCheckResult): string {
  const counts = new Map<Verdict, number>();
  for (const slo of result.slos) counts.set(slo.verdict, (counts.get(slo.verdict) ?? 0) + 1);
  const parts = (['pass', 'warn', 'fail', 'inconclusive'] as const)
    .filter((v) => counts.has(v))
    .map((v) => `${counts.get(v)} ${v}`);
  return `${result.slos.length} SLO${result.slos.length === 1 ? '' : 's'}: ${parts.join(', ')}; gate ${result.gate.toUpperCase()} (score ${result.score.toFixed(0)}/100)`;
}

function formatValue(slo: SloResult, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  switch (slo.objective.unit) {
    case 'ratio':
      return `${(value * 100).toFixed(value > 0.999 || value < 0.001 ? 3 : 2)} %`;
    case 'seconds':
      return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
}

function burnCell(slo: SloResult): string {
  if (slo.burnRates.length === 0) return '—';
  return slo.burnRates
    .map((b) => {
      const rate = b.long.burnRate === null ? '?' : b.long.burnRate.toFixed(1);
      const mark =
        b.status === 'firing' ? (b.severity === 'fail' ? ' ❌' : ' ⚠️') : b.status === 'inconclusive' ? ' ❔' : '';
      return `${rate}× / ${b.factor}×${mark}`;
    })
    .join(', ');
}

function budgetCell(slo: SloResult): string {
  if (!slo.budget) return '—';
  return `${(slo.budget.remaining * 100).toFixed(0)} %`;
}

function chartFor(slo: SloResult): string | undefined {
  const data = chartData(slo, 24);
  const points = data.x
    .map((x, i) => ({ x, y: data.y[i] }))
    .filter((p): p is { x: number; y: number } => typeof p.y === 'number');
  if (points.length < 2) return undefined;
  const labels = points.map((p) => (p.x >= 120 ? `${Math.round(p.x / 60)}m` : `${Math.round(p.x)}s`));
  const series = [{ kind: 'line' as const, values: points.map((p) => p.y) }];
  if (data.objective !== null) series.push({ kind: 'line', values: points.map(() => data.objective as number) });
  return xyChart(
    `${slo.name} (objective line: ${formatValue(slo, data.objective === null ? null : data.unit === 'percent' ? data.objective / 100 : data.objective)})`,
    labels,
    series,
    {
      y: data.unit === 'percent' ? '%' : data.unit === 'seconds' ? 'seconds' : 'value',
      yRange: data.yRange,
    },
  );
}

export function reportDocument(
  result: SloCheckResult,
  options: { forSummary?: boolean; override?: GateOverride } = {},
): MarkdownDoc {
  const doc = new MarkdownDoc();
  doc.text(`${ICON[result.verdict]} ${headline(result)}`);
  if (options.override)
    doc.text(
      `The gate was overridden by the pull request label "${options.override.label}": this result does not fail the step.`,
    );
  doc.text(result.reason);
  const rows: Cell[][] = result.slos.map((slo) => [
    slo.name,
    slo.objective.description,
    { markdown: formatValue(slo, slo.measured) },
    { markdown: budgetCell(slo) },
    { markdown: burnCell(slo) },
    { markdown: `${ICON[slo.verdict]} ${slo.verdict}` },
    slo.reason,
  ]);
  doc.table(
    [
      { header: 'SLO', maxChars: 80 },
      { header: 'Objective', maxChars: 60 },
      { header: 'Measured' },
      { header: 'Budget left' },
      { header: 'Burn rate (long window) / limit' },
      { header: 'Verdict' },
      { header: 'Reason', maxChars: options.forSummary ? 600 : 200 },
    ],
    rows,
  );
  // What the definitions hold that the gate accepted but does not act on, and what the data told us on the way.
  const notes = result.slos.flatMap((slo) => slo.notes.map((note) => `${slo.name}: ${note}`));
  if (notes.length > 0) doc.list(notes.slice(0, 50));
  for (const slo of result.slos) {
    const chart = chartFor(slo);
    if (!chart) continue;
    doc.markdown(
      `<details><summary>${ICON[slo.verdict]} SLI over ${slo.window.label}</summary>\n\n${chart}\n\n</details>`,
    );
  }
  doc.text(
    `${result.stats.queries} Prometheus queries (${result.stats.deduplicated} de-duplicated, ${result.stats.retries} retries) in ${(result.stats.durationMs / 1000).toFixed(1)} s.`,
  );
  return doc;
}

/** A gate that would have failed the step, let through by a pull request label. */
export interface GateOverride {
  readonly label: string;
}

export function checkRunFor(result: SloCheckResult, name: string, override?: GateOverride): CheckRunInput {
  return {
    name,
    conclusion: override
      ? 'neutral'
      : result.gate === 'pass'
        ? 'success'
        : result.gate === 'warn'
          ? 'neutral'
          : 'failure',
    title: override ? `Overridden by a label: ${headline(result)}` : headline(result),
    summary: reportDocument(result, override ? { override } : {}),
  };
}
