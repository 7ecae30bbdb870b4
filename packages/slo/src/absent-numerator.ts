import type { PrometheusClient } from './prometheus/client.js';
import type { QueryOutcome } from './prometheus/types.js';
import { promDuration } from './duration.js';

/**
 * An absent numerator. In a fresh environment the error series often does not exist yet: no 5xx has happened, and
 * a counter with labels has no series until its first increment. That is zero errors, not missing data — but only
 * when we can tell it from a typo. The numerator counts as zero when
 *   (a) its metric family exists with other label values in the window (`code="200"` but no `code="500"`), or
 *   (b) Prometheus knows the metric name from a target's metadata (HELP/TYPE lines with no samples yet);
 * the total must have traffic, as always. An unknown name stays inconclusive: then it is most likely a typo.
 */

const FUNCTION_OR_KEYWORD = /^(by|without|on|ignoring|group_left|group_right|bool|offset|and|or|unless|inf|nan)$/i;

/** The one metric name a query reads, or undefined when it reads none or several. */
export function metricNameOf(query: string): string | undefined {
  const names = new Set<string>();
  for (const m of query.matchAll(/__name__\s*=\s*"([A-Za-z_:][A-Za-z0-9_:]*)"/g)) names.add(m[1] as string);
  // Strings cannot hold names we want (label values), so blank them before looking at the shape.
  const bare = query.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const m of bare.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)\s*(?=[{[]|\)|$)/g)) {
    const name = m[1] as string;
    const after = bare.slice((m.index ?? 0) + m[0].length);
    // A name before `(` is a function; before `)` or the end it is a metric only when it is not a grouping label.
    if (FUNCTION_OR_KEYWORD.test(name)) continue;
    if (!/^[{[]/.test(after) && insideGrouping(bare, m.index ?? 0)) continue;
    names.add(name);
  }
  return names.size === 1 ? [...names][0] : undefined;
}

/** True when position `at` is inside `by (...)` / `without (...)` / `on (...)` / `ignoring (...)`. */
function insideGrouping(text: string, at: number): boolean {
  const open = text.lastIndexOf('(', at);
  if (open < 0 || text.lastIndexOf(')', at) > open) return false;
  return /\b(by|without|on|ignoring|group_left|group_right)\s*$/i.test(text.slice(0, open));
}

export type AbsentVerdict =
  | { readonly zero: true; readonly why: string }
  | { readonly zero: false; readonly why: string; readonly failed?: QueryOutcome };

/** Decides whether the absent numerator reading `metric` is zero, asking Prometheus (a) then (b). */
export async function probeAbsentNumerator(
  client: PrometheusClient,
  metric: string,
  endMs: number,
  lookbackMs: number,
  signal?: AbortSignal,
): Promise<AbsentVerdict> {
  const family = await client.instant(
    `count(last_over_time({__name__="${metric}"}[${promDuration(lookbackMs)}]))`,
    endMs / 1000,
    signal,
  );
  if (!family.ok) return { zero: false, why: `could not check whether ${metric} exists`, failed: family };
  if (family.data.resultType === 'vector' && family.data.samples.some((s) => s.v > 0)) {
    return { zero: true, why: `${metric} exists with other label values, so no matching series means no events` };
  }
  const metadata = await client.metadata(metric, signal);
  if (!metadata.ok) return { zero: false, why: `could not read Prometheus metadata for ${metric}`, failed: metadata };
  if (metadata.data.resultType === 'metadata' && metadata.data.metrics.includes(metric)) {
    return { zero: true, why: `Prometheus knows ${metric} (target metadata) but it has no series yet: no events` };
  }
  return {
    zero: false,
    why: `Prometheus has no series and no metadata for ${metric}: is the name misspelt?`,
  };
}
