// Issue 11 item 2 on the REAL Prometheus: in a fresh environment the error series does not exist yet. The spec is
// modelled on Sloth's getting-started example (events error_query/total_query with {{.window}}, objective 99.9).
// Absent errors are zero when the metric family exists with other labels, or when Prometheus knows the name from
// a target's metadata; a misspelt name stays inconclusive.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient, evaluateSlos, loadSlosFromYaml, type PrometheusClient } from '@gauntlet/slo';
import { addScrapeTarget, eventually, prometheusUrl, uniqueName, writeHistory } from './helpers.js';

const NOW = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const namespace = uniqueName('slo-fresh');
const errorsMetric = `slo_it_errors_${namespace.slice(-6).replace(/[^a-z0-9]/g, '')}_total`;
let client: PrometheusClient;
let exporter: Server;
let removeTarget: () => void = () => {};

beforeAll(async () => {
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {}, timeoutMs: 20_000 });
  // 20 minutes of clean traffic and no code="500" series ever.
  await writeHistory(prometheusUrl(), {
    namespace,
    endMs: NOW,
    durationMs: 20 * 60_000,
    intervalMs: 5_000,
    rps: 20,
    omitErrorSeries: true,
  });
  // A target exposing an error counter with labels that was never incremented: HELP and TYPE, no sample.
  exporter = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(`# HELP ${errorsMetric} Failed requests.\n# TYPE ${errorsMetric} counter\n`);
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const port = (exporter.address() as AddressInfo).port;
  removeTarget = addScrapeTarget(namespace, [`127.0.0.1:${port}`], { namespace });
  await eventually('Prometheus reads the exporter metadata', async () => {
    const answer = await client.metadata(errorsMetric);
    return answer.ok && answer.data.resultType === 'metadata' && answer.data.metrics.includes(errorsMetric)
      ? true
      : undefined;
  });
}, 120_000);
afterAll(async () => {
  removeTarget();
  await new Promise((resolve) => exporter?.close(resolve));
});

function sloth(errorQuery: string): string {
  return `
version: "prometheus/v1"
service: "myservice"
labels: { owner: "myteam" }
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: ${errorQuery}
        total_query: sum(rate(slo_it_requests_total{namespace="${namespace}"}[{{.window}}]))
`;
}

async function evaluate(yaml: string) {
  const result = await evaluateSlos({
    slos: loadSlosFromYaml(yaml, 'sloth.yml'),
    client,
    nowMs: NOW,
    defaultWindow: { kind: 'duration', ms: 15 * 60_000 },
    scrapeIntervalMs: 5_000,
    burnRate: false,
  });
  return result.slos[0]!;
}

describe('an absent error series on real Prometheus', () => {
  it('is zero when the metric exists with other codes (Sloth error_query with code=~"(5..|429)")', async () => {
    const slo = await evaluate(
      sloth(`sum(rate(slo_it_requests_total{namespace="${namespace}",code=~"(5..|429)"}[{{.window}}]))`),
    );
    expect(slo.verdict).toBe('pass');
    expect(slo.measured).toBe(1);
    expect(slo.notes.join()).toMatch(/slo_it_requests_total exists with other label values/);
  });

  it('is zero when Prometheus knows the error counter from its target but it has no series yet', async () => {
    const slo = await evaluate(sloth(`sum(rate(${errorsMetric}{namespace="${namespace}"}[{{.window}}]))`));
    expect(slo.verdict).toBe('pass');
    expect(slo.notes.join()).toMatch(new RegExp(`knows ${errorsMetric} \\(target metadata\\)`));
  });

  it('stays inconclusive for a misspelt name, and says so without suggesting a field Sloth lacks', async () => {
    const slo = await evaluate(
      sloth(`sum(rate(slo_it_reqests_total{namespace="${namespace}",code="500"}[{{.window}}]))`),
    );
    expect(slo).toMatchObject({ verdict: 'inconclusive', problem: 'no-data' });
    expect(slo.reason).toMatch(/no series and no metadata for slo_it_reqests_total: is the name misspelt\?/);
    expect(slo.reason).not.toMatch(/missingAsZero/);
  });

  it('stays inconclusive when the total has no traffic, even for a known name', async () => {
    const yaml = sloth(`sum(rate(${errorsMetric}[{{.window}}]))`).replace(namespace, 'slo-nothing-here');
    expect((await evaluate(yaml)).verdict).toBe('inconclusive');
  });
});
