/**
 * Reads act's JSON log (`--json`, one logrus entry per line) into what a user sees of a workflow run: each job's (and
 * each matrix leg's) conclusion, its steps' outcomes and outputs, and its log text.
 *
 * act keeps ONE result for a whole matrix job, so a leg that succeeds after a failed sibling is logged "Job failed"
 * too (display only). A leg's conclusion here comes from its own steps, as GitHub shows it.
 */

export type Conclusion = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  /** The step's id (its `id:`, or its index for steps without one). */
  readonly id: string;
  /** The step's display name (its `name:`, `uses:` or `run:`). */
  readonly name: string;
  /** Pre, Main or Post. */
  readonly stage: string;
  readonly outcome: string;
}

export interface JobRecord {
  readonly id: string;
  /** The matrix values of this leg ({} for a job without a matrix). */
  readonly matrix: Readonly<Record<string, unknown>>;
  readonly conclusion: Conclusion;
  /** What act itself logged for the job (for a matrix leg, possibly a sibling's failure). */
  readonly actResult: string | undefined;
  readonly steps: readonly StepRecord[];
  /** Step outputs by step id, then output name (the last value set wins, as on the runner). */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The job's log lines (step output and act's own messages), in order. */
  readonly log: readonly string[];
}

interface Entry {
  readonly jobID?: string;
  readonly matrix?: Record<string, unknown>;
  readonly msg?: string;
  readonly stage?: string;
  readonly step?: string;
  readonly stepID?: string[];
  readonly stepid?: string[];
  readonly stepResult?: string;
  readonly jobResult?: string;
  readonly command?: string;
  readonly name?: string;
  readonly arg?: string;
}

interface MutableJob {
  id: string;
  matrix: Record<string, unknown>;
  actResult: string | undefined;
  setupFailed: boolean;
  steps: StepRecord[];
  outputs: Record<string, Record<string, string>>;
  log: string[];
}

/** A stable key for a job leg: its id and its matrix values in key order. */
export function legKey(id: string, matrix: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(matrix)
    .sort()
    .map((k) => [k, matrix[k]]);
  return `${id} ${JSON.stringify(sorted)}`;
}

function parseLine(line: string): Entry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Folds act's JSON log lines into job records, in the order jobs first appeared. */
export class ActLog {
  private readonly jobs = new Map<string, MutableJob>();
  /** Lines that belong to no job (act's own start-up and errors). */
  readonly general: string[] = [];

  add(line: string): Entry | undefined {
    const entry = parseLine(line);
    if (!entry) {
      if (line.trim() !== '') this.general.push(line);
      return undefined;
    }
    if (entry.jobID === undefined) {
      if (entry.msg) this.general.push(entry.msg);
      return entry;
    }
    const matrix = entry.matrix ?? {};
    const key = legKey(entry.jobID, matrix);
    let job = this.jobs.get(key);
    if (!job) {
      job = { id: entry.jobID, matrix, actResult: undefined, setupFailed: false, steps: [], outputs: {}, log: [] };
      this.jobs.set(key, job);
    }
    if (entry.msg !== undefined) job.log.push(entry.msg.replace(/\n$/, ''));
    if (entry.jobResult !== undefined) job.actResult = entry.jobResult;
    const stepId = (entry.stepID ?? entry.stepid ?? [])[0];
    if (entry.stepResult !== undefined) {
      if (stepId === '--setup-job' && entry.stepResult === 'failure') job.setupFailed = true;
      if (entry.stage !== undefined && stepId !== undefined)
        job.steps.push({ id: stepId, name: entry.step ?? '', stage: entry.stage, outcome: entry.stepResult });
    }
    if (entry.command === 'set-output' && stepId !== undefined && entry.name !== undefined) {
      (job.outputs[stepId] ??= {})[entry.name] = entry.arg ?? '';
    }
    return entry;
  }

  /** Every job leg act ran; `declared` job ids that never started are listed as skipped. */
  result(declared: readonly string[] = []): JobRecord[] {
    const records: JobRecord[] = [...this.jobs.values()].map((job) => ({
      id: job.id,
      matrix: job.matrix,
      actResult: job.actResult,
      conclusion: conclusionOf(job),
      steps: job.steps,
      outputs: job.outputs,
      log: job.log,
    }));
    for (const id of declared) {
      if (!records.some((r) => r.id === id))
        records.push({ id, matrix: {}, actResult: undefined, conclusion: 'skipped', steps: [], outputs: {}, log: [] });
    }
    return records;
  }
}

function conclusionOf(job: MutableJob): Conclusion {
  if (job.setupFailed || job.steps.some((s) => s.outcome === 'failure')) return 'failure';
  // A job whose `if:` was false logs nothing but act's "Job succeeded" (no steps): GitHub shows it as skipped.
  if (job.steps.length === 0 && job.actResult !== 'failure') return 'skipped';
  if (Object.keys(job.matrix).length === 0 && job.actResult === 'failure') return 'failure';
  return 'success';
}
