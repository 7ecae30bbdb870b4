import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseDuration } from '@gauntlet/action-kit';
import { readActionMetadata, type ActionMetadata } from './action-metadata.js';
import { runActionLocally, type RunOptions } from './run-action.js';

const USAGE = `Usage: gauntlet run <action> [--input name=value]... [--event file.json] [--event-name name]
                    [--env NAME=value]... [--cancel-after 30s] [--no-post] [--action-dir dir]
                    [--workspace dir] [--summary file] [--github-standin [--pr N]]

--workspace       the project the action works on (GITHUB_WORKSPACE; default: the current directory)
--summary         where the job summary is written (default: gauntlet-run/summary.md in the current directory)
--github-standin  report to a local stand-in for GitHub's API with pull request N (--pr, default 1) seeded, and
                  write the PR comment and check runs it received beside the summary (comment.md, check-runs.json).
                  Needs the development workspace: pnpm install, then pnpm gauntlet:dev run <action> …
A token (--env GITHUB_TOKEN=… or a token input) needs --env GITHUB_API_URL=… (https://api.github.com on github.com).

Runs an action's bundle exactly as the GitHub runner does (INPUT_* variables, GITHUB_OUTPUT/STATE/STEP_SUMMARY
files, the post step with saved state) and prints its outputs as JSON. For GitLab CI, Jenkins and laptops.
Actions: provision-ephemeral-env, shard-and-run, chaos-gate, slo-check (those present in actions/).`;

export interface ParsedArguments {
  action: string;
  options: Omit<RunOptions, 'actionDir'> & { actionDir?: string };
  /** Where the job summary is written (resolved against the current directory). */
  summaryFile: string;
  /** --github-standin: report to a local GitHub API stand-in with this pull request seeded. */
  githubStandIn?: { pr: number };
}

/** What the CLI needs of the GitHub API stand-in (@gauntlet/github-api-standin), passed in by its caller. */
export interface StandInForCli {
  readonly url: string;
  readonly token: string;
  readonly repoId: number;
  readonly violations: readonly string[];
  readonly store: {
    readonly checkRuns: ReadonlyArray<{
      name: string;
      head_sha: string;
      status: string;
      conclusion: string | null;
      output?: { title?: string | null; summary?: string | null } | null;
    }>;
    readonly comments: ReadonlyArray<{ issue_url: string; body?: string | null }>;
  };
  seedPull(number: number, fields?: { headSha?: string }): void;
  close(): Promise<void>;
}

export interface CliDeps {
  /** Starts the stand-in for --github-standin; absent in the bundle (the stand-in is a development package). */
  readonly startGitHubStandIn?: (options: { owner: string; repo: string }) => Promise<StandInForCli>;
}

export async function parseArguments(argv: string[]): Promise<ParsedArguments> {
  const [command, action, ...rest] = argv;
  if (command !== 'run' || !action || action.startsWith('-')) throw new Error(USAGE);
  const inputs: Record<string, string> = {};
  const env: Record<string, string> = {};
  const options: ParsedArguments['options'] = { inputs, env };
  let eventFile: string | undefined;
  let eventName: string | undefined;
  let summaryFile = path.join('gauntlet-run', 'summary.md');
  let workspace = '.';
  let standIn = false;
  let pr: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string;
    const value = (): string => {
      const next = rest[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--input':
      case '-i':
        assign(inputs, value(), flag);
        break;
      case '--env':
        assign(env, value(), flag);
        break;
      case '--event':
        eventFile = value();
        break;
      case '--event-name':
        eventName = value();
        break;
      case '--cancel-after':
        options.cancelAfterMs = parseDuration(value());
        break;
      case '--no-post':
        options.skipPost = true;
        break;
      case '--action-dir':
        options.actionDir = value();
        break;
      case '--workspace':
        workspace = value();
        break;
      case '--summary':
        summaryFile = value();
        break;
      case '--github-standin':
        standIn = true;
        break;
      case '--pr': {
        const text = value();
        if (!/^[1-9][0-9]{0,8}$/.test(text))
          throw new Error(`--pr expects a pull request number, got ${JSON.stringify(text.slice(0, 40))}\n\n${USAGE}`);
        pr = Number(text);
        break;
      }
      default:
        throw new Error(`unknown argument ${JSON.stringify(flag)}\n\n${USAGE}`);
    }
  }
  if (eventFile !== undefined) {
    options.event = { name: eventName ?? 'pull_request', payload: JSON.parse(await readFile(eventFile, 'utf8')) };
  } else if (eventName !== undefined) {
    options.event = { name: eventName, payload: {} };
  }
  options.workspace = path.resolve(workspace);
  if (!existsSync(options.workspace) || !statSync(options.workspace).isDirectory())
    throw new Error(`--workspace ${JSON.stringify(workspace)} is not a directory\n\n${USAGE}`);
  if (pr !== undefined && !standIn) throw new Error(`--pr is for --github-standin\n\n${USAGE}`);
  if (standIn && (env['GITHUB_API_URL'] || env['GITHUB_TOKEN']))
    throw new Error(
      `--github-standin gives its own GITHUB_API_URL and GITHUB_TOKEN: leave out --env ${env['GITHUB_API_URL'] ? 'GITHUB_API_URL' : 'GITHUB_TOKEN'}\n\n${USAGE}`,
    );
  return {
    action,
    options,
    summaryFile: path.resolve(summaryFile),
    ...(standIn ? { githubStandIn: { pr: pr ?? 1 } } : {}),
  };
}

