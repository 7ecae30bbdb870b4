/**
 * Workflow runs' jobs, as the Actions jobs API lists them: a test seeds the jobs of a run attempt (steps, status,
 * conclusion, runner, timestamps) and changes them between requests. A run exists once one of its jobs is seeded;
 * seeding attempt n makes attempts 1…n exist, as a re-run does on GitHub.
 */
import { nodeId, timestamp, WEB_URL } from './github-objects.js';
import { randomInt, type Rng } from './rng.js';
import type { JobSeed, JobStepSeed, WorkflowJob, WorkflowJobStep } from './types.js';

export type JobChanges = Partial<Omit<JobSeed, 'runId' | 'runAttempt'>>;

export interface JobStoreConfig {
  repoApi: string;
  fullName: string;
  rng: Rng;
  /** A job is a check run on GitHub: its ID comes from the check-run sequence (past 2^32). */
  newId: () => number;
  sha: () => string;
}

/** Statuses in which a runner has taken the job. */
const HAS_RUNNER = new Set<WorkflowJob['status']>(['in_progress', 'completed']);

/** GitHub's form (second precision, Z); a string must be a date GitHub could have sent. */
function timestampOf(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new Error(`not a date: ${String(value)}`);
  return timestamp(date);
}

const addSeconds = (at: string, seconds: number): string => timestamp(new Date(Date.parse(at) + seconds * 1000));

/** Steps numbered from 1, one second apart from the job's start, timed as far as each has got. */
function stepsOf(seeds: readonly JobStepSeed[], startedAt: string): WorkflowJobStep[] {
  return seeds.map((seed, i) => {
    const conclusion = seed.conclusion ?? null;
    const status = seed.status ?? (conclusion === null ? 'queued' : 'completed');
    if ((status === 'completed') !== (conclusion !== null))
      throw new Error(`step ${JSON.stringify(seed.name)}: a step has a conclusion exactly when it is completed`);
    return {
      name: seed.name,
      status,
      conclusion,
      number: i + 1,
      started_at: status === 'queued' ? null : addSeconds(startedAt, i),
      completed_at: status === 'completed' ? addSeconds(startedAt, i + 1) : null,
    };
  });
}

export class WorkflowJobStore {
  readonly jobs: WorkflowJob[] = [];
  /** Run ID → its latest attempt and head SHA. */
  private readonly runs = new Map<number, { latestAttempt: number; headSha: string }>();
  private runners = 0;

  constructor(private readonly config: JobStoreConfig) {}

  seed(seed: JobSeed): WorkflowJob {
    const attempt = seed.runAttempt ?? 1;
    for (const [name, value] of [
      ['runId', seed.runId],
      ['runAttempt', attempt],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer: ${value}`);
    }
    const run = this.runs.get(seed.runId) ?? { latestAttempt: attempt, headSha: seed.headSha ?? this.config.sha() };
    run.latestAttempt = Math.max(run.latestAttempt, attempt);
    this.runs.set(seed.runId, run);

    const id = this.config.newId();
    const { repoApi, fullName } = this.config;
    const created = timestampOf(seed.createdAt ?? new Date());
    const job: WorkflowJob = {
      id,
      run_id: seed.runId,
      run_url: `${repoApi}/actions/runs/${seed.runId}`,
      run_attempt: attempt,
      node_id: nodeId('CR', id),
      head_sha: run.headSha,
      url: `${repoApi}/actions/jobs/${id}`,
      html_url: `${WEB_URL}/${fullName}/actions/runs/${seed.runId}/job/${id}`,
      status: 'queued',
      conclusion: null,
      created_at: created,
      // Required and not nullable: GitHub sends created_at until a runner picks the job up.
      started_at: created,
      completed_at: null,
      name: 'build',
      steps: [],
      check_run_url: `${repoApi}/check-runs/${id}`,
      labels: ['ubuntu-latest'],
      runner_id: null,
      runner_name: null,
      runner_group_id: null,
      runner_group_name: null,
      workflow_name: 'CI',
      head_branch: 'main',
    };
    this.apply(job, { status: seed.conclusion ? 'completed' : 'in_progress', ...seed });
    this.jobs.push(job);
    return job;
  }

  update(jobId: number, changes: JobChanges): WorkflowJob {
    const job = this.jobs.find((j) => j.id === jobId);
    if (!job) throw new Error(`no seeded job ${jobId}`);
    this.apply(job, changes);
    return job;
  }

  /** The jobs of a run attempt in ID order, or undefined when the run or the attempt does not exist. */
  jobsOf(runId: number, attempt: number): WorkflowJob[] | undefined {
    const run = this.runs.get(runId);
    if (!run || attempt < 1 || attempt > run.latestAttempt) return undefined;
    return this.jobs.filter((j) => j.run_id === runId && j.run_attempt === attempt).sort((a, b) => a.id - b.id);
  }

  private apply(job: WorkflowJob, changes: JobChanges): void {
    if (changes.name !== undefined) job.name = changes.name;
    if (changes.headSha !== undefined) job.head_sha = changes.headSha;
    if (changes.headBranch !== undefined) job.head_branch = changes.headBranch;
    if (changes.workflowName !== undefined) job.workflow_name = changes.workflowName;
    if (changes.labels !== undefined) job.labels = [...changes.labels];
    if (changes.createdAt !== undefined) job.created_at = timestampOf(changes.createdAt);
    if (changes.startedAt !== undefined) job.started_at = timestampOf(changes.startedAt);

    const status = changes.status ?? (changes.conclusion ? 'completed' : undefined);
    if (status !== undefined) job.status = status;
    if (changes.conclusion !== undefined) job.conclusion = changes.conclusion;
    if ((job.status === 'completed') !== (job.conclusion !== null))
      throw new Error(`job ${job.id}: a job has a conclusion exactly when it is completed`);
    if (changes.completedAt !== undefined)
      job.completed_at = changes.completedAt === null ? null : timestampOf(changes.completedAt);
    else job.completed_at = job.status === 'completed' ? (job.completed_at ?? timestamp()) : null;

    if (changes.runnerName !== undefined) job.runner_name = changes.runnerName;
    else if (job.runner_name === null && HAS_RUNNER.has(job.status))
      job.runner_name = `GitHub Actions ${++this.runners}`;
    if (job.runner_name === null) {
      job.runner_id = job.runner_group_id = job.runner_group_name = null;
    } else if (job.runner_id === null) {
      // GitHub-hosted runners report group 0, "GitHub Actions".
      job.runner_id = randomInt(this.config.rng, 1_000, 10_000_000);
      job.runner_group_id = 0;
      job.runner_group_name = 'GitHub Actions';
    }

    if (changes.steps !== undefined) job.steps = stepsOf(changes.steps, job.started_at);
  }
}
