import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '@gauntlet/action-kit';
import { readActionMetadata, type ActionMetadata } from './action-metadata.js';
import { runActionLocally, type RunOptions } from './run-action.js';

const USAGE = `Usage: gauntlet run <action> [--input name=value]... [--event file.json] [--event-name name]
                    [--env NAME=value]... [--cancel-after 30s] [--no-post] [--action-dir dir]
                    [--workspace dir] [--summary file]

--workspace   the project the action works on (GITHUB_WORKSPACE; default: the current directory)
--summary     where the job summary is written (default: gauntlet-run/summary.md in the current directory)
A token (--env GITHUB_TOKEN=… or a token input) needs --env GITHUB_API_URL=… (https://api.github.com on github.com).

Runs an action's bundle exactly as the GitHub runner does (INPUT_* variables, GITHUB_OUTPUT/STATE/STEP_SUMMARY
files, the post step with saved state) and prints its outputs as JSON. For GitLab CI, Jenkins and laptops.
Actions: provision-ephemeral-env, shard-and-run, chaos-gate, slo-check (those present in actions/).`;

export interface ParsedArguments {
  action: string;
  options: Omit<RunOptions, 'actionDir'> & { actionDir?: string };
  /** Where the job summary is written (resolved against the current directory). */
  summaryFile: string;
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
  return { action, options, summaryFile: path.resolve(summaryFile) };
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

export async function main(argv: string[]): Promise<number> {
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
  return result.main.exitCode ?? 1;
}
