import { spawn } from 'node:child_process';
import { neutralize } from '@gauntlet/action-kit';

export interface CommandOutcome {
  /** Exit code, or undefined when the process did not exit by itself (killed, failed to start). */
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  /** Why it could not start (ENOENT: the program is not there). */
  readonly startError?: string;
  /** The last line of stderr (or stdout), neutralised and cut to 200 characters: for the reason, never a command. */
  readonly lastLine: string;
  readonly durationMs: number;
}

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/** Output kept per stream: a chatty command must not grow the action's memory. */
const KEEP_BYTES = 16 * 1024;

/**
 * The environment a user's command sees: the runner's, without the action's own inputs (INPUT_* hold the
 * kubeconfig and tokens) and the runner's internal tokens (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*).
 */
export function commandEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (/^INPUT_/i.test(key) || /^ACTIONS_(RUNTIME|ID_TOKEN|CACHE|RESULTS)/i.test(key) || /^STATE_/i.test(key))
      continue;
    env[key] = value;
  }
  return env;
}

/**
 * Runs argv[0] with the rest as its arguments — never through a shell, so no word of it is ever interpreted —
 * in its own process group, killed (the whole group) at the timeout or on abort. Output is captured, not echoed:
 * what a command prints can never become a workflow command.
 */
export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandOutcome> {
  const started = Date.now();
  const [program, ...args] = argv;
  if (!program) throw new Error('runCommand: empty argv');
  return new Promise((resolve) => {
    const tails = { stdout: '', stderr: '' };
    let timedOut = false;
    let settled = false;
    const child = spawn(program, args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? commandEnv(),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      tails[stream] = (tails[stream] + chunk.toString('utf8')).slice(-KEEP_BYTES);
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: Partial<CommandOutcome>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const text = (tails.stderr.trim() || tails.stdout.trim()).split('\n').pop() ?? '';
      resolve({ timedOut, lastLine: neutralize(text).slice(0, 200), durationMs: Date.now() - started, ...outcome });
    };
    child.on('error', (error: NodeJS.ErrnoException) => finish({ startError: error.code ?? error.message }));
    child.on('close', (code, signal) => {
      finish({ ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}) });
    });
  });
}

/** `exit 3`, `killed by SIGKILL after the 5000 ms timeout`, `could not start (ENOENT)`: for reasons and the journal. */
export function describeOutcome(argv: readonly string[], outcome: CommandOutcome, timeoutMs: number): string {
  const program = neutralize(argv[0] ?? '').slice(0, 100);
  if (outcome.startError) return `${program} could not start (${outcome.startError})`;
  if (outcome.timedOut) return `${program} did not finish within ${timeoutMs} ms (killed)`;
  const end = outcome.exitCode !== undefined ? `exit ${outcome.exitCode}` : `killed by ${outcome.signal ?? 'a signal'}`;
  return `${program}: ${end}${outcome.lastLine ? ` (${outcome.lastLine})` : ''}`;
}
