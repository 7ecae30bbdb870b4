/**
 * Memory bounds as tests, without timing anything: run a script in a child Node with a capped heap
 * (--max-old-space-size). If the code under test is not bounded, V8 aborts the child with "heap out of memory" and
 * the test fails; if it is, the child exits 0. The child also reports its peak RSS, for benchmarks and notes.
 *
 * The script is TypeScript run with tsx; it imports the code under test by absolute path (use `moduleUrl`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../../../..');

export interface HeapLimitedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the child, in MiB (from process.resourceUsage at exit), when it exited normally. */
  peakRssMiB?: number;
  /** True when V8 gave up for lack of heap. */
  outOfMemory: boolean;
}

/** A file:// URL for a module of this repository, from a path relative to the repository root. */
export function moduleUrl(relative: string): string {
  return pathToFileURL(path.join(REPOSITORY_ROOT, relative)).href;
}

export async function runWithHeapLimit(options: { heapMiB: number; script: string }): Promise<HeapLimitedRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heap-limit-'));
  const file = path.join(dir, 'script.ts');
  const report = `\nprocess.on('exit', () => process.stderr.write('\\npeak-rss-kib=' + process.resourceUsage().maxRSS + '\\n'));\n`;
  await writeFile(file, report + options.script);
  try {
    return await new Promise<HeapLimitedRun>((resolve, reject) => {
      const child = spawn(process.execPath, [`--max-old-space-size=${options.heapMiB}`, '--import', 'tsx', file], {
        cwd: REPOSITORY_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exitCode, signal) => {
        const kib = /peak-rss-kib=(\d+)/.exec(stderr)?.[1];
        resolve({
          exitCode,
          signal,
          stdout,
          stderr,
          ...(kib === undefined ? {} : { peakRssMiB: Math.round(Number(kib) / 1024) }),
          outOfMemory: /heap out of memory|Allocation failed/i.test(stderr),
        });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
