/**
 * TEST ONLY. Runs the files of workflows-examples/, unchanged, under nektos/act in host mode:
 * - `gauntlet-org/gauntlet/...@<ref>` resolves to a `git archive` export of this checkout (--local-repository);
 * - actions/upload-artifact, download-artifact and setup-node resolve to the test-only stand-ins of src/stand-ins
 *   (act's own artifact server behind them); actions/checkout needs none (act copies the work tree);
 * - Node 24 is first on PATH and in act's tool cache; Python is a virtual environment of the harness;
 * - GITHUB_API_URL and GITHUB_GRAPHQL_URL point at the GitHub API stand-in, and GITHUB_TOKEN is its token;
 * - every workflow run gets its own run id and artifact folder (its attempts share them, as on GitHub); every act
 *   invocation a fresh action cache; the Actions cache folder is the caller's (runs that share it see each other's
 *   entries, like the runs of one repository).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries } from '@gauntlet/testbed';
import { actArgs, type LocalRepository } from './act-cli.js';
import type { JobRecord } from './act-log.js';
import { freePort, runActProcess, stderrProgress, type ProgressLog } from './act-process.js';
import { exportCheckout, type CheckoutExport } from './checkout-export.js';
import { createFixtureRepo, type FixtureRepo } from './fixture-repo.js';
import { prepareRunnerTools, type RunnerTools } from './runner-tools.js';
import { buildStandIns, STAND_INS, type StandInRepository } from './stand-in-actions.js';
import { readWorkflow, repositoryRef } from './workflow-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'workflows-examples');

/** Variables of the harness's own environment a job may see: how this machine reaches the package registries. */
const NETWORK_ENV =
  /^(https?_proxy|no_proxy|HTTPS?_PROXY|NO_PROXY|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|GIT_SSL_CAINFO|PIP_[A-Z_]+|npm_config_[a-z_]+|LANG|LC_ALL|TZ)$/;

export interface HarnessOptions {
  /** The GitHub API stand-in every run reports to. */
  readonly github: { readonly url: string; readonly token: string };
  /** Where this harness keeps its runs (deleted by close()). Default: a fresh folder under the OS temp dir. */
  readonly workDir?: string;
  /** Kept between harness runs: Node's tool folder, the Python venv, npm's cache. */
  readonly toolsDir?: string;
  readonly progress?: ProgressLog;
}

let lastRunId = 0;

/**
 * Run ids as large as GitHub's today (above 2^32) and strictly increasing, as GitHub's are: the sticky comment keeps
 * the section of the newest run, so an id that went backwards (the old `Date.now() % 1e6` wrapped every 1,000 s) made
 * a later run's section lose to an earlier one's.
 */
function nextRunId(): number {
  lastRunId = Math.max(lastRunId + 1, Math.floor(Date.now() / 100));
  return lastRunId;
}

/** One workflow run: its id and artifact folder, shared by its attempts. */
export interface WorkflowRunHandle {
  readonly id: number;
  readonly artifactDir: string;
}

export interface RunSpec {
  /** A file of workflows-examples/ (e.g. shard-matrix.yml), or an absolute path. */
  readonly workflow: string;
  readonly repo: FixtureRepo;
  readonly event: string;
  readonly payload: Record<string, unknown>;
  /** The Actions cache folder (share it between runs that should see each other's cache entries). */
  readonly cacheDir: string;
  /** Re-run attempts pass the run of attempt 1. Default: a new run. */
  readonly run?: WorkflowRunHandle;
  readonly attempt?: number;
  readonly job?: string;
  readonly matrix?: Readonly<Record<string, readonly string[]>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface WorkflowRunResult {
  readonly run: WorkflowRunHandle;
  readonly attempt: number;
  readonly exitCode: number;
  readonly jobs: readonly JobRecord[];
  readonly general: readonly string[];
  readonly logFile: string;
  readonly seconds: number;
  /** The leg of `id` whose matrix holds every given value (the job itself without a matrix). */
  job(id: string, matrix?: Readonly<Record<string, unknown>>): JobRecord;
}

function pickJob(jobs: readonly JobRecord[], id: string, matrix: Readonly<Record<string, unknown>> = {}): JobRecord {
  const legs = jobs.filter(
    (j) => j.id === id && Object.entries(matrix).every(([k, v]) => String(j.matrix[k]) === String(v)),
  );
  if (legs.length !== 1)
    throw new Error(
      `expected one run of job ${id} ${JSON.stringify(matrix)}, found ${legs.length} (${jobs.map((j) => `${j.id} ${JSON.stringify(j.matrix)}`).join('; ')})`,
    );
  return legs[0]!;
}

export class ActHarness {
  private invocations = 0;
  private readonly started = Date.now();
  /** Seconds each act invocation took, by label (for the note's figures). */
  readonly timings: { label: string; seconds: number }[] = [];

