/** What the TEST-ONLY stand-in actions share: input parsing with clear errors, and the failure boundary. */
import path from 'node:path';
import * as core from '@actions/core';

/** Runs a stand-in's body; any error fails the step with one line, as the real actions do. */
export async function runStandIn(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    core.setFailed(`${name} (test stand-in): ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function enumInput<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name) || fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`input ${name} is ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** An optional integer input within [min, max]; undefined when empty. */
export function intInput(name: string, min: number, max: number): number | undefined {
  const raw = core.getInput(name);
  if (raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`input ${name} is ${JSON.stringify(raw)}; expected an integer from ${min} to ${max}`);
  return value;
}

/** Inputs the real action has but this stand-in does not implement: an error that names them, never a silent default. */
export function refuseInputs(names: readonly string[]): void {
  const given = names.filter((name) => core.getInput(name) !== '');
  if (given.length > 0)
    throw new Error(`the test stand-in does not implement input${given.length === 1 ? '' : 's'} ${given.join(', ')}`);
}

/** The least common ancestor directory of absolute paths (the artifact root of a multi-path upload). */
export function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((p) => path.normalize(p).split(path.sep));
  const shortest = Math.min(...split.map((s) => s.length));
  const common: string[] = [];
  for (let i = 0; i < shortest; i++) {
    const part = split[0]![i]!;
    if (split.some((s) => s[i] !== part)) break;
    common.push(part);
  }
  return common.join(path.sep) || path.sep;
}
