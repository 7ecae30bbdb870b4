/**
 * Kubernetes vocabulary as actions take it in their inputs: label and annotation maps, resource quantities,
 * container resources and tolerations. Each reader checks a value as the API server would and throws an InputError
 * naming the input, so a bad value stops the step before any request is built; what it returns is safe to put in a
 * pod spec as it is. Nothing here loads @kubernetes/client-node.
 */
import { InputError, quote } from '@gauntlet/action-kit';
import { isLabelValue, isQualifiedName } from './names.js';
import { isQuantity, parseQuantity } from './quantity.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** A container's requests and limits, each a map of resource name to quantity. */
export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TOLERATION_FIELDS = new Set(['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
/** The largest annotation value we pass on (the API server caps all of an object's annotations at 256 KiB). */
const MAX_ANNOTATION_VALUE = 64 * 1024;

/** An environment variable name as a container's env takes it (and a shell could read it). */
export function isEnvVarName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** Checks every key and value of a label map (a label input, a node selector); `reserved` refuses keys we set. */
export function checkLabelMap(
  input: string,
  labels: Readonly<Record<string, string>>,
  reserved: (key: string) => boolean = () => false,
): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key)) throw new InputError(input, `${quote(key)} is not a valid label key`);
    if (!isLabelValue(value)) throw new InputError(input, `${quote(value)} is not a valid label value`);
    if (reserved(key)) throw new InputError(input, `${quote(key)} is reserved`);
  }
}

/** Checks every key of an annotation map, and that no value is unreasonably long. */
export function checkAnnotationMap(input: string, annotations: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (!isQualifiedName(key)) throw new InputError(input, `${quote(key)} is not a valid annotation key`);
    if (value.length > MAX_ANNOTATION_VALUE) throw new InputError(input, `the value of ${quote(key)} is too long`);
  }
}

export interface QuantityMapOptions {
  /** Where in the input the map is (`requests`), prefixed to every message. */
  readonly where?: string;
  /** Which resource names are allowed (default: any qualified name). */
  readonly allowKey?: (key: string) => boolean;
}

/** A map of resource names to quantities (YAML numbers taken as their text); null or absent is empty. */
export function readQuantityMap(
  input: string,
  value: unknown,
  options: QuantityMapOptions = {},
): Record<string, string> {
  const named = (key: string): string => (options.where === undefined ? key : `${options.where}.${key}`);
  const allowKey = options.allowKey ?? isQualifiedName;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = options.where === undefined ? 'must' : `${options.where} must`;
    throw new InputError(
      input,
      `${what} be a mapping of resource names to quantities, such as {cpu: 500m, memory: 1Gi}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!allowKey(key)) throw new InputError(input, `${quote(named(key))} is not a resource name`);
    const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
    if (typeof text !== 'string' || !isQuantity(text))
      throw new InputError(input, `${named(key)}: ${shown(raw)} is not a Kubernetes quantity`);
    out[key] = text.trim();
  }
  return out;
}

/** A YAML value as a message shows it: quoted and cut short. */
function shown(raw: unknown): string {
  return quote(typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw)));
}

/** A container's resources: a mapping with requests and/or limits, each of quantities. */
export function readResourceRequirements(input: string, value: unknown): ResourceRequirements {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(input, 'must be a mapping with "requests" and/or "limits"');
  const unknown = Object.keys(value).find((k) => k !== 'requests' && k !== 'limits');
  if (unknown !== undefined) throw new InputError(input, `unknown key ${quote(unknown)}; use requests and limits`);
  const given = value as { requests?: unknown; limits?: unknown };
  const requests = readQuantityMap(input, given.requests, { where: 'requests' });
  const limits = readQuantityMap(input, given.limits, { where: 'limits' });
  // The API server refuses a request above its limit; found here, it cannot fail the pods after the plan.
  for (const [key, request] of Object.entries(requests)) {
    const limit = limits[key];
    if (limit !== undefined && parseQuantity(request) > parseQuantity(limit))
      throw new InputError(input, `requests.${key} (${request}) is above limits.${key} (${limit})`);
  }
  return { requests, limits };
}

/** A YAML list of tolerations, each field checked as the API server checks it; null or absent is none. */
export function readTolerations(input: string, value: unknown): Toleration[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(input, 'must be a YAML list of tolerations');
  return value.map((raw: unknown, i) => readToleration(input, raw, `item ${i + 1}`));
}

function readToleration(input: string, raw: unknown, where: string): Toleration {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError(input, `${where} is not a map`);
  const t = raw as Record<string, unknown>;
  const extra = Object.keys(t).find((k) => !TOLERATION_FIELDS.has(k));
  if (extra !== undefined) throw new InputError(input, `${where}: unknown field ${quote(extra)}`);
  const out: Toleration = {};
  if (t['key'] !== undefined) {
    if (typeof t['key'] !== 'string' || !isQualifiedName(t['key']))
      throw new InputError(input, `${where}: key ${shown(t['key'])} is not a valid taint key`);
    out.key = t['key'];
  }
  if (t['operator'] !== undefined) {
    if (t['operator'] !== 'Exists' && t['operator'] !== 'Equal')
      throw new InputError(input, `${where}: operator must be Exists or Equal`);
    out.operator = t['operator'];
  }
  if (t['value'] !== undefined) {
    const v = typeof t['value'] === 'boolean' || typeof t['value'] === 'number' ? String(t['value']) : t['value'];
    if (typeof v !== 'string' || !isLabelValue(v))
      throw new InputError(input, `${where}: value ${shown(t['value'])} is not a valid taint value`);
    out.value = v;
  }
  if (t['effect'] !== undefined) {
    const effect = EFFECTS.find((e) => e === t['effect']);
    if (effect === undefined)
      throw new InputError(input, `${where}: effect must be NoSchedule, PreferNoSchedule or NoExecute`);
    out.effect = effect;
  }
  if (t['tolerationSeconds'] !== undefined) {
    const s = t['tolerationSeconds'];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)
      throw new InputError(input, `${where}: tolerationSeconds must be a whole number ≥ 0`);
    out.tolerationSeconds = s;
  }
  // The API server's own rules for a toleration, so none passes here and fails the Job later.
  if (out.operator === 'Exists' && out.value !== undefined)
    throw new InputError(input, `${where}: operator Exists takes no value`);
  if (out.key === undefined && out.operator !== 'Exists')
    throw new InputError(input, `${where}: without a key the operator must be Exists (which tolerates every taint)`);
  if (out.tolerationSeconds !== undefined && out.effect !== 'NoExecute')
    throw new InputError(input, `${where}: tolerationSeconds needs effect NoExecute`);
  return out;
}
