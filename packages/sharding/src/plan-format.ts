/**
 * The plan as it travels between jobs, both ways in one place: serialised by the plan job (a file in the plan
 * artifact, or the inline `plan` output), and checked on the way back in, because a shard must never run a plan it
 * misread.
 */
import { UserError } from '@gauntlet/action-kit';
import { PLAN_FORMAT, PLAN_VERSION, type Plan } from './plan.js';
import { MAX_MATRIX_JOBS } from './shard-spec.js';

/** The plan as JSON. Field order is fixed by construction, so equal plans serialise to identical bytes. */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(plan)}\n`;
}

/** A document that is not a plan this version can run; the message says what is wrong ("has no valid plan id"). */
export class PlanFormatError extends UserError {
  constructor(problem: string) {
    super(problem);
    this.name = 'PlanFormatError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface PlanCheckOptions {
  /** The runner adapters this build knows: a plan made for another one is refused. */
  readonly runners: readonly string[];
}

function fail(problem: string): never {
  throw new PlanFormatError(problem);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the structure a shard relies on (parsed JSON in, a Plan out); anything else in the plan is informational. */
export function validatePlan(value: unknown, options: PlanCheckOptions): Plan {
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
  if (runner !== undefined && !(options.runners as readonly unknown[]).includes(runner))
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
