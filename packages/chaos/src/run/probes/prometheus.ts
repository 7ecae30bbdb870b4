import { neutralize } from '@gauntlet/action-kit';
import type { PrometheusClient } from '@gauntlet/slo';
import type { ProbeSpec } from '../../experiment/model.js';
import type { Observation } from '../guard.js';

type PrometheusProbe = Extract<ProbeSpec, { kind: 'prometheus' }>;

const COMPARE: Record<PrometheusProbe['op'], (v: number, t: number) => boolean> = {
  '<': (v, t) => v < t,
  '<=': (v, t) => v <= t,
  '>': (v, t) => v > t,
  '>=': (v, t) => v >= t,
  '==': (v, t) => v === t,
};

function labelsOf(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  // Label values are the monitored system's text: never a workflow command in our log.
  return parts.length ? neutralize(`{${parts.join(',')}}`).slice(0, 300) : '';
}

/**
 * A Prometheus instant query compared with a threshold. Every series must satisfy it (the worst one is reported).
 * No series, a NaN, or a failed query is unknown — no data is never steady.
 */
export async function prometheusProbe(
  probe: PrometheusProbe,
  client: PrometheusClient,
  now: () => number,
  signal?: AbortSignal,
): Promise<Observation> {
  const outcome = await client.instant(probe.query, now() / 1000, signal);
  if (signal?.aborted) throw signal.reason;
  const name = `probe ${probe.name}`;
  if (!outcome.ok)
    return { state: 'unknown', reason: `${name}: query failed (${client.redact(outcome.fault.message)})` };
  const { data } = outcome;
  let values: { labels: string; v: number }[];
  if (data.resultType === 'vector') values = data.samples.map((s) => ({ labels: labelsOf(s.labels), v: s.v }));
  else if (data.resultType === 'scalar') values = [{ labels: '', v: data.sample.v }];
  else
    return {
      state: 'unknown',
      reason: `${name}: the query returned a ${data.resultType}, expected a vector or scalar`,
    };
  if (values.length === 0) return { state: 'unknown', reason: `${name}: no data (the query returned no series)` };
  const nan = values.find((x) => !Number.isFinite(x.v));
  if (nan) return { state: 'unknown', reason: `${name}: no usable value (${nan.labels || 'value'} is ${nan.v})` };
  const failing = values.filter((x) => !COMPARE[probe.op](x.v, probe.threshold));
  const shown = (x: { labels: string; v: number }): string => `${x.labels ? `${x.labels} ` : ''}${x.v}`;
  if (failing.length === 0) {
    return {
      state: 'steady',
      reason: `${name}: ${values.length === 1 ? shown(values[0]!) : `${values.length} series`} ${probe.op} ${probe.threshold}`,
    };
  }
  return {
    state: 'breached',
    reason: `${name}: ${shown(failing[0]!)}${failing.length > 1 ? ` (and ${failing.length - 1} more series)` : ''}, expected ${probe.op} ${probe.threshold}`,
  };
}
