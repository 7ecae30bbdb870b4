import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readActionMetadata, inputEnvironment, type ActionMetadata } from './action-metadata.js';
import { readKeyValueFile } from './file-commands.js';
import { StringDecoder } from 'node:string_decoder';
import { CommandProcessor, LineSplitter, type WorkflowCommand } from './workflow-commands.js';

/**
 * Runs an action's bundled entry points the way the GitHub runner does: INPUT_* from action.yml defaults and the
 * caller's values; GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY and GITHUB_EVENT_PATH files; the main step,
 * then the post step (per post-if) with the saved state as STATE_* variables; and, on demand, the runner's
 * cancellation sequence (SIGINT, 7.5 s, SIGTERM, 2.5 s, SIGKILL).
 */
export interface RunOptions {
  /** Folder of the action (holding action.yml), e.g. actions/slo-check. */
  actionDir: string;
  inputs?: Record<string, string>;
  /** The webhook payload for GITHUB_EVENT_PATH, and its name. */
  event?: { name: string; payload: unknown };
  /** Extra environment (GITHUB_API_URL, GITHUB_REPOSITORY, tokens …). Masks and secrets are the action's job. */
  env?: Record<string, string>;
  /** Start the cancellation sequence this long after the main step starts. */
  cancelAfterMs?: number;
  /**
   * Start the cancellation sequence (cancelAfterMs later, default 0) only once this turns true, polled every 200 ms:
   * a test that kills a step at a point it can observe (an object created) rather than at a fixed time, which a
   * loaded machine can reach before or after that point.
   */
  cancelWhen?: () => Promise<boolean>;
  /** The gaps of the cancellation sequence; the runner's are 7,500 ms and 2,500 ms. */
  signalScheduleMs?: { sigintToSigterm: number; sigtermToSigkill: number };
  /**
   * Where the cancellation sequence starts: SIGINT (the runner's cancel, the default), SIGTERM (a runner that is
   * shutting down: SIGTERM, then SIGKILL after sigtermToSigkill) or SIGKILL (a lost runner: nothing else is sent).
   */
  cancelWith?: 'SIGINT' | 'SIGTERM' | 'SIGKILL';
  /** Skip the post step even if action.yml has one. */
  skipPost?: boolean;
  /** Each processed log line, as the runner would show it (masked). */
  onLine?: (line: string, step: 'main' | 'post') => void;
  /** Keep the runner's temp directory (for debugging); it is deleted otherwise. */
  keepTemp?: boolean;
  /** Where the action runs; defaults to a fresh temp workspace. */
  workspace?: string;
  /**
   * RUNNER_NAME (and runner.name), which every GitHub runner sets: the jobs API names the runner of each job so, and
   * actions find their own job by it. Unset by default, so an action asks the jobs API about its job only in a test
   * that seeds one (the caller's own RUNNER_NAME never leaks in).
   */
  runnerName?: string;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Signals we sent, in order. */
  signalsSent: NodeJS.Signals[];
  /** Raw stdout+stderr, unmasked, for leak scanners. */
  rawOutput: string;
  /** The log as the runner would show it: masked, commands applied. */
  log: string[];
  commands: WorkflowCommand[];
}

export interface RunResult {
  metadata: ActionMetadata;
  main: StepResult;
  post?: StepResult;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Conclusion as the runner would record it for the main step. */
  conclusion: 'success' | 'failure' | 'cancelled';
}

export const RUNNER_SIGNAL_SCHEDULE = { sigintToSigterm: 7_500, sigtermToSigkill: 2_500 };

export async function runActionLocally(options: RunOptions): Promise<RunResult> {
  const metadata = await readActionMetadata(options.actionDir);
  const temp = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-runner-'));
  try {
    const files = {
      output: path.join(temp, 'output'),
      state: path.join(temp, 'state'),
      summary: path.join(temp, 'summary.md'),
      event: path.join(temp, 'event.json'),
    };
    const workspace = options.workspace ?? path.join(temp, 'workspace');
    await mkdir(workspace, { recursive: true });
    await mkdir(path.join(temp, 'runner-temp'), { recursive: true });
    await Promise.all([writeFile(files.output, ''), writeFile(files.state, ''), writeFile(files.summary, '')]);
    await writeFile(files.event, JSON.stringify(options.event?.payload ?? {}));
    const baseEnv: Record<string, string> = {
      ...stripRunnerEnv(process.env),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: metadata.name,
      GITHUB_EVENT_NAME: options.event?.name ?? 'workflow_dispatch',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: path.join(temp, 'runner-temp'),
      RUNNER_OS: 'Linux',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'local/gauntlet',
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: '0000000000000000000000000000000000000000',
      GITHUB_REF: 'refs/heads/main',
      ...(options.runnerName === undefined ? {} : { RUNNER_NAME: options.runnerName }),
      ...options.env,
    };
    Object.assign(
      baseEnv,
      inputEnvironment(metadata, options.inputs ?? {}, githubContext(baseEnv, options.event?.payload)),
    );
    const processor = new CommandProcessor();
    const main = await runStep(
      path.join(options.actionDir, metadata.runs.main),
      baseEnv,
      workspace,
      processor,
      (line) => options.onLine?.(line, 'main'),
      options.cancelWhen === undefined ? options.cancelAfterMs : (options.cancelAfterMs ?? 0),
      options.signalScheduleMs ?? RUNNER_SIGNAL_SCHEDULE,
      options.cancelWith,
      options.cancelWhen,
    );
    const cancelled = main.signalsSent.length > 0;
    const conclusion = cancelled ? 'cancelled' : main.exitCode === 0 ? 'success' : 'failure';
    const state = await readKeyValueFile(files.state);
    let post: StepResult | undefined;
    if (metadata.runs.post && !options.skipPost && postShouldRun(metadata.runs['post-if'], conclusion)) {
      const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
      post = await runStep(
        path.join(options.actionDir, metadata.runs.post),
        { ...baseEnv, ...stateEnv },
        workspace,
        processor,
        (line) => options.onLine?.(line, 'post'),
        undefined,
        RUNNER_SIGNAL_SCHEDULE,
      );
    }
    const result: RunResult = {
      metadata,
      main,
      outputs: await readKeyValueFile(files.output),
      state,
      summary: await readFile(files.summary, 'utf8'),
      conclusion,
    };
    if (post) result.post = post;
    return result;
  } finally {
    if (!options.keepTemp) await rm(temp, { recursive: true, force: true });
  }
}

