// Shared helpers for the SLO integration tests: the test bed's real Prometheus, history written through remote
// write (its out-of-order window accepts old samples), polling, and the leak scanner.
import { writeFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { remoteWrite, type RemoteWriteSeries } from '@gauntlet/testbed';

/** Set by the test bed's global set-up (full run) or by test/slo/global-setup.ts (standalone run). */
export function prometheusUrl(): string {
  const url = process.env.GAUNTLET_PROMETHEUS_URL;
  if (!url) throw new Error('GAUNTLET_PROMETHEUS_URL is not set: run with the test bed or test/slo/vitest.config.ts');
  return url;
}

/** Makes Prometheus scrape loopback targets every second (file_sd, same layout as the test bed's). */
export function addScrapeTarget(name: string, targets: string[], labels: Record<string, string>): () => void {
  const dir = process.env.GAUNTLET_PROMETHEUS_TARGETS_DIR;
  if (!dir) throw new Error('GAUNTLET_PROMETHEUS_TARGETS_DIR is not set: Prometheus was provided from outside');
  const file = join(dir, `${name}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels }]));
  renameSync(`${file}.tmp`, file);
  return () => rmSync(file, { force: true });
}

import { eventually, uniqueName } from '../support/polling.js';

export { eventually, uniqueName };

export const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1] as const;

export interface HistoryOptions {
  readonly namespace: string;
  readonly endMs: number;
  readonly durationMs: number;
  /** Sample spacing (a scrape interval). */
  readonly intervalMs: number;
  readonly rps: number;
  /** Share of requests answered 500 at time t. */
  readonly errorRatio?: (tMs: number) => number;
  /** Share of requests slower than 0.5 s (they land in the 1 s bucket); the rest land in the 0.1 s bucket. */
  readonly slowRatio?: (tMs: number) => number;
  /** Samples at time t are not written (a scrape gap); counters keep counting. */
  readonly gap?: (tMs: number) => boolean;
  /** Extra labels on every series (e.g. a second pod). */
  readonly labels?: Record<string, string>;
  /** No code="500" series at all (a fresh environment whose error counter was never incremented). */
  readonly omitErrorSeries?: boolean;
}

/**
 * Writes the same metrics the sample service exposes (requests by code, a latency histogram) for a past period,
 * as a scraper would have stored them.
 */
export async function writeHistory(url: string, o: HistoryOptions): Promise<void> {
  const base = { namespace: o.namespace, job: 'slo-history', ...(o.labels ?? {}) };
  const names = {
    ok: { __name__: 'slo_it_requests_total', code: '200', ...base },
    err: { __name__: 'slo_it_requests_total', code: '500', ...base },
    ...Object.fromEntries(
      [...BUCKETS.map(String), '+Inf'].map((le) => [
        `le${le}`,
        { __name__: 'slo_it_request_duration_seconds_bucket', le, ...base },
      ]),
    ),
  } as Record<string, Record<string, string>>;
  const samples: Record<string, [number, number][]> = Object.fromEntries(Object.keys(names).map((k) => [k, []]));
  const totals: Record<string, number> = Object.fromEntries(Object.keys(names).map((k) => [k, 0]));
  const perSample = (o.rps * o.intervalMs) / 1000;
  const start = Math.floor((o.endMs - o.durationMs) / 1000) * 1000;
  for (let t = start; t <= o.endMs; t += o.intervalMs) {
    const errors = perSample * (o.errorRatio?.(t) ?? 0);
    const slow = perSample * (o.slowRatio?.(t) ?? 0);
    totals.ok = (totals.ok as number) + perSample - errors;
    totals.err = (totals.err as number) + errors;
    for (const le of BUCKETS)
      totals[`le${le}`] = (totals[`le${le}`] as number) + (le >= 1 ? perSample : le >= 0.1 ? perSample - slow : 0);
    totals['le+Inf'] = (totals['le+Inf'] as number) + perSample;
    if (o.gap?.(t)) continue;
    for (const k of Object.keys(names)) (samples[k] as [number, number][]).push([t, totals[k] as number]);
  }
  const written = Object.entries(names).filter(([k]) => !(o.omitErrorSeries && k === 'err'));
  const series: RemoteWriteSeries[] = written.map(([k, labels]) => ({
    labels,
    samples: samples[k] as [number, number][],
  }));
  // Several requests keep each body small (the encoder is simple, not streaming).
  for (const s of series) {
    for (let i = 0; i < s.samples.length; i += 5000)
      await remoteWrite(url, [{ labels: s.labels, samples: s.samples.slice(i, i + 5000) }]);
  }
}

/** The inline SLO file most tests use: availability (bad/total) and p90 latency, both for {{namespace}}. */
export const STANDARD_SLOS = `
slos:
  - name: availability
    ratio:
      bad: slo_it_requests_total{namespace="{{namespace}}",code="500"}
      total: slo_it_requests_total{namespace="{{namespace}}"}
    objective: { target: 99%, warn: 98% }
  - name: latency-p90
    latency:
      histogram: 'slo_it_request_duration_seconds{namespace="{{namespace}}"}'
      quantile: 0.9
      threshold: 250ms
    objective: { warn: 500ms }
`;

/**
 * Leak scanner: a secret must not appear raw, base64 at any of the three alignments, JSON-escaped,
 * URL-encoded, or line by line for multi-line values. Returns where each hit was found.
 */
export function findLeaks(haystacks: Record<string, string>, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    for (let shift = 0; shift < 3; shift += 1) {
      const b64 = Buffer.from('x'.repeat(shift) + secret).toString('base64');
      const bytes = Buffer.byteLength(secret);
      const stable = b64.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes) / 3) * 4);
      if (stable.length >= 8) forms.add(stable);
    }
    for (const line of secret.split('\n')) if (line.trim().length >= 6) forms.add(line.trim());
    for (const [where, text] of Object.entries(haystacks)) {
      for (const form of forms)
        if (text.includes(form)) hits.push(`${where}: ${form === secret ? 'raw' : 'encoded'} secret`);
    }
  }
  return hits;
}
