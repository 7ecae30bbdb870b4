import { writeFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { firstSampleMs, startSampleService } from '@gauntlet/slo';
import { runStep, type DemoContext } from './context.js';

/**
 * slo-check in the demo: a loopback sample service stands in for the PR's deployed app, the test bed's Prometheus
 * scrapes it every second, and synthetic traffic (0.3 % errors) runs for half a minute before the gate.
 */
export async function runSloCheck(ctx: DemoContext, namespace: string): Promise<void> {
  const service = await startSampleService();
  const targetsDir =
    process.env.GAUNTLET_PROMETHEUS_TARGETS_DIR ?? path.join(path.dirname(ctx.kubeconfig), 'prometheus', 'targets');
  mkdirSync(targetsDir, { recursive: true });
  const target = path.join(targetsDir, `demo-${namespace}.json`);
  writeFileSync(`${target}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${service.port}`], labels: { namespace } }]));
  renameSync(`${target}.tmp`, target);
  const registeredAt = Date.now();
  const ticker = setInterval(() => service.record(30, Math.random() < 0.05 ? 1 : 0, 0.04 + Math.random() * 0.05), 1000);
  try {
    process.stdout.write('  waiting for Prometheus to scrape the service…\n');
    // The SLO window starts at the first scrape: before it there is (rightly) no data, and no data never passes.
    const startedAt = Math.floor(
      (await firstSampleMs(ctx.prometheusUrl, `demo_http_requests_total{namespace="${namespace}"}`, {
        sinceMs: registeredAt,
      })) / 1000,
    );
    process.stdout.write('  synthetic traffic for 35 s so the SLO window has data…\n');
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    await runStep(ctx, 'slo-gate', 'slo-check', {
      'prometheus-url': ctx.prometheusUrl,
      namespace,
      'started-at': String(startedAt),
      'scrape-interval': '1s',
      'min-requests': '100',
      slos: [
        'slos:',
        '  - name: availability',
        '    ratio:',
        '      bad: demo_http_requests_total{namespace="{{namespace}}",code="500"}',
        '      total: demo_http_requests_total{namespace="{{namespace}}"}',
        '    objective: { target: 99.5%, warn: 99% }',
        '  - name: latency-p95',
        `    latency: { histogram: 'demo_http_request_duration_seconds{namespace="{{namespace}}"}', quantile: 0.95, threshold: 250ms }`,
        '  - name: scraped',
        `    promql: { query: 'min(up{namespace="{{namespace}}"})', op: ">=", threshold: 1 }`,
      ].join('\n'),
    });
  } finally {
    clearInterval(ticker);
    rmSync(target, { force: true });
    await service.close();
  }
}
