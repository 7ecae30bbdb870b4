import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLoad, startSampleService, type SampleService } from './sample-service.js';

let service: SampleService;
beforeAll(async () => {
  service = await startSampleService({ latencyMs: 1, jitterMs: 0, prefix: 'unit' });
});
afterAll(() => service.close());

describe('sample service', () => {
  it('exposes initialised counters and a histogram in the Prometheus text format', async () => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('unit_http_requests_total{code="500"} 0');
    expect(text).toContain('unit_http_request_duration_seconds_bucket{le="+Inf"} 0');
    expect(text).toContain('# TYPE unit_http_request_duration_seconds histogram');
  });

  it('serves load with the configured error rate and records latency', async () => {
    service.setErrorRate(1);
    const all = await generateLoad({ url: service.url, rps: 200, durationMs: 100 });
    expect(all.sent).toBeGreaterThan(0);
    expect(all.errors).toBe(all.sent);
    service.setErrorRate(0);
    const none = await generateLoad({ url: service.url, rps: 200, durationMs: 100 });
    expect(none.ok).toBe(none.sent);
    service.record(10, 3, 300);
    const text = service.metricsText();
    expect(text).toMatch(new RegExp(`unit_http_requests_total\\{code="500"\\} ${all.errors + 3}\\n`));
    expect(text).toMatch(/le="0.25"} \d+\n/);
  });

  it('can be controlled over HTTP', async () => {
    await fetch(`${service.url}/control?errorRate=1&latencyMs=0`, { method: 'POST' });
    expect((await fetch(`${service.url}/work`)).status).toBe(500);
    await fetch(`${service.url}/control?errorRate=0`, { method: 'POST' });
    expect((await fetch(`${service.url}/work`)).status).toBe(200);
  });
});
