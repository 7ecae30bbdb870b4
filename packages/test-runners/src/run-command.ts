import { spawn } from 'node:child_process';
import { neutralize, type Logger } from '@gauntlet/action-kit';

/**
 * Runs one test command: no shell, its own process group (so a cancel kills the whole tree, not just npx), every
 * output line neutralised before it reaches the log (test names and output are untrusted), and a heartbeat when
 * the runner is quiet so a long shard still shows progress at least every 10 s.
 */
export interface CommandRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  timedOut: boolean;
  /** The last lines of output, neutralised, for failure reports. */
  tail: string[];
}

export interface RunCommandOptions {
  file: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  timeoutMs?: number;
  signal?: AbortSignal;
  heartbeatMs?: number;
  label?: string;
  tailLines?: number;
}

export function runCommand(options: RunCommandOptions): Promise<CommandRun> {
  const started = Date.now();
  const tailSize = options.tailLines ?? 50;
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(options.file, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    let lastOutput = Date.now();
    let timedOut = false;
    const killTree = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const onAbort = (): void => {
      killTree('SIGTERM');
      setTimeout(() => killTree('SIGKILL'), 2_000).unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            options.logger.warning(`${options.label ?? options.file} exceeded its timeout; stopping it`);
            onAbort();
          }, options.timeoutMs);
    const heartbeat = setInterval(() => {
      if (Date.now() - lastOutput >= (options.heartbeatMs ?? 10_000) - 50) {
        options.logger.info(
          `${options.label ?? 'tests'} still running (${Math.round((Date.now() - started) / 1000)} s)`,
        );
        lastOutput = Date.now();
      }
    }, options.heartbeatMs ?? 10_000);
    const pending = { out: '', err: '' };
    const take = (stream: 'out' | 'err', chunk: Buffer): void => {
      lastOutput = Date.now();
      const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    const emit = (line: string): void => {
      const safe = neutralize(line.replace(/\r$/, ''));
      options.logger.info(safe);
      tail.push(safe);
      if (tail.length > tailSize) tail.shift();
    };
    child.stdout.on('data', (chunk: Buffer) => take('out', chunk));
    child.stderr.on('data', (chunk: Buffer) => take('err', chunk));
    child.on('error', (error) => {
      cleanup();
      reject(new Error(`could not start ${options.file}: ${error.message}`));
    });
    const cleanup = (): void => {
      clearInterval(heartbeat);
      if (timeout) clearTimeout(timeout);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('close', (code, signal) => {
      cleanup();
      for (const stream of ['out', 'err'] as const) if (pending[stream] !== '') emit(pending[stream]);
      resolve({ exitCode: code, signal, durationMs: Date.now() - started, timedOut, tail });
    });
  });
}
