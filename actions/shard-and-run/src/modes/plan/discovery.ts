/**
 * Test discovery, three ways: file globs; the runner's own listing (vitest/jest list, pytest --collect-only,
 * playwright --list, go test -list, rspec --dry-run, or any command printing one file per line); or the tests of a previous JUnit
 * report. Each returns canonical test ids (@gauntlet/sharding), so the order and spelling of what was found never
 * changes the plan.
 */
import { spawn } from 'node:child_process';
import { glob, readFile, stat } from 'node:fs/promises';
import { isInside, neutralize, UserError, type Logger } from '@gauntlet/action-kit';
import { canonicalTests, junitTests, testId, testKey, type TestId } from '@gauntlet/sharding';
import { expandCommand, parseCommandTemplate, RUNNERS, type RunnerName } from '@gauntlet/test-runners';
import { readJUnit } from '../../junit-read.js';

export interface DiscoveryOptions {
  readonly method: 'globs' | 'runner' | 'junit';
  readonly cwd: string;
  readonly runner: RunnerName;
  readonly globs?: readonly string[];
  readonly listCommand?: string;
  readonly junitFile?: string;
  readonly logger: Logger;
  /** Listing command timeout (default 10 min). */
  readonly timeoutMs?: number;
}

const MAX_LISTING_BYTES = 64 * 1024 * 1024;
const MAX_JUNIT_BYTES = 64 * 1024 * 1024;

/** Globs relative to cwd; node_modules and .git are never test files. Results are files only. */
export async function discoverByGlobs(cwd: string, patterns: readonly string[]): Promise<TestId[]> {
  const found: string[] = [];
  const excluded = (name: string): boolean => /(^|\/)(node_modules|\.git)(\/|$)/.test(name.replace(/\\/g, '/'));
  for await (const entry of glob([...patterns], {
    cwd,
    withFileTypes: true,
    exclude: (e) => excluded(typeof e === 'string' ? e : e.name),
  })) {
    if (!entry.isFile()) continue;
    const full = `${entry.parentPath}/${entry.name}`;
    const rel = full.startsWith(`${cwd}/`) ? full.slice(cwd.length + 1) : full;
    // A directory inside may be a symlink to outside: such matches are no test files of this repository.
    if (!excluded(rel) && isInside(cwd, full)) found.push(rel);
  }
  return canonicalTests(found.map((f) => testId(f)));
}

/** Runs a listing command without a shell and returns its stdout (stderr goes to the log, neutralised). */
export function captureCommand(
  command: string,
  cwd: string,
  logger: Logger,
  timeoutMs: number,
): Promise<{ stdout: string; exitCode: number | null }> {
  const { file, args } = expandCommand(parseCommandTemplate(command), {});
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_LISTING_BYTES) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    let errTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errTail = (errTail + chunk.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new UserError(`could not start the listing command ${JSON.stringify(file)}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (errTail.trim()) logger.debug(neutralize(errTail));
      if (overflow) reject(new UserError(`the listing command printed more than ${MAX_LISTING_BYTES} bytes`));
      else resolve({ stdout: Buffer.concat(chunks).toString('utf8'), exitCode: code });
    });
  });
}

/** What discovery found: canonical ids, and the runner's selectors of tests it can select only by them (RSpec). */
export interface Discovered {
  readonly tests: TestId[];
  /** By test key; empty unless the runner's listing gave selectors. */
  readonly selectors: ReadonlyMap<string, string>;
}

export async function discoverByRunner(options: DiscoveryOptions): Promise<Discovered> {
  const adapter = RUNNERS[options.runner];
  const command = options.listCommand ?? adapter.listCommand;
  if (!command) throw new UserError(`the ${options.runner} runner has no listing command; set list-command`);
  const { stdout, exitCode } = await captureCommand(command, options.cwd, options.logger, options.timeoutMs ?? 600_000);
  if (exitCode !== 0) {
    throw new UserError(`the listing command exited with code ${String(exitCode)}; fix it or discover tests by globs`);
  }
  const listed = adapter.parseListing(stdout, options.cwd);
  const selectors = new Map<string, string>();
  for (const t of listed) if (t.selector !== undefined) selectors.set(testKey(testId(t.file, t.name)), t.selector);
  return { tests: canonicalTests(listed.map((t) => testId(t.file, t.name))), selectors };
}

export async function discoverByJUnit(file: string, cwd: string): Promise<TestId[]> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_JUNIT_BYTES)
      throw new UserError(`the discovery JUnit file is larger than ${MAX_JUNIT_BYTES} bytes`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read the discovery JUnit file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return junitTests(readJUnit(text, cwd));
}

export async function discoverTests(options: DiscoveryOptions): Promise<Discovered> {
  switch (options.method) {
    case 'globs':
      return { tests: await discoverByGlobs(options.cwd, options.globs ?? []), selectors: new Map() };
    case 'runner':
      return discoverByRunner(options);
    case 'junit':
      return { tests: await discoverByJUnit(options.junitFile ?? '', options.cwd), selectors: new Map() };
  }
}
