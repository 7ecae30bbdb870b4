import { UserError } from '@gauntlet/action-kit';
import type { EventQuery, SloDefinition } from './model.js';
import type { ResolvedOptions } from './options.js';
import { promDuration } from './duration.js';
import { renderQueryTemplate, type TemplateVars } from './template.js';
import { resolveWindow, scaleBurnTiers, type ResolvedWindow, type ScaledTier } from './windows.js';
import type { SloResult } from './result.js';

/**
 * Turns an SLO into the queries that answer it. Ratio, latency and time-slice SLIs become ONE range query over
 * the objective window: its parts (good/bad and total, or histogram buckets) are rendered with `{{window}}` =
 * step, tagged with a `gauntlet_part` label and joined with `or`, so each point is a per-step increment and
 * every window — objective, burn-rate long and short — is a sum of the last N points, computed client-side.
 * Instant PromQL SLIs are one instant query with `{{window}}` = the objective window.
 */
export const PART_LABEL = 'gauntlet_part';

export type PartName = 'good' | 'bad' | 'total' | 'buckets' | 'value';

export interface PlannedPart {
  readonly name: PartName;
  readonly unit: 'count' | 'rate' | 'value';
}

export interface SeriesPlan {
  readonly kind: 'series';
  readonly slo: SloDefinition;
  readonly window: ResolvedWindow;
  readonly query: string;
  readonly parts: readonly PlannedPart[];
  readonly tiers: readonly ScaledTier[];
  readonly sliKind: SloResult['sliKind'];
}

export interface InstantPlan {
  readonly kind: 'instant';
  readonly slo: SloDefinition;
  readonly window: ResolvedWindow;
  readonly query: string;
  readonly sliKind: 'promql-instant';
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

export function sliKindOf(slo: SloDefinition): SloResult['sliKind'] {
  const sli = slo.sli;
  if (sli.kind === 'ratio') return 'ratio';
  if (sli.kind === 'latency') return sli.quantile === undefined ? 'latency-fraction' : 'latency-quantile';
  return sli.mode === 'instant' ? 'promql-instant' : 'promql-timeslices';
}

/** Builds the plan; throws UserError for configuration problems (unknown variable, missing start time). */
export function planSlo(slo: SloDefinition, vars: TemplateVars, options: ResolvedOptions): SloPlan {
  const spec = options.windowOverride ?? slo.objective.window ?? options.defaultWindow;
  const resolved = resolveWindow(spec, options.nowMs, options.startedAtMs, options.stepMs, options.minStepMs);
  const sliKind = sliKindOf(slo);
  if ('error' in resolved) throw new UserError(`SLO '${slo.name}': ${resolved.error}`);
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
  const step = promDuration(resolved.stepMs);
  const parts: Array<{ part: PlannedPart; query: string }> = [];
  if (sli.kind === 'ratio') {
    const side = sli.good ? { name: 'good' as const, q: sli.good } : { name: 'bad' as const, q: sli.bad as EventQuery };
    parts.push({ part: { name: side.name, unit: side.q.unit }, query: render(side.q.template, step) });
    parts.push({ part: { name: 'total', unit: sli.total.unit }, query: render(sli.total.template, step) });
  } else if (sli.kind === 'latency') {
    parts.push({ part: { name: 'buckets', unit: sli.buckets.unit }, query: render(sli.buckets.template, step) });
  } else {
    parts.push({ part: { name: 'value', unit: 'value' }, query: render(sli.query, step) });
  }
  const query =
    parts.length === 1
      ? (parts[0] as { query: string }).query
      : parts.map((p) => `label_replace((${p.query}), "${PART_LABEL}", "${p.part.name}", "", "")`).join(' or ');
  const tierSource = slo.objective.burnRate ?? options.burnRate;
  const tiers =
    tierSource === false || (sli.kind === 'promql' && sli.mode === 'instant')
      ? []
      : scaleBurnTiers(tierSource, resolved, options.minBurnWindowMs ?? 2 * resolved.stepMs, options.scaleBurnWindows);
  return { kind: 'series', slo, window: resolved, query, parts: parts.map((p) => p.part), tiers, sliKind };
}
