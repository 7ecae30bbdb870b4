// Child processes that must outlive the CLI call that started them (`env:up` returns, the servers stay),
// and must be found and stopped again by a later `env:down`, possibly from a different process.
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, readFileSync, readlinkSync } from 'node:fs';
import { sleep } from './progress.js';

export interface DaemonSpec {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a detached process in its own process group (setsid), with output to `logFile`.
 * Its own group lets `down` kill it and anything it spawned with one signal, and keeps Ctrl-C
 * in the terminal that ran `env:up` from reaching it.
 */
export function spawnDaemon(spec: DaemonSpec): number {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`failed to start ${spec.command}`);
    child.on('error', () => {}); // reported through the health check and the log file instead
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `pid` is alive and (if given) its executable's basename is `expectedExe`.
 * The name check protects against pid reuse after a crash: a stale state file must never make us
 * adopt or kill an unrelated process.
 */
export function isProcessAlive(pid: number | undefined, expectedExe?: string): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    return false;
  }
  if (!expectedExe) return true;
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    return exe.endsWith(`/${expectedExe}`);
  } catch {
    return false;
  }
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL it. Safe on already-dead pids. */
export async function killProcessGroup(pid: number | undefined, expectedExe?: string, graceMs = 5_000): Promise<void> {
  if (!pid || !isProcessAlive(pid, expectedExe)) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig); // the whole group (spawnDaemon made it a group leader)
    } catch {
      try {
        process.kill(pid, sig); // not a group leader (e.g. a process started by another tool)
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isProcessAlive(pid); i++) await sleep(100);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, never throwing on a non-zero exit (callers decide what failure means). */
export function runCommand(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          // Spawn failures and timeouts have no stderr of their own; report the error message instead.
          stderr: String(stderr) || (error ? error.message : ''),
        });
      },
    );
  });
}

/** Like runCommand but throws with the command's stderr when it fails. */
export async function runChecked(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  const r = await runCommand(command, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-4000)}`,
    );
  }
  return r.stdout;
}
