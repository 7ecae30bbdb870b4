import type { PrometheusClient } from '@gauntlet/slo';

/**
 * Request rates by Service from one PromQL query (for example
 * `sum by (service) (rate(http_requests_total{namespace="pr-7"}[5m]))`): each series' `label` value is a Service
 * name, its value requests per second. A failed query or an answer of another shape gives no rates and the reason,
 * so selection goes on without traffic rather than failing the run.
 */
export async function trafficByService(
  client: PrometheusClient,
  query: string,
  label: string,
  nowMs: number,
  signal?: AbortSignal,
): Promise<{ traffic?: Map<string, number>; problem?: string }> {
  const outcome = await client.instant(query, nowMs / 1000, signal);
  if (!outcome.ok) return { problem: `request rates unavailable: ${client.redact(outcome.fault.message)}` };
  if (outcome.data.resultType !== 'vector')
    return { problem: `request rates unavailable: the query returned a ${outcome.data.resultType}, expected a vector` };
  const traffic = new Map<string, number>();
  for (const sample of outcome.data.samples) {
    const service = sample.labels[label];
    if (service === undefined || !Number.isFinite(sample.v) || sample.v < 0) continue;
    traffic.set(service, (traffic.get(service) ?? 0) + sample.v);
  }
  return traffic.size ? { traffic } : { traffic, problem: `no series of the request-rate query has a ${label} label` };
}