  private constructor(
    readonly act: string,
    readonly workDir: string,
    readonly checkout: CheckoutExport,
    private readonly standIns: Record<StandInRepository, string>,
    readonly tools: RunnerTools,
    private readonly npmCache: string,
    private readonly github: { url: string; token: string },
    readonly progress: ProgressLog,
  ) {}

  static async start(options: HarnessOptions): Promise<ActHarness> {
    const progress = options.progress ?? stderrProgress;
    const workDir = options.workDir ?? path.join(os.tmpdir(), `gauntlet-act-${randomBytes(4).toString('hex')}`);
    const cacheRoot = process.env['GAUNTLET_CACHE'] ?? path.join(os.homedir(), '.cache', 'gauntlet');
    const toolsDir = options.toolsDir ?? path.join(cacheRoot, 'act-harness');
    await mkdir(workDir, { recursive: true });
    progress(`harness: preparing in ${workDir} (act, checkout export, stand-in actions, Node and Python)`);
    const [binaries, checkout, standIns, tools] = await Promise.all([
      ensureBinaries(progress),
      exportCheckout(REPO_ROOT, path.join(workDir, 'gauntlet-export')),
      buildStandIns(path.join(workDir, 'stand-ins')),
      prepareRunnerTools(toolsDir),
    ]);
    const npmCache = path.join(toolsDir, 'npm-cache');
    await mkdir(npmCache, { recursive: true });
    progress(
      `harness: act ${binaries.act}, Gauntlet export of ${checkout.commit.slice(0, 12)}, Node ${tools.nodeVersion}`,
    );
    return new ActHarness(binaries.act, workDir, checkout, standIns, tools, npmCache, { ...options.github }, progress);
  }

  /** A fresh copy of a fixture repository (fixtures/<name>), on its pull request branch. */
  async repo(name = 'shop', options: { fullName?: string } = {}): Promise<FixtureRepo> {
    return createFixtureRepo(name, path.join(this.workDir, `repo-${name}-${randomBytes(3).toString('hex')}`), options);
  }