/** The usage message with the action's own inputs, for a mistake in them. */
export function actionUsage(metadata: ActionMetadata): string {
  const lines = Object.entries(metadata.inputs).map(([name, spec]) => {
    const tags = [
      spec.required && spec.default === undefined ? 'required' : '',
      spec.default ? `default ${JSON.stringify(String(spec.default))}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `  ${name}${tags ? ` (${tags})` : ''}`;
  });
  return `${USAGE}\n\nInputs of ${metadata.name}:\n${lines.join('\n')}`;
}

/** Problems with the inputs and environment given, found before the action starts (empty: none). */
export function argumentProblems(metadata: ActionMetadata, options: ParsedArguments['options']): string[] {
  const problems: string[] = [];
  const inputs = options.inputs ?? {};
  for (const name of Object.keys(inputs))
    if (!Object.hasOwn(metadata.inputs, name)) problems.push(`action '${metadata.name}' has no input '${name}'`);
  const env = options.env ?? {};
  const tokenInputs = Object.keys(metadata.inputs).filter((name) => /token$/.test(name) && inputs[name]);
  const hasToken = Boolean(env['GITHUB_TOKEN']) || tokenInputs.some((name) => name === 'github-token');
  if (hasToken && !env['GITHUB_API_URL'])
    problems.push(
      `a GitHub token was given (${env['GITHUB_TOKEN'] ? '--env GITHUB_TOKEN' : '--input github-token'}) but no API URL: add --env GITHUB_API_URL=https://api.github.com (or your GitHub Enterprise https://HOST/api/v3), or leave the token out to report to the job summary only`,
    );
  return problems;
}

function assign(target: Record<string, string>, pair: string, flag: string): void {
  const at = pair.indexOf('=');
  if (at <= 0) throw new Error(`${flag} expects name=value, got ${JSON.stringify(pair)}`);
  target[pair.slice(0, at)] = pair.slice(at + 1);
}

/** The repository root: the nearest ancestor of this file holding actions/ and bundle/. */
export function repositoryRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'actions')) && existsSync(path.join(dir, 'bundle'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the Gauntlet repository root (actions/ and bundle/)');
  }
}

const NO_SHA = '0'.repeat(40);

/** The workspace's HEAD commit (argv, no shell), or zeros outside a git repository. */
async function headCommit(workspace: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('git', ['-C', workspace, 'rev-parse', 'HEAD'], { timeout: 10_000 });
    const sha = stdout.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : NO_SHA;
  } catch {
    return NO_SHA;
  }
}

interface StandInSession {
  readonly standIn: StandInForCli;
  readonly pr: number;
  readonly headSha: string;
}

