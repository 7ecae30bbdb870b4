/**
 * The `plan` input (a file from the plan artifact, or the inline `plan` output), read and checked with sharding's
 * plan format; and each shard's part of the plan, as command-line arguments.
 */
import { confinePath, InputError, loadJson, readFileInside, UserError, type AllowedRoot } from '@gauntlet/action-kit';
import { PlanFormatError, testKey, validatePlan, type Plan, type PlanItem } from '@gauntlet/sharding';
import { pathArgument, RUNNER_NAMES, type RunnerAdapter } from '@gauntlet/test-runners';
import { Inputs } from './constants.js';

const MAX_PLAN_BYTES = 64 * 1024 * 1024;

function fail(message: string): never {
  throw new InputError(Inputs.plan, message);
}

/** Checks the structure a shard relies on (sharding's validatePlan); a problem is an error naming the input. */
function checkedPlan(value: unknown): Plan {
  try {
    return validatePlan(value, { runners: RUNNER_NAMES });
  } catch (error) {
    if (error instanceof PlanFormatError) fail(error.message);
    throw error;
  }
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
  return checkedPlan(parsed);
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
