/** What the harness reads from a workflow file (never changes it): its job ids and the actions its steps use. */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

export interface WorkflowFacts {
  readonly name: string;
  readonly jobs: readonly string[];
  /** Every `uses:` of a step, as written (owner/repo[/path]@ref, ./local, docker://…). */
  readonly uses: readonly string[];
}

export function readWorkflow(file: string): WorkflowFacts {
  const doc = load(readFileSync(file, 'utf8')) as {
    name?: unknown;
    jobs?: Record<string, { steps?: { uses?: unknown }[]; uses?: unknown }>;
  };
  const jobs = doc.jobs ?? {};
  const uses = Object.values(jobs).flatMap((job) => [
    ...(typeof job.uses === 'string' ? [job.uses] : []),
    ...(job.steps ?? []).flatMap((step) => (typeof step.uses === 'string' ? [step.uses] : [])),
  ]);
  return { name: typeof doc.name === 'string' ? doc.name : file, jobs: Object.keys(jobs), uses };
}

/** owner/repo@ref of a remote action reference (a sub-path dropped), or undefined for local and docker ones. */
export function repositoryRef(uses: string): { repository: string; ref: string } | undefined {
  const match = /^([\w.-]+)\/([\w.-]+)(?:\/[^@]*)?@(.+)$/.exec(uses);
  if (!match) return undefined;
  return { repository: `${match[1]}/${match[2]}`, ref: match[3]! };
}