/** Starts the stand-in, seeds the pull request and points the run at it (env, and a pull_request event if none). */
async function startStandIn(
  parsed: ParsedArguments,
  start: NonNullable<CliDeps['startGitHubStandIn']>,
): Promise<StandInSession> {
  const env = (parsed.options.env ??= {});
  const [owner = 'local', repo = 'project'] = /^[\w.-]+\/[\w.-]+$/.test(env['GITHUB_REPOSITORY'] ?? '')
    ? env['GITHUB_REPOSITORY']!.split('/')
    : [];
  const given = parsed.options.event?.payload as
    { number?: unknown; pull_request?: { number?: unknown; head?: { sha?: unknown } } } | undefined;
  const givenNumber = Number(given?.pull_request?.number ?? given?.number);
  const pr = Number.isInteger(givenNumber) && givenNumber > 0 ? givenNumber : parsed.githubStandIn!.pr;
  const givenSha = given?.pull_request?.head?.sha;
  const headSha =
    typeof givenSha === 'string' && /^[0-9a-f]{40}$/.test(givenSha)
      ? givenSha
      : await headCommit(parsed.options.workspace ?? process.cwd());
  const standIn = await start({ owner, repo });
  standIn.seedPull(pr, { headSha });
  Object.assign(env, {
    GITHUB_API_URL: standIn.url,
    GITHUB_TOKEN: standIn.token,
    GITHUB_REPOSITORY: `${owner}/${repo}`,
  });
  parsed.options.event ??= {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: pr,
      pull_request: {
        number: pr,
        state: 'open',
        head: { sha: headSha, ref: 'local', repo: { full_name: `${owner}/${repo}` } },
        base: { ref: 'main', repo: { full_name: `${owner}/${repo}` } },
        labels: [],
      },
      repository: { id: standIn.repoId, full_name: `${owner}/${repo}`, default_branch: 'main' },
    },
  };
  process.stderr.write(
    `GitHub API stand-in at ${standIn.url}, pull request #${pr} of ${owner}/${repo} (head ${headSha.slice(0, 12)})\n`,
  );
  return { standIn, pr, headSha };
}

/** Writes what the stand-in received beside the summary, and says where (the comment a PR would show, the checks). */
async function writeStandInReport(session: StandInSession, summaryFile: string): Promise<void> {
  const dir = path.dirname(summaryFile);
  const { store, violations } = session.standIn;
  const comments = store.comments.filter((c) => c.issue_url.endsWith(`/issues/${session.pr}`));
  const commentFile = path.join(dir, 'comment.md');
  const checksFile = path.join(dir, 'check-runs.json');
  await writeFile(commentFile, comments.length === 0 ? '' : comments.map((c) => c.body ?? '').join('\n\n---\n\n'));
  const checks = store.checkRuns.map((c) => ({
    name: c.name,
    head_sha: c.head_sha,
    status: c.status,
    conclusion: c.conclusion,
    title: c.output?.title ?? null,
    summary: c.output?.summary ?? null,
  }));
  await writeFile(checksFile, `${JSON.stringify(checks, null, 2)}\n`);
  process.stderr.write(
    `PR comment (${comments.length === 0 ? 'none posted' : `${comments.length} comment${comments.length === 1 ? '' : 's'}`}): ${commentFile}\n`,
  );
  process.stderr.write(`check runs (${checks.length}): ${checksFile}\n`);
  for (const c of checks) process.stderr.write(`  ${c.name}: ${c.status}${c.conclusion ? `, ${c.conclusion}` : ''}\n`);
  // The stand-in checks every request against GitHub's OpenAPI description: a violation is a bug to report.
  for (const v of violations) process.stderr.write(`GitHub API stand-in: request broke GitHub's schema: ${v}\n`);
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  let parsed: ParsedArguments;
  try {
    parsed = await parseArguments(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const actionDir = parsed.options.actionDir ?? path.join(repositoryRoot(), 'actions', parsed.action);
  if (!existsSync(path.join(actionDir, 'action.yml'))) {
    process.stderr.write(`no action '${parsed.action}' (looked for ${actionDir}/action.yml)\n`);
    return 2;
  }
  let metadata: ActionMetadata;
  try {
    metadata = await readActionMetadata(actionDir);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const problems = argumentProblems(metadata, parsed.options);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n\n${actionUsage(metadata)}\n`);
    return 2;
  }
  if (parsed.githubStandIn && !deps.startGitHubStandIn) {
    process.stderr.write(
      '--github-standin needs the development workspace (the stand-in is not part of the bundle): run pnpm install, then pnpm gauntlet:dev run <action> --github-standin …\n',
    );
    return 2;
  }
  const session = parsed.githubStandIn ? await startStandIn(parsed, deps.startGitHubStandIn!) : undefined;
  try {
    const result = await runActionLocally({
      ...parsed.options,
      actionDir,
      onLine: (line) => process.stdout.write(`${line}\n`),
    });
    // The actions point at "the job summary" for their full report: keep it where the user can open it.
    await mkdir(path.dirname(parsed.summaryFile), { recursive: true });
    await writeFile(parsed.summaryFile, result.summary);
    process.stdout.write(`${JSON.stringify({ conclusion: result.conclusion, outputs: result.outputs }, null, 2)}\n`);
    process.stderr.write(`job summary: ${parsed.summaryFile}\n`);
    if (session) await writeStandInReport(session, parsed.summaryFile);
    return result.main.exitCode ?? 1;
  } finally {
    await session?.standIn.close();
  }
}
