/**
 * `gauntlet run … --github-standin`: a user outside GitHub sees the PR comment and check runs an action would post.
 * slo-check against a Prometheus that is not there reports "inconclusive": a check run and a comment section.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGitHubStandIn } from '@gauntlet/github-api-standin';
import { main } from '@gauntlet/local-runner';
import { describe, expect, it, vi } from 'vitest';

const SLOS = `slos:
  - name: availability
    ratio: { bad: 'x_total{code="500"}', total: x_total }
    objective: { target: 99% }
`;

describe('gauntlet run --github-standin', () => {
  it('seeds the pull request, reports to the stand-in and writes the comment and check runs beside the summary', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-standin-'));
    const summary = path.join(dir, 'out', 'summary.md');
    const violations: string[][] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    let said: string;
    try {
      code = await main(
        [
          'run',
          'slo-check',
          '--input',
          'prometheus-url=http://127.0.0.1:9',
          '--input',
          `slos=${SLOS}`,
          '--input',
          'timeout=2s',
          '--workspace',
          dir,
          '--summary',
          summary,
          '--github-standin',
          '--pr',
          '5',
        ],
        {
          startGitHubStandIn: async (options) => {
            const gh = await startGitHubStandIn(options);
            violations.push(gh.violations);
            return gh;
          },
        },
      );
    } finally {
      said = stderr.mock.calls.map((c) => String(c[0])).join('');
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(code, said).toBe(1); // no data is never a pass
    expect(said).toMatch(/GitHub API stand-in at http:\/\/127\.0\.0\.1:\d+, pull request #5 of local\/project/);
    expect(said).toContain(`PR comment (1 comment): ${path.join(dir, 'out', 'comment.md')}`);
    const comment = await readFile(path.join(dir, 'out', 'comment.md'), 'utf8');
    expect(comment).toContain('availability');
    const checks = JSON.parse(await readFile(path.join(dir, 'out', 'check-runs.json'), 'utf8')) as {
      name: string;
      status: string;
      conclusion: string;
    }[];
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([['SLOs', 'completed', 'failure']]);
    expect(violations).toEqual([[]]);
  }, 60_000);

  it('refuses what cannot work, with the usage', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let said: string;
    try {
      // The bundle has no stand-in: say how to get one.
      expect(await main(['run', 'slo-check', '--github-standin'])).toBe(2);
      expect(await main(['run', 'slo-check', '--pr', '3'])).toBe(2);
      expect(await main(['run', 'slo-check', '--github-standin', '--pr', '-1'])).toBe(2);
      expect(
        await main(['run', 'slo-check', '--github-standin', '--env', 'GITHUB_API_URL=https://api.github.com'], {
          startGitHubStandIn: () => Promise.reject(new Error('must not start')),
        }),
      ).toBe(2);
    } finally {
      said = stderr.mock.calls.map((c) => String(c[0])).join('');
      stderr.mockRestore();
    }
    expect(said).toContain('pnpm gauntlet:dev run <action> --github-standin');
    expect(said).toContain('--pr is for --github-standin');
    expect(said).toContain('--pr expects a pull request number, got "-1"');
    expect(said).toContain('leave out --env GITHUB_API_URL');
  });
});
