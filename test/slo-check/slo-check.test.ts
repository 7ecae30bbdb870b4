import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { firstSampleMs, startSampleService, type SampleService } from '@gauntlet/slo';
import { startForwardProxy } from '@gauntlet/slo/testing';
import { FaultProxy } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addScrapeTarget, eventually, uniqueName } from '../slo/helpers.js';
import { pullRequestRun } from '../support/pull-request-run.js';

/**
 * slo-check end to end: the real bundle through the local runner, the test bed's real Prometheus scraping a
 * loopback sample service every second, and the GitHub stand-in checking every request against GitHub's OpenAPI.
 */
const actionDir = path.resolve(import.meta.dirname, '../../actions/slo-check');
const prometheus = (): string => process.env.GAUNTLET_PROMETHEUS_URL ?? '';
const CANARY = 'canary-prom-token-7f3a9c2e51';
const HEAD = 'c0ffee'.padEnd(40, '0');
const PR = 77;

let github: GitHubStandIn;
let healthy: SampleService;
let broken: SampleService;
const stops: Array<() => void> = [];
let ticker: NodeJS.Timeout;
let startedAt: number;
const healthyNs = uniqueName('slo-ok');
const brokenNs = uniqueName('slo-bad');

const SLOS = `
slos:
  - name: availability
    ratio:
      bad: demo_http_requests_total{namespace="{{namespace}}",code="500"}
      total: demo_http_requests_total{namespace="{{namespace}}"}
    objective: { target: 99% }
  - name: latency-p95
    latency: { histogram: 'demo_http_request_duration_seconds{namespace="{{namespace}}"}', quantile: 0.95, threshold: 250ms }
`;

function run(
  inputs: Record<string, string>,
  labels: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const pr = pullRequestRun(github, { pr: PR, head: HEAD, labels, runId: '900' });
  return runActionLocally({
    actionDir,
    inputs: {
      'prometheus-url': prometheus(),
      slos: SLOS,
      'scrape-interval': '1s',
      'min-requests': '50',
      'started-at': String(Math.floor(startedAt / 1000)),
      'prometheus-token': CANARY,
      ...inputs,
    },
    event: pr.event,
    env: { ...pr.env, GITHUB_TOKEN: github.token, ...env },
  });
}