  /** A new Actions cache folder (one per repository and scenario). */
  async cacheDir(label: string): Promise<string> {
    const dir = path.join(this.workDir, `actions-cache-${label}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  private async newRun(): Promise<WorkflowRunHandle> {
    const id = nextRunId();
    const artifactDir = path.join(this.workDir, `artifacts-run-${id}`);
    // act's artifact server lists <dir>/<run id> and fails when it is missing.
    await mkdir(path.join(artifactDir, String(id)), { recursive: true });
    return { id, artifactDir };
  }

  private localRepositories(workflowFile: string): LocalRepository[] {
    const locals: LocalRepository[] = [];
    for (const uses of readWorkflow(workflowFile).uses) {
      const ref = repositoryRef(uses);
      if (!ref) continue;
      const key = `${ref.repository}@${ref.ref}`;
      if (locals.some((l) => l.ref === key)) continue;
      if (ref.repository === 'gauntlet-org/gauntlet') locals.push({ ref: key, dir: this.checkout.dir });
      else if (ref.repository === 'actions/checkout')
        continue; // act copies the work tree itself
      else if (ref.repository in STAND_INS)
        locals.push({ ref: key, dir: this.standIns[ref.repository as StandInRepository] });
      else throw new Error(`${path.basename(workflowFile)} uses ${uses}: the act harness has no stand-in for it`);
    }
    return locals;
  }

  private processEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && NETWORK_ENV.test(key)) env[key] = value;
    return {
      ...env,
      PATH: this.tools.path(),
      HOME: path.join(this.workDir, 'home'),
      // The npm cache that setup-node's `cache: npm` restores (the stand-in points npm at it).
      GAUNTLET_ACT_NPM_CACHE: this.npmCache,
    };
  }

  async run(spec: RunSpec): Promise<WorkflowRunResult> {
    const workflow = path.isAbsolute(spec.workflow) ? spec.workflow : path.join(EXAMPLES_DIR, spec.workflow);
    if (!existsSync(workflow)) throw new Error(`no workflow ${workflow}`);
    const facts = readWorkflow(workflow);
    const run = spec.run ?? (await this.newRun());
    const attempt = spec.attempt ?? 1;
    this.invocations += 1;
    const label = `${path.basename(workflow)} ${spec.event} run ${run.id} attempt ${attempt}${spec.job ? ` job ${spec.job}` : ''}`;
    const dir = path.join(this.workDir, `act-${this.invocations}`);
    const actionCacheDir = path.join(dir, 'action-cache');
    await mkdir(actionCacheDir, { recursive: true });
    await mkdir(path.join(this.workDir, 'home'), { recursive: true });
    await this.tools.fillToolCache(path.join(actionCacheDir, 'tool_cache'));
    const eventFile = path.join(dir, 'event.json');
    await writeFile(eventFile, JSON.stringify(spec.payload, null, 2));
    const ledger = path.join(run.artifactDir, 'uploads.ledger');
    if (!existsSync(ledger)) appendFileSync(ledger, '');

    const args = actArgs({
      event: spec.event,
      repoDir: spec.repo.dir,
      workflow,
      eventFile,
      actionCacheDir,
      artifactDir: run.artifactDir,
      artifactPort: await freePort(),
      cacheDir: spec.cacheDir,
      localRepositories: this.localRepositories(workflow),
      env: {
        GITHUB_API_URL: this.github.url,
        GITHUB_GRAPHQL_URL: `${this.github.url}/graphql`,
        GITHUB_RUN_ID: String(run.id),
        GITHUB_RUN_ATTEMPT: String(attempt),
        // The upload stand-in refuses a second artifact of a name within one attempt, as GitHub does.
        GAUNTLET_ACT_ARTIFACT_LEDGER: ledger,
        ...spec.env,
      },
      secrets: { GITHUB_TOKEN: this.github.token, ...spec.secrets },
      vars: { ...spec.vars },
      ...(spec.job === undefined ? {} : { job: spec.job }),
      ...(spec.matrix === undefined ? {} : { matrix: spec.matrix }),
    });
    this.progress(`${label}: starting act`);
    const result = await runActProcess({
      act: this.act,
      args,
      env: this.processEnv(),
      cwd: spec.repo.dir,
      logFile: path.join(dir, 'act.log.jsonl'),
      label,
      declaredJobs: spec.job === undefined ? facts.jobs : [],
      progress: this.progress,
      timeoutMs: spec.timeoutMs ?? 15 * 60_000,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
    this.timings.push({ label, seconds: result.seconds });
    // act leaves the host workspaces of failed jobs in the action cache; nothing in it is needed afterwards.
    await rm(actionCacheDir, { recursive: true, force: true }).catch(() => undefined);
    return { ...result, run, attempt, job: (id, matrix) => pickJob(result.jobs, id, matrix) };
  }

  /** Seconds since start, and every act invocation's own time. */
  summary(): { totalSeconds: number; runs: { label: string; seconds: number }[] } {
    return { totalSeconds: (Date.now() - this.started) / 1000, runs: [...this.timings] };
  }

  async close(options: { keep?: boolean } = {}): Promise<void> {
    if (!options.keep) await rm(this.workDir, { recursive: true, force: true });
  }
}
