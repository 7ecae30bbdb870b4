/**
 * The fixture repository the examples run in: a copy of fixtures/<name> made a git repository with GitHub's origin
 * URL (act takes github.repository from it), a `main` commit and a pull request branch one commit ahead. act copies
 * the work tree for actions/checkout, so whatever is checked out is what a job sees.
 */
import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface FixtureRepo {
  readonly dir: string;
  /** owner/repo, as the origin URL says. */
  readonly fullName: string;
  readonly mainSha: string;
  readonly prBranch: string;
  readonly prHeadSha: string;
  /** Checks out main or the pull request branch (the work tree the next act run copies). */
  checkout(ref: 'main' | 'pr'): Promise<void>;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Shop Developer',
    GIT_AUTHOR_EMAIL: 'dev@shop.example',
    GIT_COMMITTER_NAME: 'Shop Developer',
    GIT_COMMITTER_EMAIL: 'dev@shop.example',
  };
  return (await run('git', ['-C', dir, ...args], { env })).stdout.trim();
}

export async function createFixtureRepo(
  name: string,
  dest: string,
  options: { fullName?: string; prBranch?: string } = {},
): Promise<FixtureRepo> {
  const fullName = options.fullName ?? `acme/${name}`;
  const prBranch = options.prBranch ?? 'feature/checkout-v2';
  await cp(path.join(fixturesDir, name), dest, { recursive: true });
  await git(dest, 'init', '-q', '-b', 'main');
  await git(dest, 'config', 'commit.gpgsign', 'false');
  await git(dest, 'remote', 'add', 'origin', `https://github.com/${fullName}.git`);
  await git(dest, 'add', '-A');
  await git(dest, 'commit', '-q', '-m', 'The shop');
  const mainSha = await git(dest, 'rev-parse', 'HEAD');
  await git(dest, 'checkout', '-q', '-b', prBranch);
  await writeFile(path.join(dest, 'CHANGES.md'), '# Checkout v2\n\nA new checkout flow behind the checkout-v2 flag.\n');
  await git(dest, 'add', 'CHANGES.md');
  await git(dest, 'commit', '-q', '-m', 'Checkout v2');
  const prHeadSha = await git(dest, 'rev-parse', 'HEAD');
  return {
    dir: dest,
    fullName,
    mainSha,
    prBranch,
    prHeadSha,
    async checkout(ref) {
      await git(dest, 'checkout', '-q', ref === 'main' ? 'main' : prBranch);
    },
  };
}
