/**
 * The Gauntlet checkout as a workflow would fetch `gauntlet-org/gauntlet@<ref>`: a `git archive` export of the
 * tracked files (bundled dist included, no node_modules, nothing untracked). Uncommitted edits of tracked files are
 * included (through `git stash create`, which touches neither the index nor the work tree), so a freshly rebuilt
 * dist is what runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';

const run = promisify(execFile);

export interface CheckoutExport {
  readonly dir: string;
  /** The commit exported (a stash-like commit when the work tree had edits). */
  readonly commit: string;
}

/** Every action.yml under actions/ must name a bundle that exists in the export, or the runner fails at set-up. */
function checkBundles(dir: string): void {
  const actionsDir = path.join(dir, 'actions');
  for (const name of readdirSync(actionsDir)) {
    const manifest = path.join(actionsDir, name, 'action.yml');
    if (!existsSync(manifest)) continue;
    const runs = (load(readFileSync(manifest, 'utf8')) as { runs?: Record<string, unknown> }).runs ?? {};
    for (const key of ['pre', 'main', 'post']) {
      const entry = runs[key];
      if (typeof entry === 'string' && !existsSync(path.join(actionsDir, name, entry)))
        throw new Error(
          `the export of the checkout lacks actions/${name}/${entry}: build the bundle first (pnpm build)`,
        );
    }
  }
}

async function git(repoRoot: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('git', ['-C', repoRoot, ...args], env ? { env } : {})).stdout;
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: unknown };
    throw new Error(`git ${args.join(' ')} failed (exit ${String(failure.code)}): ${String(failure.stderr).trim()}`, {
      cause: error,
    });
  }
}

/**
 * The work tree's edits as a commit, or '' when there are none. A concurrent git command in the same checkout (a
 * unit test's `git status` refreshing the index) can make one attempt fail, so it is tried again; a clean tree
 * needs no stash at all.
 */
async function stashCommit(repoRoot: string, env: NodeJS.ProcessEnv): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await git(repoRoot, ['stash', 'create'], env)).trim();
    } catch (error) {
      const dirty = (await git(repoRoot, ['status', '--porcelain', '--untracked-files=no'])).trim() !== '';
      if (!dirty) return '';
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

export async function exportCheckout(repoRoot: string, dest: string): Promise<CheckoutExport> {
  // A stash commit needs an identity, which a CI machine's git often lacks: give it one of its own.
  const identity = {
    ...process.env,
    GIT_AUTHOR_NAME: 'gauntlet-act-harness',
    GIT_AUTHOR_EMAIL: 'act-harness@gauntlet.invalid',
    GIT_COMMITTER_NAME: 'gauntlet-act-harness',
    GIT_COMMITTER_EMAIL: 'act-harness@gauntlet.invalid',
  };
  const commit = (await stashCommit(repoRoot, identity)) || (await git(repoRoot, ['rev-parse', 'HEAD'])).trim();
  await mkdir(dest, { recursive: true });
  await run('sh', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'export', repoRoot, commit, dest], {
    maxBuffer: 1024 * 1024,
  });
  checkBundles(dest);
  return { dir: dest, commit };
}
