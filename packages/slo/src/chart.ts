import type { SeriesPoint, SloResult } from './result.js';

/**
 * Data helpers for charts (the reporting package renders them). Values are in the SLI's own unit; ratios can be
 * shown as percentages with `asPercent`.
 */
export interface ChartData {
  readonly title: string;
  /** Seconds since the window start, one per point. */
  readonly x: readonly number[];
  readonly y: ReadonlyArray<number | null>;
  /** The line the SLI must stay on the good side of (target or threshold), in the same unit as y. */
  readonly objective: number | null;
  readonly unit: 'percent' | 'seconds' | 'value';
  /**
   * The y-axis range: scaled to the objective and the data, so 99.9 % and 100 % do not share one pixel row of a
   * 0–100 axis. Percentages stay within 0–100.
   */
  readonly yRange: { readonly min: number; readonly max: number };
}

/** At most maxPoints points, each the mean of the non-null points it merges. */
export function downsample(series: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (series.length <= maxPoints) return [...series];
  const per = Math.ceil(series.length / maxPoints);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < series.length; i += per) {
    const chunk = series.slice(i, i + per);
    const values = chunk.map((p) => p.value).filter((v): v is number => v !== null);
    out.push({
      t: (chunk[chunk.length - 1] as SeriesPoint).t,
      value: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    });
  }
  return out;
}

export function chartData(result: SloResult, maxPoints = 30): ChartData {
  const points = downsample(result.series, maxPoints);
  const percent = result.objective.unit === 'ratio';
  const scale = (v: number | null): number | null => (v === null ? null : percent ? +(v * 100).toFixed(4) : v);
  const objective =
    result.objective.unit === 'seconds' || result.objective.unit === 'value'
      ? (result.objective.threshold ?? null)
      : (result.objective.target ?? null);
  const y = points.map((p) => scale(p.value));
  const line = scale(objective);
  return {
    yRange: axisRange(
      [...y, line].filter((v): v is number => v !== null && Number.isFinite(v)),
      percent,
    ),
    title: `${result.name}: ${result.objective.description}`,
    x: points.map((p) => Math.round((p.t - result.window.startMs) / 1000)),
    y,
    objective: line,
    unit: percent ? 'percent' : result.objective.unit === 'seconds' ? 'seconds' : 'value',
  };
}

/** The data's span plus a margin (a tenth of the span, at least a hundredth of the largest value's size). */
function axisRange(values: readonly number[], percent: boolean): { min: number; max: number } {
  if (values.length === 0) return { min: 0, max: percent ? 100 : 1 };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max((hi - lo) * 0.1, Math.abs(hi) * 1e-4, 1e-6);
  const min = lo - pad;
  const max = hi + pad;
  return percent ? { min: Math.max(0, min), max: Math.min(100, max) } : { min, max };
}
