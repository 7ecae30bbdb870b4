/**
 * Durations in PromQL. SLO files are read with action-kit's one duration parser (`250ms`, `30s`, `5m`, `1h30m`,
 * `3d`, `1w`, bare seconds: the Prometheus/OpenSLO spellings); this only formats them back, always as an integer
 * number of seconds or milliseconds so the string we build is valid on every Prometheus version (compound
 * durations are 2.x-late).
 */
/** A PromQL duration literal for a range selector: whole seconds when possible, else milliseconds. */
export function promDuration(ms: number): string {
  const rounded = Math.max(1, Math.round(ms));
  return rounded % 1000 === 0 ? `${rounded / 1000}s` : `${rounded}ms`;
}
