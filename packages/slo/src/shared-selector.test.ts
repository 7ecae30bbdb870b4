import { describe, expect, it } from 'vitest';
import { parseSelector, planShared } from './shared-selector.js';

describe('shared selectors (label batching)', () => {
  it('parses rendered selectors with escapes', () => {
    expect(parseSelector('http_requests_total{job="a\\"b",code=~"5..", x != "\\n"}')).toEqual({
      metric: 'http_requests_total',
      matchers: [
        { label: 'job', op: '=', value: 'a"b' },
        { label: 'code', op: '=~', value: '5..' },
        { label: 'x', op: '!=', value: '\n' },
      ],
    });
    expect(parseSelector('sum(x)')).toBeUndefined();
    expect(parseSelector('x{a="b"} or y')).toBeUndefined();
  });

  it('batches bad = total + code matcher and classifies series like Prometheus would', () => {
    const plan = planShared('req_total{ns="pr-1",code=~"5..|429"}', 'req_total{ns="pr-1"}');
    expect(plan?.by).toEqual(['code']);
    expect(plan?.matches({ code: '503' })).toBe(true);
    expect(plan?.matches({ code: '429' })).toBe(true);
    expect(plan?.matches({ code: '200' })).toBe(false);
    expect(plan?.matches({ code: '5000' })).toBe(false);
    expect(planShared('req_total{ns="pr-1",code!="200"}', 'req_total{ns="pr-1"}')?.matches({})).toBe(true);
  });

  it.each([
    ['different metrics', 'errors_total{ns="a"}', 'req_total{ns="a"}'],
    ['total not a subset', 'req_total{code="500"}', 'req_total{ns="a"}'],
    ['an extra matcher on a constrained label', 'req_total{ns="a",ns!="b"}', 'req_total{ns="a"}'],
    ['a regex JavaScript may read differently', 'req_total{ns="a",code=~"(?i)5xx"}', 'req_total{ns="a"}'],
    ['no extra matcher', 'req_total{ns="a"}', 'req_total{ns="a"}'],
  ])('falls back to two queries for %s', (_label, side, total) => {
    expect(planShared(side, total)).toBeUndefined();
  });
});
