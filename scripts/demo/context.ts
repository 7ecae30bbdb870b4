import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GitHubStandIn } from '@gauntlet/github-api-standin';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';

/** What every demo step shares: the GitHub stand-in, the PR under test, the test bed, and the run log. */
export interface DemoContext {
  root: string;
  outDir: string;
  github: GitHubStandIn;
  pr: { number: number; headSha: string; headRef: string };
  kubeconfig: string;
  prometheusUrl: string;
  toxiproxyUrl: string;
  results: Array<{ step: string; result: RunResult }>;
  /** The environment's namespace, once provision-ephemeral-env has set it. */
  namespace?: string;
  notes: string[];
}

export function actionExists(ctx: DemoContext, action: string): boolean {
  return existsSync(path.join(ctx.root, 'actions', action, 'action.yml'));
}

/** The pull_request event the runner would give every step. */
export function pullRequestEvent(ctx: DemoContext): { name: string; payload: unknown } {
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: ctx.pr.number,
      pull_request: {
        number: ctx.pr.number,
        state: 'open',
        head: {
          sha: ctx.pr.headSha,
          ref: ctx.pr.headRef,
          repo: { full_name: `${ctx.github.owner}/${ctx.github.repo}` },
        },
        base: { ref: 'main', repo: { full_name: `${ctx.github.owner}/${ctx.github.repo}` } },
      },
      repository: {
        id: ctx.github.repoId,
        full_name: `${ctx.github.owner}/${ctx.github.repo}`,
        default_branch: 'main',
      },
    },
  };
}

/** Runs one action step through the local runner, as the demo workflow's step `step` would. */
export async function runStep(
  ctx: DemoContext,
  step: string,
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  workspace?: string,
): Promise<RunResult> {
  process.stdout.write(`\n▶ ${step} (${action})\n`);
  const result = await runActionLocally({
    actionDir: path.join(ctx.root, 'actions', action),
    inputs,
    event: pullRequestEvent(ctx),
    env: {
      GITHUB_API_URL: ctx.github.url,
      GITHUB_REPOSITORY: `${ctx.github.owner}/${ctx.github.repo}`,
      GITHUB_TOKEN: ctx.github.token,
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_REF: `refs/pull/${ctx.pr.number}/merge`,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: 'gauntlet-demo',
      GITHUB_JOB: step,
      ...env,
    },
    onLine: (line) => process.stdout.write(`  ${line}\n`),
    ...(workspace ? { workspace } : {}),
  });
  process.stdout.write(`  → ${result.conclusion}; outputs: ${Object.keys(result.outputs).join(', ') || 'none'}\n`);
  ctx.results.push({ step, result });
  return result;
}