beforeAll(async () => {
  github = await startGitHubStandIn();
  github.seedPull(PR, { headSha: HEAD });
  healthy = await startSampleService();
  broken = await startSampleService();
  stops.push(addScrapeTarget(healthyNs, [`127.0.0.1:${healthy.port}`], { namespace: healthyNs }));
  stops.push(addScrapeTarget(brokenNs, [`127.0.0.1:${broken.port}`], { namespace: brokenNs }));
  startedAt = Date.now();
  // Traffic without HTTP: 20 requests a second each; the broken service answers 20 % of them with 500.
  ticker = setInterval(() => {
    healthy.record(20, 0, 0.02);
    broken.record(20, 4, 0.02);
  }, 1000);
  await eventually('Prometheus has 30 s of both services', async () => {
    const response = await fetch(
      `${prometheus()}/api/v1/query?query=${encodeURIComponent(`count_over_time(demo_http_requests_total{namespace="${brokenNs}",code="500"}[5m])`)}`,
    );
    const body = (await response.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    return Number(body.data?.result?.[0]?.value[1] ?? 0) >= 30;
  });
  // The window starts at the first sample of the later of the two services, not when the test registered them: on
  // a loaded machine Prometheus may pick a new target up seconds later.
  const since = { sinceMs: startedAt - 5_000 };
  startedAt = Math.max(
    await firstSampleMs(prometheus(), `demo_http_requests_total{namespace="${healthyNs}"}`, since),
    await firstSampleMs(prometheus(), `demo_http_requests_total{namespace="${brokenNs}"}`, since),
  );
});

afterAll(async () => {
  clearInterval(ticker);
  for (const stop of stops) stop();
  await Promise.all([healthy?.close(), broken?.close(), github?.close()]);
});

function leaks(result: RunResult): string[] {
  const places = {
    // The ::add-mask:: line is how a secret reaches the runner's masker; the runner consumes it unseen.
    output: result.main.rawOutput
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    summary: result.summary,
    outputs: JSON.stringify(result.outputs),
    requests: JSON.stringify(github.requests),
  };
  return Object.entries(places)
    .filter(([, text]) => text.includes(CANARY) || text.includes(Buffer.from(CANARY).toString('base64')))
    .map(([where]) => where);
}

describe('slo-check', () => {
  it('passes a healthy environment and reports it in a check run, the PR comment and the summary', async () => {
    const result = await run({ namespace: healthyNs });
    expect(result.main.exitCode, result.main.rawOutput).toBe(0);
    expect(result.outputs.gate).toBe('pass');
    const parsed = JSON.parse(result.outputs.result ?? '{}') as { slos: Array<{ name: string; verdict: string }> };
    expect(parsed.slos.map((s) => [s.name, s.verdict])).toEqual([
      ['availability', 'pass'],
      ['latency-p95', 'pass'],
    ]);
    const checks = github.store.checkRuns.filter((c) => c.name === 'SLOs');
    expect(checks).toHaveLength(1);
    expect(checks[0]?.head_sha).toBe(HEAD);
    expect(checks[0]?.conclusion).toBe('success');
    const comments = github.store.comments.filter((c) => c.body?.includes('slo-check'));
    expect(comments).toHaveLength(1);
    expect(result.summary).toContain('availability');
    expect(result.summary).toContain('xychart-beta');
    expect(github.violations).toEqual([]);
    expect(leaks(result)).toEqual([]);
  });

  it('reaches an https Prometheus through HTTPS_PROXY with a CONNECT tunnel, and says so in the log', async () => {
    const proxy = await startForwardProxy();
    const front = await FaultProxy.start({ upstream: prometheus(), tls: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-proxy-'));
    try {
      const ca = path.join(dir, 'ca.pem');
      writeFileSync(ca, front.caCert ?? '');
      const result = await run({ namespace: healthyNs, 'prometheus-url': front.url }, [], {
        HTTPS_PROXY: proxy.url,
        NODE_EXTRA_CA_CERTS: ca,
      });
      expect(result.main.exitCode, result.main.rawOutput).toBe(0);
      expect(result.outputs.gate).toBe('pass');
      expect(result.main.rawOutput).toContain(`via proxy ${proxy.url} (HTTPS_PROXY)`);
      const tunnels = proxy.requests.filter((r) => r.method === 'CONNECT');
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels.map((r) => r.target))).toEqual(new Set([new URL(front.url).host]));
      expect(front.requests.length).toBeGreaterThan(0);
      expect(JSON.stringify(proxy.requests)).not.toContain(CANARY);
      expect(leaks(result)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await Promise.all([proxy.close(), front.close()]);
    }
  });

  it('fails a 20 % error rate with the reason and numbers, and updates the same comment', async () => {
    const result = await run({ namespace: brokenNs });
    expect(result.main.exitCode).toBe(1);
    expect(result.outputs.gate).toBe('fail');
    const error = result.main.commands.find((c) => c.name === 'error');
    expect(error?.message).toMatch(/^slo-check: .*fail/);
    expect(result.main.rawOutput).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(github.store.comments.filter((c) => c.body?.includes('slo-check'))).toHaveLength(1);
    expect(github.violations).toEqual([]);
    expect(leaks(result)).toEqual([]);
  });

  it('lets a failing gate pass only with the override label on the pull request, and says so', async () => {
    const unlabelled = await run({ namespace: brokenNs, 'override-label': 'slo-override' }, ['docs']);
    expect(unlabelled.main.exitCode).toBe(1);
    expect(unlabelled.outputs.overridden).toBe('false');
    const labelled = await run({ namespace: brokenNs, 'override-label': 'slo-override' }, ['SLO-Override']);
    expect(labelled.main.exitCode, labelled.main.rawOutput).toBe(0);
    expect(labelled.outputs.gate).toBe('fail');
    expect(labelled.outputs.overridden).toBe('true');
    expect(labelled.main.commands.find((c) => c.name === 'warning')?.message).toMatch(
      /Overridden by the pull request label/,
    );
    const check = github.store.checkRuns.at(-1);
    expect([check?.conclusion, check?.output?.title]).toEqual([
      'neutral',
      expect.stringMatching(/^Overridden by a label: /),
    ]);
    const comment = github.store.comments.find((c) => c.body?.includes('slo-check'))?.body ?? '';
    expect(comment).toContain('The gate was overridden by the pull request label');
    expect(github.violations).toEqual([]);
    expect(leaks(labelled)).toEqual([]);
  });

  it('never passes without data: inconclusive gates as fail, or warn when asked', async () => {
    const empty = uniqueName('slo-none');
    const failing = await run({ namespace: empty });
    expect(failing.outputs.verdict).toBe('inconclusive');
    expect(failing.outputs.gate).toBe('fail');
    expect(failing.main.exitCode).toBe(1);
    const warned = await run({ namespace: empty, inconclusive: 'warn' });
    expect(warned.outputs.gate).toBe('warn');
    expect(warned.main.exitCode).toBe(0);
    expect(warned.main.commands.find((c) => c.name === 'warning')?.message).toMatch(/gates as warn/);
    expect(leaks(warned)).toEqual([]);
  });

  it('with Prometheus down and inconclusive: warn, the step passes with a warning in the log and the check run', async () => {
    const down = await run({ namespace: healthyNs, inconclusive: 'warn', 'prometheus-url': 'http://127.0.0.1:9' });
    expect(down.main.exitCode, down.main.rawOutput).toBe(0);
    expect(down.outputs.gate).toBe('warn');
    const warning = down.main.commands.find((c) => c.name === 'warning');
    expect(warning?.message).toMatch(/inconclusive.*gates as warn/s);
    expect(down.main.rawOutput).toMatch(/connection failed/);
    const check = github.store.checkRuns.at(-1);
    expect(check?.conclusion).toBe('neutral');
    expect(check?.output?.title).toMatch(/inconclusive/i);
    expect(leaks(down)).toEqual([]);
  });

  it('turns bad input into one clear error before any query', async () => {
    const before = github.requests.length;
    for (const [inputs, message] of [
      [{ 'prometheus-url': 'ftp://x' }, /prometheus-url.*only http and https/],
      [{ slos: '' }, /no SLOs given/],
      [{ 'min-coverage': '2' }, /min-coverage.*above the maximum 1/],
      [{ namespace: 'Bad_NS' }, /namespace.*DNS-1123/],
      [{ slos: 'slos: [ { name: x } ]' }, /slos\[0\]/],
      [{ 'override-label': 'a'.repeat(51) }, /override-label/],
    ] as const) {
      const result = await run(inputs);
      expect(result.main.exitCode).toBe(1);
      const error = result.main.commands.find((c) => c.name === 'error');
      expect(error?.message, result.main.rawOutput).toMatch(message);
      expect(result.main.rawOutput).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(leaks(result)).toEqual([]);
    }
    expect(github.requests.length).toBe(before);
  });
});
