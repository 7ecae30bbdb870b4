import { UserError } from '@gauntlet/action-kit';
import { formatDuration } from '@gauntlet/action-kit';
import type { EventQuery, SloDefinition, WindowSpec } from './model.js';
import type { ResolvedOptions } from './options.js';
import { promDuration } from './duration.js';
import { renderQueryTemplate, type TemplateVars } from './template.js';
import {
  chooseResolutions,
  resolutionFor,
  resolveWindow,
  scaleBurnTiers,
  type Resolution,
  type ResolvedWindow,
  type ScaledTier,
} from './windows.js';
import { currentPeriod } from './calendar.js';
import type { SloResult } from './result.js';
import { planShared, type SharedPlan } from './shared-selector.js';
import { metricNameOf } from './absent-numerator.js';

/**
 * Turns an SLO into the queries that answer it. Ratio, latency and time-slice SLIs become ONE range query over
 * the objective window: its parts (good/bad and total, or histogram buckets) are rendered with `{{window}}` =
 * step, tagged with a `gauntlet_part` label and joined with `or`, so each point is a per-step increment and
 * every window — objective, burn-rate long and short — is a sum of the last N points, computed client-side.
 * Instant PromQL SLIs are one instant query with `{{window}}` = the objective window.
 */
export const PART_LABEL = 'gauntlet_part';
/** Prometheus refuses a range query of more than 11,000 points. */
export const MAX_RANGE_POINTS = 11_000;

export type PartName = 'good' | 'bad' | 'total' | 'buckets' | 'value' | 'shared';

export interface PlannedPart {
  readonly name: PartName;
  readonly unit: 'count' | 'rate' | 'value';
}

/** One range query at one step. */
export interface PlannedQuery extends Resolution {
  readonly query: string;
}

export interface SeriesPlan {
  readonly kind: 'series';
  readonly slo: SloDefinition;
  readonly window: ResolvedWindow;
  /** One query, or two for long windows (fine recent span first, then the whole window at a coarse step). */
  readonly queries: readonly PlannedQuery[];
  readonly parts: readonly PlannedPart[];
  /** Set when a ratio SLI is answered by one `sum by (labels)` query (label batching, shared-selector.ts). */
  readonly shared?: SharedPlan;
  readonly tiers: readonly ScaledTier[];
  readonly sliKind: SloResult['sliKind'];
  /** Ratio SLIs: the numerator's one metric name, to tell an absent series from a typo (absent-numerator.ts). */
  readonly numeratorMetric?: string;
  /**
   * Event SLIs (ratio, latency; not time slices): the same parts as one instant query with `{{window}}` = the whole
   * window. Prometheus extrapolates increase() over it correctly; summing short per-step increases does not (each
   * step extrapolates on its own, and a step holding one sample of a rare error counts nothing). The objective's
   * value comes from it; the steps remain for coverage, charts and burn rates.
   */
  readonly wholeQuery?: string;
  /** Set once Prometheus showed an absent numerator means zero: why (it goes into the notes). */
  readonly absentReason?: string;
}

export interface InstantPlan {
  readonly kind: 'instant';
  readonly slo: SloDefinition;
  readonly window: ResolvedWindow;
  readonly query: string;
  readonly sliKind: 'promql-instant';
  /**
   * Data coverage, as for every SLI: the same query with `{{window}}` = one step, as a range query over the
   * window; the share of steps with a sample is the coverage. Absent when the window holds fewer than 2 steps.
   */
  readonly coverageQuery?: string;
}

/** A plan that cannot run (window too short): reported as inconclusive without querying. */
export interface SkippedPlan {
  readonly kind: 'skipped';
  readonly slo: SloDefinition;
  readonly window: ResolvedWindow | undefined;
  readonly reason: string;
  readonly sliKind: SloResult['sliKind'];
}

export type SloPlan = SeriesPlan | InstantPlan | SkippedPlan;

