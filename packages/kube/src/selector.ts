/**
 * Label and field selectors, built only from validated parts. A selector is a filter that decides what a list,
 * watch or delete-collection touches, so an empty value, a stray comma or an operator smuggled into a value
 * (`a in (b),c`, `x!=y`) would widen it silently. The builder refuses all of them, and refuses to build an empty
 * selector at all: "everything" is never the result of a missing value.
 */
import { isLabelValue, isQualifiedName } from './names.js';

export class SelectorError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

type Requirement =
  | { op: '='; key: string; value: string }
  | { op: '!='; key: string; value: string }
  | { op: 'exists'; key: string }
  | { op: '!exists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.trim() !== key || !isQualifiedName(key)) {
    throw new SelectorError(`invalid label key in selector: ${JSON.stringify(key)}`);
  }
  return key;
}

function checkValue(key: string, value: unknown): string {
  if (typeof value !== 'string') throw new SelectorError(`label ${key}: value must be a string, got ${typeof value}`);
  if (value === '') throw new SelectorError(`label ${key}: empty value in selector`);
  if (!isLabelValue(value))
    throw new SelectorError(`label ${key}: invalid value ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

export class LabelSelector {
  private readonly requirements: Requirement[] = [];

  /** key=value */
  eq(key: string, value: string): this {
    const k = checkKey(key);
    this.requirements.push({ op: '=', key: k, value: checkValue(k, value) });
    return this;
  }

  /** key!=value */
  notEq(key: string, value: string): this {
    const k = checkKey(key);
    this.requirements.push({ op: '!=', key: k, value: checkValue(k, value) });
    return this;
  }

  exists(key: string): this {
    this.requirements.push({ op: 'exists', key: checkKey(key) });
    return this;
  }

  notExists(key: string): this {
    this.requirements.push({ op: '!exists', key: checkKey(key) });
    return this;
  }

  in(key: string, values: readonly string[]): this {
    const k = checkKey(key);
    if (values.length === 0) throw new SelectorError(`label ${k}: empty set in selector`);
    this.requirements.push({ op: 'in', key: k, values: values.map((v) => checkValue(k, v)) });
    return this;
  }

  /** Every matchLabels pair of a workload's selector; an empty map is refused. */
  matchLabels(labels: Record<string, string> | undefined): this {
    const entries = Object.entries(labels ?? {});
    if (entries.length === 0) throw new SelectorError('empty matchLabels');
    for (const [key, value] of entries) this.eq(key, value);
    return this;
  }

  get size(): number {
    return this.requirements.length;
  }

  toString(): string {
    if (this.requirements.length === 0) throw new SelectorError('refusing to build an empty label selector');
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case '=':
            return `${r.key}=${r.value}`;
          case '!=':
            return `${r.key}!=${r.value}`;
          case 'exists':
            return r.key;
          case '!exists':
            return `!${r.key}`;
          case 'in':
          case 'notin':
            return `${r.key} ${r.op} (${r.values.join(',')})`;
        }
      })
      .join(',');
  }
}

export function labelSelector(): LabelSelector {
  return new LabelSelector();
}

const FIELD_KEYS = new Set([
  'metadata.name',
  'metadata.namespace',
  'involvedObject.name',
  'involvedObject.kind',
  'involvedObject.uid',
  'status.phase',
  'type',
]);

/** Field selectors, for the few fields we filter on; values are object names or enum words. */
export class FieldSelector {
  private readonly parts: string[] = [];
  eq(key: string, value: string): this {
    if (!FIELD_KEYS.has(key)) throw new SelectorError(`unsupported field selector key ${JSON.stringify(key)}`);
    if (typeof value !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,251}[A-Za-z0-9])?$/.test(value)) {
      throw new SelectorError(`field ${key}: invalid value ${JSON.stringify(String(value).slice(0, 80))}`);
    }
    this.parts.push(`${key}=${value}`);
    return this;
  }
  toString(): string {
    if (this.parts.length === 0) throw new SelectorError('refusing to build an empty field selector');
    return this.parts.join(',');
  }
}

export function fieldSelector(): FieldSelector {
  return new FieldSelector();
}

/** A metav1.LabelSelector as it appears in objects (Deployments, NetworkPolicies, Chaos Mesh selectors). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface SelectorMatchOptions {
  /**
   * What `{}` (or a missing selector) means. Kubernetes gives it two meanings: "every pod" in a NetworkPolicy's
   * podSelector and namespaceSelector, and nothing we should ever act on in a target selector. The caller says
   * which; there is no default.
   */
  readonly empty: 'nothing' | 'everything';
  /** An operator other than In/NotIn/Exists/DoesNotExist: treated as no match, or thrown as a SelectorError. */
  readonly unknownOperator: 'no-match' | 'throw';
}

/** Client-side evaluation of a metav1.LabelSelector against a label map (the one home for it). */
export function labelSelectorMatches(
  selector: LabelSelectorSpec | null | undefined,
  labels: Record<string, string> | undefined,
  options: SelectorMatchOptions,
): boolean {
  const match = selector?.matchLabels ?? {};
  const expressions = selector?.matchExpressions ?? [];
  if (Object.keys(match).length === 0 && expressions.length === 0) return options.empty === 'everything';
  const l = labels ?? {};
  for (const [key, value] of Object.entries(match)) if (!Object.hasOwn(l, key) || l[key] !== value) return false;
  for (const expression of expressions) {
    const has = Object.hasOwn(l, expression.key);
    const value = l[expression.key];
    switch (expression.operator) {
      case 'In':
        if (!has || !(expression.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (expression.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        if (options.unknownOperator === 'throw')
          throw new SelectorError(
            `unsupported label selector operator ${JSON.stringify(expression.operator)} (key ${JSON.stringify(expression.key)})`,
          );
        return false;
    }
  }
  return true;
}
