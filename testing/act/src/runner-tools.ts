/**
 * What a hosted runner image has and this machine lacks, set up the way the image has it:
 * - Node 24 in the tool cache (`<tool cache>/node/<version>/x64/bin` with its `x64.complete` marker, the layout of
 *   @actions/tool-cache), for setup-node, and first on PATH: act runs `node24` actions on whatever `node` comes
 *   first, silently, and on Node 20 shard-and-run crashes. npm and npx there run on that Node.
 * - A Python of its own (a virtual environment): `pip install` in a job must not change the machine's Python.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RunnerTools {
  readonly nodeVersion: string;
  /** The bin folder of the harness's Node (node, npm, npx), first on every job's PATH. */
  readonly nodeBin: string;
  /** The Python virtual environment's bin folder. */
  readonly pythonBin: string;
  /** Puts Node into act's tool cache (act's is `<action cache>/tool_cache`). */
  fillToolCache(toolCacheDir: string): Promise<void>;
  /** PATH for act and its jobs. */
  path(): string;
}

/** npm's own CLI scripts, from whichever npm the machine has (npm runs on any Node it is started with). */
function findNpmCli(): { npm: string; npx: string } {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'npm');
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    const binDir =
      path.basename(real) === 'npm-cli.js'
        ? path.dirname(real)
        : path.join(real, '..', '..', 'lib', 'node_modules', 'npm', 'bin');
    const npm = path.join(binDir, 'npm-cli.js');
    const npx = path.join(binDir, 'npx-cli.js');
    if (existsSync(npm) && existsSync(npx)) return { npm, npx };
  }
  throw new Error('no npm on PATH: the act harness needs npm (any version) for npm ci in the examples');
}

async function wrapper(file: string, node: string, script: string): Promise<void> {
  await writeFile(file, `#!/bin/sh\nexec "${node}" "${script}" "$@"\n`);
  await chmod(file, 0o755);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock folder; false when another process holds it. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await writeFile(path.join(lock, 'pid'), String(process.pid));
  return true;
}

function lockHolder(lock: string): number {
  try {
    return Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return Number.NaN; // the holder has made the folder and not yet written its pid
  }
}

/**
 * Runs `work` holding `<dir>/.prepare.lock`: act test files run in parallel (vitest's act project), and two
 * processes creating one venv at once corrupt it. A lock whose holder died is taken over.
 */
async function whileLocked<T>(dir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, '.prepare.lock');
  const deadline = Date.now() + 10 * 60_000;
  while (!(await takeLock(lock))) {
    const holder = lockHolder(lock);
    if (Number.isInteger(holder) && !alive(holder)) await rm(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${lock} held for 10 minutes (by pid ${holder})`);
    else await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Prepares Node and Python under `dir` (kept between runs: the venv's packages are the pip cache of a warm runner). */
export async function prepareRunnerTools(dir: string): Promise<RunnerTools> {
  const nodeVersion = process.versions.node;
  if (Number(nodeVersion.split('.')[0]) !== 24)
    throw new Error(`the act harness must run on Node 24 (it gives its Node to the jobs), not ${nodeVersion}`);
  return whileLocked(dir, () => prepare(dir, nodeVersion));
}

async function prepare(dir: string, nodeVersion: string): Promise<RunnerTools> {
  const nodeHome = path.join(dir, `node-${nodeVersion}`);
  const nodeBin = path.join(nodeHome, 'bin');
  if (!existsSync(path.join(nodeBin, 'npx'))) {
    await mkdir(nodeBin, { recursive: true });
    const node = path.join(nodeBin, 'node');
    if (!existsSync(node)) await symlink(process.execPath, node);
    const cli = findNpmCli();
    await wrapper(path.join(nodeBin, 'npm'), node, cli.npm);
    await wrapper(path.join(nodeBin, 'npx'), node, cli.npx);
  }

  const venv = path.join(dir, 'python-venv');
  const pythonBin = path.join(venv, 'bin');
  if (!existsSync(path.join(pythonBin, 'pip'))) {
    await run('python3', ['-m', 'venv', venv]).catch((error: unknown) => {
      throw new Error(
        `python3 -m venv failed (install python3-venv): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  return {
    nodeVersion,
    nodeBin,
    pythonBin,
    async fillToolCache(toolCacheDir) {
      const versionDir = path.join(toolCacheDir, 'node', nodeVersion);
      await mkdir(versionDir, { recursive: true });
      if (!existsSync(path.join(versionDir, 'x64'))) await symlink(nodeHome, path.join(versionDir, 'x64'));
      await writeFile(path.join(versionDir, 'x64.complete'), '');
    },
    path() {
      return [nodeBin, pythonBin, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(
        path.delimiter,
      );
    },
  };
}
