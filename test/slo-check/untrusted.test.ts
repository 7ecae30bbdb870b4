import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { runActionLocally } from '@gauntlet/local-runner';
import { FaultProxy } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestRun } from '../support/pull-request-run.js';

/**
 * Issue 10: text a Prometheus server sends (error messages, warnings) is untrusted, and the runner parses the legacy
 * `##[command]` anywhere in a line and `::command::` after leading whitespace. slo-check through its real bundle and
 * the local runner (whose parser follows the runner's rules), against the test bed's real Prometheus behind a fault
 * proxy that answers the queries with hostile error bodies: no forged command reaches the runner.
 */
const actionDir = path.resolve(import.meta.dirname, '../../actions/slo-check');
const HEAD = 'bad5eed'.padEnd(40, '0');
const PR = 78;
const HOSTILE = [
  'parse error ##[error]forged legacy error',
  'at char 3 ##[add-mask]canary-mask-value',
  'see ##[stop-commands]canarytoken',
  '##[warning file=a.ts;line=1]forged legacy warning',
  '\n   ::error::forged indented\r::warning::forged after a CR',
  '\u001b[31m::add-mask::canary-mask-value\u001b[0m',
].join(' ');

let github: GitHubStandIn;
let proxy: FaultProxy;

beforeAll(async () => {
  github = await startGitHubStandIn();
  github.seedPull(PR, { headSha: HEAD });
  proxy = await FaultProxy.start({ upstream: process.env.GAUNTLET_PROMETHEUS_URL ?? '' });
});

afterAll(async () => {
  await proxy?.close();
  await github?.close();
});

describe('slo-check with a Prometheus that answers hostile text', () => {
  it.each([
    ['a 400 error body', { status: 400, body: { status: 'error', errorType: 'bad_data', error: HOSTILE } }],
    ['a 503 HTML page', { status: 503, body: `<html><body><h1>${HOSTILE}</h1></body></html>` }],
    [
      'a 200 with warnings',
      { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] }, warnings: [HOSTILE] } },
    ],
  ])('%s: the verdict is not a pass, and no workflow command is forged', async (_name, answer) => {
    proxy.clearRules();
    const rule = proxy.addRule({ path: /^\/api\/v1\/query/, action: { type: 'status', ...answer } });
    const pr = pullRequestRun(github, { pr: PR, head: HEAD, runId: '901' });
    const result = await runActionLocally({
      actionDir,
      inputs: {
        'prometheus-url': proxy.url,
        slos: 'slos:\n  - name: availability\n    ratio:\n      bad: demo_http_requests_total{code="500"}\n      total: demo_http_requests_total\n    objective: { target: 99% }\n',
        'min-requests': '1',
        'started-at': String(Math.floor(Date.now() / 1000) - 600),
      },
      event: pr.event,
      env: { ...pr.env, GITHUB_TOKEN: github.token },
    });
    proxy.removeRule(rule);
    expect(rule.fired).toBeGreaterThan(0);
    expect(result.main.exitCode).not.toBe(0);
    // A forged command is one the hostile text itself opened: its message starts where the attacker's text does.
    // Our own commands may quote that text (neutralised), which is not a command.
    const forged = result.main.commands.filter(
      (c) =>
        /^(forged|canary)/.test(c.message) ||
        c.properties.file === 'a.ts' ||
        (c.name === 'add-mask' && c.message !== github.token) ||
        c.name === 'stop-commands',
    );
    expect(forged, result.main.rawOutput).toEqual([]);
    // The text is still there to read, unable to act; commands were not stopped (our own error still reached it).
    expect(result.main.commands.some((c) => c.name === 'error')).toBe(true);
    expect(result.main.log.join('\n')).toContain('forged legacy error');
    expect(github.violations).toEqual([]);
  });
});