/** The `github` and `runner` contexts, as far as action.yml defaults read them. */
function githubContext(env: Record<string, string>, payload: unknown): Record<string, unknown> {
  return {
    github: {
      token: env.GITHUB_TOKEN ?? '',
      event: payload ?? {},
      event_name: env.GITHUB_EVENT_NAME,
      repository: env.GITHUB_REPOSITORY,
      repository_owner: env.GITHUB_REPOSITORY?.split('/')[0],
      sha: env.GITHUB_SHA,
      ref: env.GITHUB_REF,
      run_id: env.GITHUB_RUN_ID,
      run_attempt: env.GITHUB_RUN_ATTEMPT,
      api_url: env.GITHUB_API_URL,
      server_url: env.GITHUB_SERVER_URL,
      workspace: env.GITHUB_WORKSPACE,
    },
    runner: { temp: env.RUNNER_TEMP, os: env.RUNNER_OS, name: env.RUNNER_NAME },
  };
}

/** The runner's post-if: always() by default; success(), failure(), cancelled() and their negations. */
export function postShouldRun(condition: string | undefined, conclusion: RunResult['conclusion']): boolean {
  const expression = (condition ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  const table: Record<string, boolean> = {
    'always()': true,
    'success()': conclusion === 'success',
    'failure()': conclusion === 'failure',
    'cancelled()': conclusion === 'cancelled',
    '!cancelled()': conclusion !== 'cancelled',
  };
  const value = table[expression];
  if (value === undefined) throw new Error(`unsupported post-if expression: ${expression}`);
  return value;
}

/** The caller's own INPUT_/STATE_/GITHUB_ variables must not leak into the action's environment. */
function stripRunnerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(key)) continue;
    result[key] = value;
  }
  return result;
}

function runStep(
  entry: string,
  env: Record<string, string>,
  cwd: string,
  processor: CommandProcessor,
  onLine: (line: string) => void,
  cancelAfterMs: number | undefined,
  schedule: { sigintToSigterm: number; sigtermToSigkill: number },
  cancelWith: 'SIGINT' | 'SIGTERM' | 'SIGKILL' = 'SIGINT',
  cancelWhen?: () => Promise<boolean>,
): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const result: StepResult = { exitCode: null, signal: null, signalsSent: [], rawOutput: '', log: [], commands: [] };
    const commandsBefore = processor.commands.length;
    const timers: NodeJS.Timeout[] = [];
    const send = (signal: NodeJS.Signals): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      result.signalsSent.push(signal);
      child.kill(signal);
    };
    const startCancelling = (): void => {
      if (cancelAfterMs === undefined) return;
      const toSigterm = cancelWith === 'SIGINT' ? schedule.sigintToSigterm : 0;
      const toSigkill = cancelWith === 'SIGKILL' ? 0 : toSigterm + schedule.sigtermToSigkill;
      if (cancelWith === 'SIGINT') timers.push(setTimeout(() => send('SIGINT'), cancelAfterMs));
      if (cancelWith !== 'SIGKILL') timers.push(setTimeout(() => send('SIGTERM'), cancelAfterMs + toSigterm));
      timers.push(setTimeout(() => send('SIGKILL'), cancelAfterMs + toSigkill));
    };
    if (cancelWhen === undefined) startCancelling();
    else {
      const poll = (): void => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        cancelWhen().then(
          (ready) => (ready ? startCancelling() : timers.push(setTimeout(poll, 200))),
          () => timers.push(setTimeout(poll, 200)),
        );
      };
      poll();
    }
    // The runner reads each stream line by line (a lone \r ends a line too), decoding UTF-8 across chunk edges.
    const streams = {
      out: { decoder: new StringDecoder('utf8'), lines: new LineSplitter() },
      err: { decoder: new StringDecoder('utf8'), lines: new LineSplitter() },
    };
    const take = (stream: 'out' | 'err', chunk: Buffer): void => {
      const text = streams[stream].decoder.write(chunk);
      result.rawOutput += text;
      for (const line of streams[stream].lines.push(text)) emit(line);
    };
    const emit = (line: string): void => {
      const shown = processor.process(line);
      if (shown === '') return;
      result.log.push(shown);
      onLine(shown);
    };
    child.stdout.on('data', (chunk: Buffer) => take('out', chunk));
    child.stderr.on('data', (chunk: Buffer) => take('err', chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      for (const stream of ['out', 'err'] as const) {
        const rest = streams[stream].decoder.end();
        result.rawOutput += rest;
        for (const line of [...streams[stream].lines.push(rest), ...streams[stream].lines.end()]) emit(line);
      }
      result.exitCode = code;
      result.signal = signal;
      result.commands = processor.commands.slice(commandsBefore);
      resolve(result);
    });
  });
}
