import { randomInt, seededRandom, seedFrom } from '@gauntlet/action-kit';
import { BlastRadiusError } from './errors.js';
import type { ExperimentSpec } from './experiment/model.js';

/**
 * Blast-radius limits. The rounding rule, the same everywhere and printed in the report:
 *
 * - zero candidates → zero targets: the fault is "not injected" (never a pass, and never "everything");
 * - a percentage p of n candidates → floor(n × p / 100), but at least 1 when p > 0 (a 10% limit on 3 pods hits one
 *   pod rather than none); p = 0 → none;
 * - then at most max-targets.
 */
export const ROUNDING_RULE =
  'targets = floor(candidates × percentage / 100), at least 1 when percentage > 0 and there is a candidate; ' +
  'then at most max-targets; no candidate means not injected';

export interface BlastRadiusLimits {
  readonly maxTargets?: number;
  readonly maxPercentage?: number;
}

export function allowedTargetCount(candidates: number, limits: BlastRadiusLimits): number {
  if (!Number.isInteger(candidates) || candidates <= 0) return 0;
  let count = candidates;
  if (limits.maxPercentage !== undefined) {
    const p = limits.maxPercentage;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentage out of range: ${p}`);
    // The epsilon keeps 3 × 33.333…% = 0.99999… from flooring to 0 when the user meant a third.
    count = p === 0 ? 0 : Math.max(1, Math.floor((candidates * p) / 100 + 1e-9));
  }
  if (limits.maxTargets !== undefined) count = Math.min(count, limits.maxTargets);
  return count;
}

/** The stricter of two limits (the action's inputs and the experiment's own). */
export function combineLimits(a: BlastRadiusLimits, b: BlastRadiusLimits): BlastRadiusLimits {
  const min = (x?: number, y?: number): number | undefined =>
    x === undefined ? y : y === undefined ? x : Math.min(x, y);
  const maxTargets = min(a.maxTargets, b.maxTargets);
  const maxPercentage = min(a.maxPercentage, b.maxPercentage);
  return {
    ...(maxTargets !== undefined ? { maxTargets } : {}),
    ...(maxPercentage !== undefined ? { maxPercentage } : {}),
  };
}

export interface NamespaceScope {
  /** Namespace a target without one lives in (the PR environment's). */
  readonly defaultNamespace: string;
  /** Namespaces faults may touch; the default namespace alone when the input is empty. */
  readonly allowed: readonly string[];
}

/** Every namespace an experiment would write to, each with the field that names it. */
export function namespacesOf(
  experiment: ExperimentSpec,
  scope: NamespaceScope,
): { namespace: string; where: string }[] {
  const out: { namespace: string; where: string }[] = [];
  for (const target of experiment.targets) {
    out.push({ namespace: target.namespace ?? scope.defaultNamespace, where: `target '${target.name}'` });
  }
  for (const step of experiment.steps) {
    for (const fault of step.faults) {
      const where = `fault ${fault.id} (${fault.type})`;
      if ((fault.type === 'resource-exhaustion' || fault.type === 'istio-fault') && fault.namespace) {
        out.push({ namespace: fault.namespace, where });
      }
      if (fault.type === 'chaos-mesh' || fault.type === 'litmus') {
        for (const namespace of foreignNamespaces(fault.resource)) out.push({ namespace, where });
      }
    }
  }
  return out;
}

/** Marks a label selector over namespaces, which can match any namespace and is therefore always refused. */
const NAMESPACE_SELECTOR = '*namespaceSelectors*';

/** Namespaces a Chaos Mesh or Litmus resource names: its own, its selector's, Litmus's appinfo.appns. */
export function foreignNamespaces(resource: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const metadata = resource['metadata'] as Record<string, unknown> | undefined;
  if (typeof metadata?.['namespace'] === 'string') out.push(metadata['namespace']);
  const spec = (resource['spec'] ?? {}) as Record<string, unknown>;
  const selector = spec['selector'] as Record<string, unknown> | undefined;
  const namespaces = selector?.['namespaces'];
  if (Array.isArray(namespaces)) for (const n of namespaces) out.push(String(n));
  const pods = selector?.['pods'];
  if (pods && typeof pods === 'object') out.push(...Object.keys(pods));
  const target = spec['target'] as Record<string, unknown> | undefined; // NetworkChaos's peer selector
  const targetNamespaces = (target?.['selector'] as Record<string, unknown> | undefined)?.['namespaces'];
  if (Array.isArray(targetNamespaces)) for (const n of targetNamespaces) out.push(String(n));
  const appinfo = spec['appinfo'] as Record<string, unknown> | undefined;
  if (typeof appinfo?.['appns'] === 'string') out.push(appinfo['appns']);
  if (selector && 'namespaceSelectors' in selector) out.push(NAMESPACE_SELECTOR);
  return out;
}

/**
 * Refuses, before the first write, every experiment whose targets or resources reach outside the allow-list.
 * A namespace selector (which may match any namespace) is refused outright.
 */
export function assertInsideAllowList(experiments: readonly ExperimentSpec[], scope: NamespaceScope): void {
  const allowed = new Set(scope.allowed.length ? scope.allowed : [scope.defaultNamespace]);
  const problems: string[] = [];
  for (const experiment of experiments) {
    for (const { namespace, where } of namespacesOf(experiment, scope)) {
      if (namespace === NAMESPACE_SELECTOR) {
        problems.push(`${experiment.name}: ${where} selects namespaces by label, which can reach any namespace`);
      } else if (!allowed.has(namespace)) {
        problems.push(`${experiment.name}: ${where} reaches namespace '${namespace}'`);
      }
    }
  }
  if (problems.length) {
    throw new BlastRadiusError(
      `Refused before any fault: outside the allowed namespaces (${[...allowed].join(', ')}): ${problems.join('; ')}`,
    );
  }
}

/**
 * The targets a fault hits: allowedTargetCount of the candidates, picked by a generator seeded from the run and the
 * fault (a re-run picks the same pods; the seed is in the report). Candidates are sorted first so the pick does not
 * depend on the order the API server listed them in.
 */
export function chooseTargets(candidates: readonly string[], limits: BlastRadiusLimits, seed: string): string[] {
  const pool = [...new Set(candidates)].sort();
  const count = allowedTargetCount(pool.length, limits);
  const random = seededRandom(seedFrom(seed));
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count).sort();
}
