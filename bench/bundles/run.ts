/**
 * Bundle size and start-up, as users pay them: every job downloads the repository at the action's ref, and every
 * step loads its entry. For each action: the bytes its main step loads (entry + the shared main chunk + the chunks
 * its code path imports, read from a real run), and the time from spawn to first output, as a ratio to `node -e 0`
 * on the same machine, median of N runs (default 15). Run: pnpm exec tsx bench/bundles/run.ts [runs]
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = Number(process.argv[2] ?? 15);

function timeToFirstOutput(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let first: bigint | undefined;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const mark = (): void => {
      first ??= process.hrtime.bigint();
    };
    child.stdout.on('data', mark);
    child.stderr.on('data', mark);
    child.on('error', reject);
    child.on('close', () => resolve(Number((first ?? process.hrtime.bigint()) - started) / 1e6));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sizeOf(dir: string): number {
  return readdirSync(dir).reduce((total, file) => total + statSync(path.join(dir, file)).size, 0);
}

const baselineEnv = { PATH: process.env.PATH ?? '' };
const baseline: number[] = [];
// node -e 0 prints nothing: its time to "first output" is its time to exit, the floor any step pays.
for (let i = 0; i < runs; i++) baseline.push(await timeToFirstOutput(['-e', '0'], baselineEnv));
const base = median(baseline);

const actions = readdirSync(path.join(root, 'actions'))
  .filter((name) => existsSync(path.join(root, 'actions', name, 'dist', 'index.js')))
  .sort();
const bundleBytes = sizeOf(path.join(root, 'bundle', 'dist'));
const rows: string[] = [];
for (const name of actions) {
  const entry = path.join(root, 'actions', name, 'dist', 'index.js');
  // No inputs: the step starts, parses inputs and fails with a clear message — the cost every step pays first.
  const env = { PATH: baselineEnv.PATH, GITHUB_OUTPUT: '/dev/null', GITHUB_STATE: '/dev/null' };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeToFirstOutput([entry], env));
  const own = sizeOf(path.join(root, 'actions', name, 'dist'));
  const t = median(times);
  rows.push(`| ${name} | ${(own / 1024).toFixed(1)} kB | ${t.toFixed(0)} ms | ${(t / base).toFixed(2)} |`);
}
const mainChunk = statSync(path.join(root, 'bundle', 'dist', 'index.js')).size;
console.log(`Node ${process.version}; ${runs} runs each; node -e 0: median ${base.toFixed(0)} ms`);
console.log(
  `Shared bundle (bundle/dist): ${(bundleBytes / 1024 / 1024).toFixed(2)} MB on disk in all; main chunk ${(mainChunk / 1024).toFixed(0)} kB\n`,
);
console.log('| action | own dist | start-up to first output (median) | ratio to node -e 0 |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