/** `28d`, or `calendar 1M` for a calendar-aligned window. */
function ownWindowName(own: WindowSpec): string {
  if (own.kind === 'duration') return formatDuration(own.ms);
  if (own.kind === 'calendar') return `calendar ${own.text}`;
  return 'since-start';
}

export function sliKindOf(slo: SloDefinition): SloResult['sliKind'] {
  const sli = slo.sli;
  if (sli.kind === 'ratio') return 'ratio';
  if (sli.kind === 'latency') return sli.quantile === undefined ? 'latency-fraction' : 'latency-quantile';
  return sli.mode === 'instant' ? 'promql-instant' : 'promql-timeslices';
}

/** Builds the plan; throws UserError for configuration problems (unknown variable, missing start time). */
export function planSlo(slo: SloDefinition, vars: TemplateVars, options: ResolvedOptions): SloPlan {
  const own = slo.objective.window;
  // A spec's window is the objective's window; in a PR gate the environment is younger than it, so only the part
  // since the environment started can hold data. Evaluate that part, and say so in the label.
  const ownStartMs =
    own?.kind === 'duration'
      ? options.nowMs - own.ms
      : own?.kind === 'calendar'
        ? currentPeriod(own, options.nowMs).startMs
        : undefined;
  const clipped =
    !options.windowOverride &&
    ownStartMs !== undefined &&
    options.startedAtMs !== undefined &&
    options.startedAtMs > ownStartMs;
  const spec: WindowSpec = clipped ? { kind: 'since-start' } : (options.windowOverride ?? own ?? options.defaultWindow);
  const slices = slo.objective.timeslices;
  if (slices && slices.sliceMs < options.minStepMs) {
    throw new UserError(
      `SLO '${slo.name}' (${slo.origin}): timeSliceWindow ${promDuration(slices.sliceMs)} is shorter than 4 scrape ` +
        `intervals (${promDuration(options.minStepMs)}): increase() over a slice needs several samples in it`,
    );
  }
  // A time-slice objective is judged on its slices, so the slice is the step.
  const resolvedRaw = resolveWindow(
    spec,
    options.nowMs,
    options.startedAtMs,
    slices?.sliceMs ?? options.stepMs,
    options.minStepMs,
  );
  const sliKind = sliKindOf(slo);
  if ('error' in resolvedRaw) throw new UserError(`SLO '${slo.name}': ${resolvedRaw.error}`);
  const resolved = clipped
    ? { ...resolvedRaw, label: `${resolvedRaw.label} of its ${ownWindowName(own as WindowSpec)} window` }
    : resolvedRaw;
  if (slices && resolved.steps > MAX_RANGE_POINTS) {
    throw new UserError(
      `SLO '${slo.name}' (${slo.origin}): ${resolved.steps} slices of ${promDuration(slices.sliceMs)} in ${resolved.label} ` +
        `exceed the ${MAX_RANGE_POINTS} points of one range query; use a longer timeSliceWindow, a shorter window, ` +
        'or started-at (a PR gate evaluates since the environment started)',
    );
  }
  const render = (template: Parameters<typeof renderQueryTemplate>[0], window: string): string => {
    try {
      return renderQueryTemplate(template, vars, window);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`SLO '${slo.name}' (${slo.origin}): ${error.message}`);
      throw error;
    }
  };
  const sli = slo.sli;
  if (sli.kind === 'promql' && sli.mode === 'instant') {
    if (resolved.durationMs <= 0)
      return {
        kind: 'skipped',
        slo,
        window: resolved,
        sliKind,
        reason: `window ${resolved.label} is shorter than one step`,
      };
    return {
      kind: 'instant',
      slo,
      window: resolved,
      sliKind: 'promql-instant',
      query: render(sli.query, promDuration(resolved.durationMs)),
      ...(resolved.steps >= 2 ? { coverageQuery: render(sli.query, promDuration(resolved.stepMs)) } : {}),
    };
  }
  if (resolved.steps < 2) {
    return {
      kind: 'skipped',
      slo,
      window: resolved,
      sliKind,
      reason: `window ${resolved.label} holds fewer than 2 steps of ${promDuration(resolved.stepMs)}`,
    };
  }
  let shared: SharedPlan | undefined;
  if (sli.kind === 'ratio' && options.batchByLabel) {
    const side = sli.good ?? sli.bad;
    if (side?.selector && sli.total.selector)
      shared = planShared(render(side.selector, ''), render(sli.total.selector, ''));
  }
  const numeratorSide = sli.kind === 'ratio' ? (sli.good ?? sli.bad) : undefined;
  const numeratorMetric = numeratorSide
    ? metricNameOf(render(numeratorSide.selector ?? numeratorSide.template, promDuration(resolved.stepMs)))
    : undefined;
  const buildQuery = (stepMs: number): string => {
    const step = promDuration(stepMs);
    if (shared) return `sum by (${shared.by.join(', ')}) (increase(${shared.total}[${step}]))`;
    const parts: Array<{ part: PlannedPart; query: string }> = [];
    if (sli.kind === 'ratio') {
      const side = sli.good
        ? { name: 'good' as const, q: sli.good }
        : { name: 'bad' as const, q: sli.bad as EventQuery };
      parts.push({ part: { name: side.name, unit: side.q.unit }, query: render(side.q.template, step) });
      parts.push({ part: { name: 'total', unit: sli.total.unit }, query: render(sli.total.template, step) });
    } else if (sli.kind === 'latency') {
      parts.push({ part: { name: 'buckets', unit: sli.buckets.unit }, query: render(sli.buckets.template, step) });
    } else {
      parts.push({ part: { name: 'value', unit: 'value' }, query: render(sli.query, step) });
    }
    return parts.length === 1
      ? (parts[0] as { query: string }).query
      : parts.map((p) => `label_replace((${p.query}), "${PART_LABEL}", "${p.part.name}", "", "")`).join(' or ');
  };
  const partsOf = (): PlannedPart[] => {
    if (shared) return [{ name: 'shared', unit: 'count' }];
    if (sli.kind === 'ratio')
      return [
        { name: sli.good ? 'good' : 'bad', unit: (sli.good ?? sli.bad)?.unit ?? 'count' },
        { name: 'total', unit: sli.total.unit },
      ];
    if (sli.kind === 'latency') return [{ name: 'buckets', unit: sli.buckets.unit }];
    return [{ name: 'value', unit: 'value' }];
  };
  // Time-slice SLIs are not additive across steps (a coarse step changes what {{window}} means): never split.
  const chosen = chooseResolutions(resolved, options.splitLongWindows && sli.kind !== 'promql' && !slices);
  const { window } = chosen;
  let resolutions = chosen.resolutions;
  const tierSource = slo.objective.burnRate ?? options.burnRate;
  const tiers =
    tierSource === false || (sli.kind === 'promql' && sli.mode === 'instant')
      ? []
      : scaleBurnTiers(
          tierSource,
          window,
          options.minBurnWindowMs ?? 2 * resolutions[0]!.stepMs,
          options.scaleBurnWindows,
          resolutions,
        );
  if (resolutions.length > 1) {
    // The fine query only needs to reach back as far as the longest window computed from it.
    const fine = resolutions[0] as Resolution;
    const longest = Math.max(
      ...tiers.flatMap((t) => [t.longMs, t.shortMs]).filter((ms) => resolutionFor(resolutions, ms) === 0),
    );
    if (Number.isFinite(longest) && longest >= 2 * fine.stepMs) {
      resolutions = [{ ...fine, steps: longest / fine.stepMs, spanMs: longest }, ...resolutions.slice(1)];
    }
  }
  return {
    kind: 'series',
    slo,
    window,
    queries: resolutions.map((r) => ({ ...r, query: buildQuery(r.stepMs) })),
    ...(options.wholeWindow && sli.kind !== 'promql' && !slices ? { wholeQuery: buildQuery(window.durationMs) } : {}),
    parts: partsOf(),
    ...(shared ? { shared } : {}),
    ...(numeratorMetric ? { numeratorMetric } : {}),
    tiers,
    sliKind,
  };
}
