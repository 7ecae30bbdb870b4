/**
 * The nektos/act command line for one workflow run in host mode (no Docker): what the harness substitutes, where act
 * keeps its state, and which servers it starts. Pure, so the exact flags are unit-tested.
 */

/** A third-party or Gauntlet action reference (`owner/repo@ref`) served from a local folder instead of GitHub. */
export interface LocalRepository {
  /** owner/repo@ref exactly as the workflow's `uses:` names it (without a sub-path). */
  readonly ref: string;
  readonly dir: string;
}

export interface ActInvocation {
  /** The event name (pull_request, push, schedule, workflow_dispatch). */
  readonly event: string;
  /** The repository act runs in (its origin URL gives github.repository). */
  readonly repoDir: string;
  /** The workflow file, used unchanged. */
  readonly workflow: string;
  readonly eventFile: string;
  /** Fresh per act invocation: act copies actions and creates host workspaces here (and leaves failed jobs behind). */
  readonly actionCacheDir: string;
  /** One per workflow run (shared by its attempts); the run's folder `<dir>/<runId>` must exist before act lists it. */
  readonly artifactDir: string;
  readonly artifactPort: number;
  /** The Actions cache (act's server speaks the v1 protocol); shared by runs that should see each other's entries. */
  readonly cacheDir: string;
  readonly localRepositories: readonly LocalRepository[];
  /** Extra variables for every job (GITHUB_API_URL, GITHUB_RUN_ID, …). */
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  /** The `vars` context. */
  readonly vars: Readonly<Record<string, string>>;
  /** Only this job (act also runs the jobs it needs). */
  readonly job?: string;
  /** Only these matrix values, e.g. { shard: ['2'] }. */
  readonly matrix?: Readonly<Record<string, readonly string[]>>;
  readonly concurrentJobs?: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keyValues(flag: string, values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    if (!NAME.test(key)) throw new Error(`act ${flag}: ${JSON.stringify(key)} is not a valid name`);
    return [flag, `${key}=${value}`];
  });
}

/**
 * The argv for act. Secrets travel as `-s NAME=value`: act masks them in its log, and the harness's own process list
 * is not an exposure (test-only credentials of the loopback test bed).
 */
export function actArgs(run: ActInvocation): string[] {
  const args = [
    run.event,
    '--directory',
    run.repoDir,
    '--workflows',
    run.workflow,
    '--eventpath',
    run.eventFile,
    // Host mode: ubuntu-latest is this machine, no container.
    '--platform',
    'ubuntu-latest=-self-hosted',
    '--action-cache-path',
    run.actionCacheDir,
    '--artifact-server-path',
    run.artifactDir,
    '--artifact-server-addr',
    '127.0.0.1',
    '--artifact-server-port',
    String(run.artifactPort),
    '--cache-server-path',
    run.cacheDir,
    '--cache-server-addr',
    '127.0.0.1',
    // 0: act picks a free port itself (the artifact server cannot do that).
    '--cache-server-port',
    '0',
    '--json',
    // Nothing else from the invoking directory: no .env, .secrets, .vars or .input files.
    '--env-file',
    '/dev/null',
    '--secret-file',
    '/dev/null',
    '--var-file',
    '/dev/null',
    '--input-file',
    '/dev/null',
  ];
  if (run.concurrentJobs !== undefined) args.push('--concurrent-jobs', String(run.concurrentJobs));
  for (const local of run.localRepositories) {
    if (!/^[\w.-]+\/[\w.-]+@[\w./-]+$/.test(local.ref))
      throw new Error(`act --local-repository: ${JSON.stringify(local.ref)} is not owner/repo@ref`);
    args.push('--local-repository', `${local.ref}=${local.dir}`);
  }
  args.push(...keyValues('--env', run.env), ...keyValues('--secret', run.secrets), ...keyValues('--var', run.vars));
  if (run.job !== undefined) args.push('--job', run.job);
  for (const [key, values] of Object.entries(run.matrix ?? {})) {
    if (!NAME.test(key)) throw new Error(`act --matrix: ${JSON.stringify(key)} is not a valid name`);
    for (const value of values) args.push('--matrix', `${key}:${value}`);
  }
  return args;
}
