/**
 * The plan as it travels between jobs (a file from the plan artifact, or the inline `plan` output), validated on the
 * way in: a shard must never run a plan it misread. And each shard's part of it, as command-line arguments.
 */
import { confinePath, InputError, loadJson, readFileInside, UserError, type AllowedRoot } from '@gauntlet/action-kit';
import { PLAN_FORMAT, PLAN_VERSION, MAX_MATRIX_JOBS, testKey, type Plan, type PlanItem } from '@gauntlet/sharding';
import { pathArgument, RUNNER_NAMES, type RunnerAdapter } from '@gauntlet/test-runners';
import { Inputs } from './constants.js';

const MAX_PLAN_BYTES = 64 * 1024 * 1024;

function fail(message: string): never {
  throw new InputError(Inputs.plan, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the structure a shard relies on; anything else in the plan is informational. */
export function validatePlan(value: unknown): Plan {
  if (!isRecord(value) || value['format'] !== PLAN_FORMAT) fail(`is not a shard plan (no "format": "${PLAN_FORMAT}")`);
  if (value['version'] !== PLAN_VERSION)
    fail(`has version ${JSON.stringify(value['version'])}; this action reads version ${PLAN_VERSION}`);
  const id = value['id'];
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) fail('has no valid plan id');
  const count = value['shardCount'];
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > MAX_MATRIX_JOBS) {
    fail(`has an invalid shard count ${JSON.stringify(count)}`);
  }
  const runner = value['runner'];
  if (runner !== undefined && !(RUNNER_NAMES as readonly unknown[]).includes(runner))
    fail(`was made for an unknown runner ${JSON.stringify(runner)}`);
  const shards = value['shards'];
  if (!Array.isArray(shards) || shards.length !== count)
    fail(`lists ${Array.isArray(shards) ? shards.length : 0} shards but says ${count}`);
  shards.forEach((shard: unknown, i) => {
    if (!isRecord(shard) || shard['index'] !== i + 1 || !Array.isArray(shard['items']))
      fail(`shard ${i + 1} is malformed`);
    for (const item of shard['items'] as unknown[]) {
      if (!isRecord(item) || typeof item['file'] !== 'string' || item['file'] === '')
        fail(`shard ${i + 1} has an item without a file`);
      const tests = item['tests'];
      if (tests !== undefined && (!Array.isArray(tests) || tests.some((t) => typeof t !== 'string'))) {
        fail(`shard ${i + 1} has an item whose tests are not strings`);
      }
      if (typeof item['seconds'] !== 'number' || !Number.isFinite(item['seconds']) || item['seconds'] < 0) {
        fail(`shard ${i + 1} has an item without a valid duration`);
      }
    }
  });
  const selectors = value['selectors'];
  if (
    selectors !== undefined &&
    (!isRecord(selectors) ||
      Object.values(selectors).some((v) => typeof v !== 'string' || v === '' || v.startsWith('-')))
  ) {
    // A selector is one argv word of the test command: one that reads as an option is refused, not run.
    fail('has selectors that are not test selectors (strings that do not start with "-")');
  }
  return value as unknown as Plan;
}

/**
 * Reads the `plan` input's file: relative to the working directory, confined through symlinks to the workspace or
 * RUNNER_TEMP (where a workflow downloads the plan artifact), and read once with the size cap on that read.
 */
export function planFileReader(
  inputs: { readonly workingDirectory: string; readonly alsoUnder: readonly AllowedRoot[] },
  workspace: string,
) {
  return (value: string): Promise<string> => {
    const file = confinePath(workspace, value, {
      input: Inputs.plan,
      base: inputs.workingDirectory,
      alsoUnder: inputs.alsoUnder,
    });
    return readFileInside(workspace, file, { maxBytes: MAX_PLAN_BYTES, alsoUnder: inputs.alsoUnder });
  };
}

/** True when the `plan` input is the plan itself (the plan output), not a path to its file. */
export function isInlinePlan(value: string): boolean {
  return value.trimStart().startsWith('{');
}

/** Reads the `plan` input: inline JSON (it starts with `{`) or a path, read by readFile (planFileReader). */
export async function loadPlan(value: string, readFile: (p: string) => Promise<string>): Promise<Plan> {
  let text: string;
  if (isInlinePlan(value)) text = value;
  else {
    try {
      text = await readFile(value);
    } catch (error) {
      if (error instanceof InputError) throw error;
      if (error instanceof UserError) fail(`${JSON.stringify(value)}: ${error.message}`);
      fail(
        `cannot read ${JSON.stringify(value)} (${(error as NodeJS.ErrnoException).code ?? 'error'}); download the plan artifact first`,
      );
    }
  }
  let parsed: unknown;
  try {
    // Bounded: a 64 MiB plan of `[[[…` or of millions of values is refused before JSON.parse builds it.
    parsed = loadJson(text, { origin: 'the plan', limits: { maxChars: MAX_PLAN_BYTES, maxNodes: 8_000_000 } });
  } catch (error) {
    fail(`is not a usable plan: ${(error as Error).message.replace('the plan: ', '')}`);
  }
  return validatePlan(parsed);
}

/** Items of a 1-based shard; throws InputError if the plan has no such shard or another shard total. */
export function shardItems(plan: Plan, index: number, total: number): readonly PlanItem[] {
  if (total !== plan.shardCount) {
    throw new InputError(
      Inputs.shard,
      `the shard total ${total} does not match the plan's ${plan.shardCount} shards; pass "\${{ matrix.shard }}/\${{ matrix.shardTotal }}" from the plan's matrix`,
    );
  }
  const shard = plan.shards[index - 1];
  if (!shard)
    throw new InputError(Inputs.shard, `shard ${index} does not exist in a plan of ${plan.shardCount} shards`);
  return shard.items;
}

/** Test keys (`file` or `file::name`) of items, in their order. */
export function itemKeys(items: readonly PlanItem[]): string[] {
  return items.flatMap((item) =>
    item.tests === undefined ? [item.file] : item.tests.map((name) => testKey({ file: item.file, name })),
  );
}

/** Every planned item with its shard, in shard order: the queue's item list. */
export function allItems(plan: Plan): PlanItem[] {
  return plan.shards.flatMap((s) => s.items);
}

/**
 * What {files} and {tests} expand to for a list of items. Files are listed once, in item order. `selectors` are
 * the plan's (Plan.selectors): how the runner selects a test its name cannot (RSpec example ids).
 */
export function commandArguments(
  items: readonly PlanItem[],
  runner: RunnerAdapter,
  selectors?: Readonly<Record<string, string>>,
): { files: string[]; tests: string[] } {
  const files: string[] = [];
  const seen = new Set<string>();
  const tests: string[] = [];
  for (const item of items) {
    if (!seen.has(item.file)) {
      seen.add(item.file);
      files.push(pathArgument(item.file));
    }
    if (item.tests === undefined) tests.push(runner.testArgument({ file: item.file }));
    else {
      for (const name of item.tests) {
        const test = { file: item.file, name };
        // Own properties only: a test named `__proto__` or `constructor` must not pick up Object's.
        const key = testKey(test);
        const selector = selectors !== undefined && Object.hasOwn(selectors, key) ? selectors[key] : undefined;
        tests.push(runner.testArgument(test, selector));
      }
    }
  }
  return { files, tests };
}

/** True when some item runs only part of a file: then the command must select tests, not files. */
export function planSplitsFiles(plan: Plan): boolean {
  return plan.shards.some((s) => s.items.some((i) => i.tests !== undefined));
}
