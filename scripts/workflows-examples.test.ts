/**
 * The workflows in workflows-examples/ are what users copy, so they are checked against the actions they use: every
 * `with:` key is a declared input and every required one is given, every `steps.<id>.outputs.<name>` of one of our
 * steps is a declared output, every `needs` and `needs.<job>.outputs.<name>` exists, permissions are declared, and
 * third-party actions are pinned to a full commit SHA, ours to a SHA or the major tag of the current version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = path.join(root, 'workflows-examples');
const OURS = /^gauntlet-org\/gauntlet\/actions\/([a-z0-9-]+)@(\S+)/;
/** The major tag the release workflow moves (.github/workflows/release.yml): what the examples may pin besides a SHA. */
const MAJOR_TAG = `v${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]!}`;

interface ActionMetadata {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
  outputs?: Record<string, unknown>;
}

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
}

interface Job {
  needs?: string | string[];
  outputs?: Record<string, string>;
  permissions?: unknown;
  steps?: Step[];
}

interface Workflow {
  permissions?: unknown;
  jobs?: Record<string, Job>;
}

function actionMetadata(name: string): ActionMetadata | undefined {
  try {
    return load(readFileSync(path.join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionMetadata;
  } catch {
    return undefined;
  }
}

/** Every problem in one workflow, as readable lines. */
function problemsOf(workflow: Workflow): string[] {
  const problems: string[] = [];
  const jobs = workflow.jobs ?? {};
  if (Object.keys(jobs).length === 0) problems.push('no jobs');
  for (const [jobName, job] of Object.entries(jobs)) {
    if (workflow.permissions === undefined && job.permissions === undefined)
      problems.push(`${jobName}: no permissions block (workflow or job)`);
    const needs = job.needs === undefined ? [] : [job.needs].flat();
    for (const need of needs) if (!(need in jobs)) problems.push(`${jobName}: needs unknown job ${need}`);
    const ourSteps = new Map<string, ActionMetadata>();
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `${jobName} step ${step.id ?? index + 1}`;
      if (!step.uses) continue;
      const ours = OURS.exec(step.uses);
      if (!ours) {
        if (!step.uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(step.uses.split(' ')[0] ?? ''))
          problems.push(`${where}: ${step.uses} is not pinned to a commit SHA`);
        continue;
      }
      const metadata = actionMetadata(ours[1]!);
      if (!metadata) {
        problems.push(`${where}: no action ${ours[1]!}`);
        continue;
      }
      const ref = ours[2]!;
      if (ref !== MAJOR_TAG && !/^[0-9a-f]{40}$/.test(ref))
        problems.push(`${where}: ${step.uses} pins neither a commit SHA nor the release major tag ${MAJOR_TAG}`);
      if (step.id) ourSteps.set(step.id, metadata);
      const inputs = metadata.inputs ?? {};
      for (const key of Object.keys(step.with ?? {}))
        if (!(key in inputs)) problems.push(`${where}: ${ours[1]!} has no input ${key}`);
      for (const [key, input] of Object.entries(inputs))
        if (input.required && input.default === undefined && !(key in (step.with ?? {})))
          problems.push(`${where}: required input ${key} is missing`);
    }
    // Expressions anywhere in the job: our steps' outputs, and other jobs' outputs.
    const text = JSON.stringify(job);
    for (const [, id, output] of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const metadata = ourSteps.get(id!);
      if (metadata && !(output! in (metadata.outputs ?? {})))
        problems.push(`${jobName}: step ${id!} has no output ${output!}`);
    }
    for (const [, other, output] of text.matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!needs.includes(other!)) problems.push(`${jobName}: uses needs.${other!} without needing it`);
      else if (!(output! in (jobs[other!]?.outputs ?? {})))
        problems.push(`${jobName}: job ${other!} has no output ${output!}`);
    }
  }
  return problems;
}

/** A scalar `with:` value as the runner passes it (a string), or the fallback. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : fallback;
}

const examples = readdirSync(examplesDir).filter((file) => /\.ya?ml$/.test(file));

describe('workflows-examples', () => {
  it('has examples for every action', () => {
    const used = new Set(
      examples.flatMap((file) =>
        [...readFileSync(path.join(examplesDir, file), 'utf8').matchAll(/actions\/([a-z0-9-]+)@/g)].map((m) => m[1]),
      ),
    );
    const actions = readdirSync(path.join(root, 'actions')).filter((name) => actionMetadata(name));
    expect(actions.filter((name) => !used.has(name))).toEqual([]);
  });

  it.each(examples)('%s matches the actions it uses', (file) => {
    const workflow = load(readFileSync(path.join(examplesDir, file), 'utf8')) as Workflow;
    expect(problemsOf(workflow)).toEqual([]);
  });

  it('tears down every environment it creates: each up has a down and a reaper with the same name and cluster', () => {
    const provisions = examples.flatMap((file) => {
      const workflow = load(readFileSync(path.join(examplesDir, file), 'utf8')) as Workflow;
      return Object.values(workflow.jobs ?? {}).flatMap((job) =>
        (job.steps ?? [])
          .filter((step) => step.uses?.includes('/actions/provision-ephemeral-env@'))
          .map((step) => ({
            file,
            mode: text(step.with?.['mode'], 'up'),
            prefix: text(step.with?.['name-prefix']),
            kubeconfig: text(step.with?.['kubeconfig']),
          })),
      );
    });
    const ups = provisions.filter((p) => p.mode === 'up');
    expect(ups.length).toBeGreaterThan(0);
    const reapers = provisions.filter((p) => p.mode === 'reap');
    const missing = ups.flatMap((up) => [
      ...(provisions.some((p) => p.mode === 'down' && p.prefix === up.prefix && p.kubeconfig === up.kubeconfig)
        ? []
        : [`${up.file}: no down with name-prefix "${up.prefix}" and kubeconfig ${up.kubeconfig}`]),
      ...(reapers.some((r) => r.kubeconfig === up.kubeconfig)
        ? []
        : [`${up.file}: no reaper with kubeconfig ${up.kubeconfig}`]),
    ]);
    expect(missing).toEqual([]);
  });

  it('catches the mistakes it looks for', () => {
    const broken: Workflow = {
      jobs: {
        a: {
          needs: 'ghost',
          steps: [
            { uses: 'actions/checkout@v4' },
            {
              id: 'p',
              uses: 'gauntlet-org/gauntlet/actions/shard-and-run@v1',
              with: { mode: 'plan', shard: 1, typo: 1 },
            },
            { uses: 'gauntlet-org/gauntlet/actions/no-such-action@v1' },
            { uses: 'gauntlet-org/gauntlet/actions/slo-check@main' },
          ],
          outputs: { m: '${{ steps.p.outputs.not-an-output }}' },
        },
        b: { needs: ['a'], steps: [{ uses: 'x/y@v1', with: { v: '${{ needs.a.outputs.nope }}' } }] },
      },
    };
    const problems = problemsOf(broken);
    for (const expected of [
      'a: no permissions block (workflow or job)',
      'a: needs unknown job ghost',
      'a step 1: actions/checkout@v4 is not pinned to a commit SHA',
      'a step p: shard-and-run has no input typo',
      'a step 3: no action no-such-action',
      'a: step p has no output not-an-output',
      'b: job a has no output nope',
      `a step 4: gauntlet-org/gauntlet/actions/slo-check@main pins neither a commit SHA nor the release major tag ${MAJOR_TAG}`,
    ])
      expect(problems).toContain(expected);
  });
});
