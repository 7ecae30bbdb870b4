import { describe, expect, it } from 'vitest';
import { metricNameOf } from './absent-numerator.js';

describe('metricNameOf', () => {
  it('finds the one metric of selectors and Sloth-style expressions', () => {
    expect(metricNameOf('http_requests_total{code="500"}')).toBe('http_requests_total');
    expect(metricNameOf('sum(increase(http_requests_total{code=~"5..",job="a"}[30s]))')).toBe('http_requests_total');
    expect(
      metricNameOf('sum(rate(http_request_duration_seconds_count{job="svc",code=~"(5..|429)"}[5m])) by (job)'),
    ).toBe('http_request_duration_seconds_count');
    expect(metricNameOf('sum by (code, job) (rate(errors_total[1m]))')).toBe('errors_total');
    expect(metricNameOf('sum(errors_total)')).toBe('errors_total');
    expect(metricNameOf('{__name__="x_total",job="a"}')).toBe('x_total');
  });

  it('gives up on several metrics or none', () => {
    expect(metricNameOf('sum(rate(a_total[1m])) + sum(rate(b_total[1m]))')).toBeUndefined();
    expect(metricNameOf('vector(0)')).toBeUndefined();
  });

  it('is not fooled by names inside label values', () => {
    expect(metricNameOf('errors_total{path="other_metric{x}"}')).toBe('errors_total');
  });
});
