/**
 * Runs one act invocation: spawns the binary with exactly the environment given (nothing of the test process leaks
 * into the jobs: act passes its own environment through to every host-mode step), keeps its JSON log in a file, folds
 * it into job records, and prints a progress line at least every 10 s.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { ActLog, type JobRecord } from './act-log.js';

export type ProgressLog = (line: string) => void;

export const stderrProgress: ProgressLog = (line) =>
  process.stderr.write(`[act ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export interface ActProcessResult {
  readonly exitCode: number;
  readonly jobs: readonly JobRecord[];
  /** act's own lines outside any job (start-up, "Error: Job 'x' failed"). */
  readonly general: readonly string[];
  readonly logFile: string;
  readonly seconds: number;
}

/** A free loopback port for act's artifact server (which cannot pick one itself). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function describeLeg(job: { id: string; matrix: Readonly<Record<string, unknown>> }): string {
  const values = Object.values(job.matrix);
  return values.length === 0 ? job.id : `${job.id} (${values.map(String).join(', ')})`;
}

export async function runActProcess(options: {
  readonly act: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFile: string;
  readonly label: string;
  /** Job ids the workflow declares: those act never started are reported as skipped. */
  readonly declaredJobs: readonly string[];
  readonly progress: ProgressLog;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}): Promise<ActProcessResult> {
  const started = Date.now();
  const log = new ActLog();
  const file = createWriteStream(options.logFile);
  const finished = new Set<string>();
  const child = spawn(options.act, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        // act starts node and shell processes for steps: stop the whole group it leads.
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  };
  const timeout = setTimeout(() => {
    options.progress(`${options.label}: no end after ${Math.round(options.timeoutMs / 1000)} s; stopping act`);
    kill();
  }, options.timeoutMs);
  options.signal?.addEventListener('abort', kill, { once: true });

  const onLines = (stream: NodeJS.ReadableStream, tag: string) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        file.write(tag === 'out' ? `${line}\n` : `${JSON.stringify({ stderr: line })}\n`);
        const entry = log.add(line);
        if (entry?.jobResult !== undefined && entry.jobID !== undefined) {
          const leg = describeLeg({ id: entry.jobID, matrix: entry.matrix ?? {} });
          finished.add(leg);
          options.progress(`${options.label}: job ${leg} ended (act says ${entry.jobResult})`);
        }
      }
    });
    stream.on('end', () => {
      if (pending !== '') log.add(pending);
    });
  };
  onLines(child.stdout, 'out');
  onLines(child.stderr, 'err');

  const ticker = setInterval(() => {
    const running = log
      .result()
      .map(describeLeg)
      .filter((leg) => !finished.has(leg));
    options.progress(
      `${options.label}: ${Math.round((Date.now() - started) / 1000)} s, ` +
        (running.length === 0 ? 'starting' : `running ${running.join(', ')}`),
    );
  }, 10_000);
  ticker.unref();

  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => {
    clearInterval(ticker);
    clearTimeout(timeout);
    options.signal?.removeEventListener('abort', kill);
  });
  await new Promise<void>((resolve) => file.end(resolve));
  const seconds = (Date.now() - started) / 1000;
  options.progress(`${options.label}: act exited ${exitCode} after ${seconds.toFixed(1)} s (log ${options.logFile})`);
  return { exitCode, jobs: log.result(options.declaredJobs), general: log.general, logFile: options.logFile, seconds };
}
