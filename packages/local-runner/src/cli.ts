import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '@gauntlet/action-kit';
import { runActionLocally, type RunOptions } from './run-action.js';

const USAGE = `Usage: gauntlet run <action> [--input name=value]... [--event file.json] [--event-name name]
                    [--env NAME=value]... [--cancel-after 30s] [--no-post] [--action-dir dir]

Runs an action's bundle exactly as the GitHub runner does (INPUT_* variables, GITHUB_OUTPUT/STATE/STEP_SUMMARY
files, the post step with saved state) and prints its outputs as JSON. For GitLab CI, Jenkins and laptops.
Actions: provision-ephemeral-env, shard-and-run, chaos-gate, slo-check (those present in actions/).`;

export interface ParsedArguments {
  action: string;
  options: Omit<RunOptions, 'actionDir'> & { actionDir?: string };
}

export async function parseArguments(argv: string[]): Promise<ParsedArguments> {
  const [command, action, ...rest] = argv;
  if (command !== 'run' || !action || action.startsWith('-')) throw new Error(USAGE);
  const inputs: Record<string, string> = {};
  const env: Record<string, string> = {};
  const options: ParsedArguments['options'] = { inputs, env };
  let eventFile: string | undefined;
  let eventName: string | undefined;
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
      default:
        throw new Error(`unknown argument ${JSON.stringify(flag)}\n\n${USAGE}`);
    }
  }
  if (eventFile !== undefined) {
    options.event = { name: eventName ?? 'pull_request', payload: JSON.parse(await readFile(eventFile, 'utf8')) };
  } else if (eventName !== undefined) {
    options.event = { name: eventName, payload: {} };
  }
  return { action, options };
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
  const result = await runActionLocally({
    ...parsed.options,
    actionDir,
    onLine: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ conclusion: result.conclusion, outputs: result.outputs }, null, 2)}\n`);
  return result.main.exitCode ?? 1;
}
