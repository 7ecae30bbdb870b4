import type { Field } from '../field.js';
import { isDns1123Label } from '@gauntlet/kube';

/**
 * What the mapping of one Chaos Toolkit experiment collects while it reads the activities: the configuration
 * values `${name}` refers to, the targets the Kubernetes functions name (deduplicated), the blast radius of
 * terminate_pods, and the notes (what chaos-gate does differently), which reach the log.
 */
export class CtkContext {
  readonly targets: Record<string, unknown>[] = [];
  readonly notes: string[] = [];
  private readonly targetKeys = new Map<string, string>();
  private limits: { maxTargets?: number; maxPercentage?: number; from?: string } = {};

  constructor(private readonly configuration: ReadonlyMap<string, string>) {}

  /** A string with `${name}` replaced from the configuration; an undeclared name is an error at its field. */
  substitute(field: Field): string {
    return field.string().replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      const value = this.configuration.get(name);
      if (value === undefined)
        field.fail(`\${${name}} is not declared in configuration (secrets are not substituted by chaos-gate)`);
      return value;
    });
  }

  /** An argument written as a string, number or boolean, substituted. */
  scalar(field: Field): string {
    return typeof field.value === 'string' ? this.substitute(field) : field.scalarString();
  }

  note(line: string): void {
    this.notes.push(line);
  }

  /** The name of the experiment target for these objects, added once. */
  target(spec: { kind: string; names?: string[]; labelSelector?: Field; ns?: Field }): string {
    const selector = spec.labelSelector?.present ? parseLabelSelector(spec.labelSelector, this) : undefined;
    // chaosk8s defaults ns to "default"; here an absent ns is the run's namespace (the PR environment), and a
    // given one is checked against the allow-list like any target's.
    const namespace = spec.ns?.present ? this.substitute(spec.ns) : undefined;
    // Named at the Chaos Toolkit path (arguments.ns), not at the target chaos-gate maps it to.
    if (namespace !== undefined && !isDns1123Label(namespace))
      spec.ns!.fail(
        `expected a namespace name (DNS-1123 label: a-z, 0-9, -, at most 63), got ${JSON.stringify(namespace)}`,
      );
    const doc = {
      kind: spec.kind,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(selector ? { selector } : {}),
      ...(spec.names && !selector ? { names: spec.names } : {}),
    };
    const key = JSON.stringify(doc);
    const known = this.targetKeys.get(key);
    if (known) return known;
    const name = `target-${this.targets.length + 1}`;
    this.targetKeys.set(key, name);
    this.targets.push({ name, ...doc });
    return name;
  }

  /** Blast radius is per experiment in chaos-gate: two terminate_pods with different quantities are refused. */
  limit(field: Field, limits: { maxTargets?: number; maxPercentage?: number }): void {
    const before = this.limits;
    const clash =
      before.from !== undefined &&
      (before.maxTargets !== limits.maxTargets || before.maxPercentage !== limits.maxPercentage);
    if (clash)
      field.fail(
        `a different quantity from ${before.from}: chaos-gate's blast radius is one per experiment (split the experiment)`,
      );
    this.limits = { ...limits, from: field.path };
  }

  blastRadius(): { maxTargets?: number; maxPercentage?: number } | undefined {
    if (this.limits.from === undefined) return undefined;
    const { from: _from, ...limits } = this.limits;
    return limits;
  }
}

/** `app=web,tier==front` as matchLabels; set-based selectors (in, notin, !key, key) are refused by name. */
export function parseLabelSelector(field: Field, ctx: CtkContext): Record<string, string> {
  const text = ctx.substitute(field);
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([^=!\s]+)\s*==?\s*([^=\s]+)\s*$/.exec(part);
    if (!match)
      field.fail(
        `only equality selectors (app=web,tier=front) are supported; ${JSON.stringify(part.trim())} is not one`,
      );
    out[match[1]!] = match[2]!;
  }
  return out;
}
