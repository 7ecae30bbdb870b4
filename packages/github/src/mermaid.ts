/**
 * Mermaid diagram builders (gantt for shard timelines, xychart-beta for latency/error series) whose labels cannot
 * break out of the diagram. Mermaid has its own syntax hazards: `:` ends a gantt task name, `;` and newlines end a
 * statement, `%%` starts a comment or an `%%{init}%%` directive, quotes end an axis label, `#` starts an entity
 * code, and a backtick could close the Markdown fence. Labels are therefore reduced to an allow-list of
 * characters; everything else becomes a space. The result is wrapped in a ```mermaid fence.
 */
import { sanitizeText, truncateText } from './untrusted-text.js';

const LABEL_MAX = 60;

/** An untrusted string as a Mermaid label: letters, digits and a few harmless punctuation marks only. */
export function mermaidLabel(text: string, max = LABEL_MAX): string {
  const safe = sanitizeText(text)
    .replace(/[^\p{L}\p{N} _.,()/+\-=!?*]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = truncateText(safe, max, '...');
  return cut === '' ? '-' : cut;
}

/** A finite number as Mermaid accepts it (no exponent, no NaN/Infinity). */
function mermaidNumber(value: number): string {
  if (!Number.isFinite(value)) return '0';
  // toLocaleString avoids the exponent notation ("3e+21") that Number#toString switches to.
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 3 });
}

function fence(lines: string[]): string {
  return ['```mermaid', ...lines, '```'].join('\n');
}

export interface GanttTask {
  readonly label: string;
  /** Milliseconds since any common origin (e.g. the run start). */
  readonly startMs: number;
  readonly endMs: number;
  readonly status?: 'done' | 'active' | 'crit';
}

export interface GanttSection {
  readonly name: string;
  readonly tasks: readonly GanttTask[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Tick steps Mermaid's `tickInterval` can say, smallest first. */
const TICK_STEPS: ReadonlyArray<readonly [number, string]> = [
  ...[1, 2, 5, 10, 20, 50, 100, 200, 500].map((n) => [n, `${n}millisecond`] as const),
  ...[1, 2, 5, 10, 15, 30].map((n) => [n * SECOND, `${n}second`] as const),
  ...[1, 2, 5, 10, 15, 30].map((n) => [n * MINUTE, `${n}minute`] as const),
  ...[1, 2, 3, 6, 12, 24, 48, 96].map((n) => [n * HOUR, `${n}hour`] as const),
];
const MAX_TICKS = 10;

/**
 * The axis for a chart spanning `spanMs` from 0: at most MAX_TICKS ticks, in a format fine enough that no two
 * ticks print alike (`%M:%S` under a 3 s chart printed 00:00, 00:00, 00:01, 00:01…) and wide enough not to wrap.
 * Mermaid formats times in the reader's time zone, which shifts every label alike: they stay distinct.
 */
export function ganttAxis(spanMs: number): { axisFormat: string; tickInterval: string } {
  const span = Math.max(1, spanMs);
  const [step, tickInterval] = TICK_STEPS.find(([ms]) => span / ms <= MAX_TICKS) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  let axisFormat: string;
  if (step < SECOND) axisFormat = `${span >= HOUR ? '%H:%M:%S' : span >= MINUTE ? '%M:%S' : '%S'}.%L`;
  else if (step < MINUTE) axisFormat = span >= HOUR ? '%H:%M:%S' : '%M:%S';
  else axisFormat = '%H:%M';
  // A day or more: the hour repeats, the day of the month does not.
  return { axisFormat: span >= 24 * HOUR ? `%d ${axisFormat}` : axisFormat, tickInterval };
}

/**
 * A gantt chart with millisecond times (`dateFormat x`); task ids are generated, never taken from input. The axis
 * ticks are chosen from the longest task (ganttAxis).
 */
export function ganttChart(
  title: string,
  sections: readonly GanttSection[],
  options: { maxTasks?: number } = {},
): string {
  const maxTasks = options.maxTasks ?? 200;
  let spanMs = 0;
  for (const section of sections) for (const task of section.tasks) spanMs = Math.max(spanMs, task.endMs);
  const axis = ganttAxis(Number.isFinite(spanMs) ? spanMs : 0);
  const lines = [
    'gantt',
    `  title ${mermaidLabel(title)}`,
    '  dateFormat x',
    `  axisFormat ${axis.axisFormat}`,
    `  tickInterval ${axis.tickInterval}`,
  ];
  let id = 0;
  let omitted = 0;
  for (const section of sections) {
    lines.push(`  section ${mermaidLabel(section.name)}`);
    for (const task of section.tasks) {
      if (id >= maxTasks) {
        omitted++;
        continue;
      }
      id++;
      const start = Math.max(0, Math.round(task.startMs));
      const end = Math.max(start + 1, Math.round(task.endMs));
      const status = task.status ? `${task.status}, ` : '';
      lines.push(`  ${mermaidLabel(task.label)} :${status}t${id}, ${start}, ${end}`);
    }
  }
  const chart = fence(lines);
  return omitted > 0 ? `${chart}\n\n_… and ${omitted} more tasks not drawn_` : chart;
}

export interface XySeries {
  readonly kind: 'line' | 'bar';
  readonly values: readonly number[];
}

/** An xychart-beta with categorical x labels and one or more line/bar series. */
export function xyChart(
  title: string,
  xLabels: readonly string[],
  series: readonly XySeries[],
  axes: { y?: string; x?: string; yRange?: { readonly min: number; readonly max: number } } = {},
): string {
  const quoted = (label: string) => `"${mermaidLabel(label)}"`;
  const lines = [
    'xychart-beta',
    `  title ${quoted(title)}`,
    `  x-axis ${axes.x ? `${quoted(axes.x)} ` : ''}[${xLabels.map(quoted).join(', ')}]`,
  ];
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length > 0) {
    // A caller that knows its scale (an SLO near 100 %) gives the range; otherwise 0 to the largest value.
    const min = axes.yRange?.min ?? Math.min(0, ...all);
    const max = axes.yRange?.max ?? Math.max(...all);
    lines.push(
      `  y-axis ${axes.y ? `${quoted(axes.y)} ` : ''}${mermaidNumber(min)} --> ${mermaidNumber(max === min ? min + 1 : max)}`,
    );
  }
  for (const s of series) lines.push(`  ${s.kind} [${s.values.map(mermaidNumber).join(', ')}]`);
  return fence(lines);
}
