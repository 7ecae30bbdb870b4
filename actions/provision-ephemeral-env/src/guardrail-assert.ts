/**
 * Applying the guardrails so that they are exactly ours, and checking afterwards that they still are.
 *
 * They are applied with their own field manager (never the stack's), without force. Two kinds of tampering are
 * repaired on the way, both of which a plain server-side apply would leave in place:
 * - a field we set was changed by another manager: the apply answers 409 naming it; we apply again with force
 *   (force only ever on our own guardrails, and only then);
 * - a field we do not set was added by another manager (an `ingress: [{}]` in the default-deny policy turns it into
 *   allow-all): the apply succeeds and keeps it, so the answer's managedFields are read, and a spec field owned by
 *   someone else and not by us is removed by replacing the spec (a JSON patch guarded by the object's uid).
 * After the stack is applied each guardrail is read again and must be the very object (uid) with the very spec we
 * left; anything else is re-asserted and reported, and up fails.
 */
import {
  type KubeClient,
  type KubeObject,
  type PlannedObject,
  ApplyConflictError,
  describeTarget,
  mapLimit,
  objectPath,
  serverSideApply,
} from '@gauntlet/kube';
import { GUARDRAIL_FIELD_MANAGER } from './constants.js';

export interface AssertedGuardrail {
  planned: PlannedObject;
  /** The object as the server holds it after our apply (and repair). */
  object: KubeObject;
}

export interface AssertResult {
  guardrails: AssertedGuardrail[];
  /** What was found changed and put back, in words (empty on an untouched environment). */
  repaired: string[];
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/** Every owned path in a FieldsV1 set (the `.` key marks a node owned in itself), as `a/b/c` strings. */
export function ownedPaths(fields: unknown, prefix = ''): string[] {
  if (fields === null || typeof fields !== 'object') return [];
  const entries = Object.entries(fields as Record<string, unknown>);
  const paths: string[] = [];
  if (entries.length === 0 || entries.some(([key]) => key === '.')) paths.push(prefix);
  for (const [key, value] of entries) {
    if (key === '.') continue;
    paths.push(...ownedPaths(value, `${prefix}/${key}`));
  }
  return paths;
}

/**
 * The managers (other than our own apply) that own a spec field we do not own: fields added to a guardrail by
 * someone else. Status (a subresource, written by controllers) does not count; shared ownership of a field we also
 * set, with the same value, does not either.
 */
export function foreignSpecFields(object: KubeObject): Array<{ manager: string; field: string }> {
  const entries = (object.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? [];
  const isOurs = (e: ManagedFieldsEntry): boolean =>
    e.manager === GUARDRAIL_FIELD_MANAGER && e.operation === 'Apply' && !e.subresource;
  const ours = new Set(entries.filter(isOurs).flatMap((e) => ownedPaths((e.fieldsV1 ?? {})['f:spec'], '/f:spec')));
  const found: Array<{ manager: string; field: string }> = [];
  for (const entry of entries) {
    if (isOurs(entry) || entry.subresource) continue;
    for (const path of ownedPaths((entry.fieldsV1 ?? {})['f:spec'], '/f:spec')) {
      // A parent we own covers nothing by itself: a foreign field is one whose own path we do not own.
      if (!ours.has(path))
        found.push({
          manager: `${entry.manager ?? '(unnamed)'}${entry.operation === 'Apply' ? '' : ` (${entry.operation ?? 'Update'})`}`,
          field: readable(path),
        });
    }
  }
  return found;
}

function readable(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/^[fkv]:/, ''))
    .join('.')
    .slice(0, 200);
}

async function applyOne(
  client: KubeClient,
  planned: PlannedObject,
  options: GuardrailApplyOptions,
  repaired: string[],
): Promise<KubeObject> {
  const base = {
    fieldManager: GUARDRAIL_FIELD_MANAGER,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  };
  let object: KubeObject;
  try {
    object = await serverSideApply(client, planned, { ...base, force: false });
  } catch (error) {
    if (!(error instanceof ApplyConflictError)) throw error;
    // Our own earlier repair (an update by our manager) is not tampering; anyone else's change is.
    const others = error.managers.filter((m) => m !== GUARDRAIL_FIELD_MANAGER);
    if (others.length > 0 || error.managers.length === 0)
      repaired.push(
        `${describeTarget(planned)}: ${error.fields.slice(0, 5).join(', ') || 'fields'} had been changed by ${others.map((m) => JSON.stringify(m)).join(', ') || 'another field manager'}`,
      );
    object = await serverSideApply(client, planned, { ...base, force: true });
  }
  const foreign = foreignSpecFields(object);
  if (foreign.length > 0) {
    repaired.push(
      `${describeTarget(planned)}: ${foreign
        .slice(0, 5)
        .map((f) => `${f.field} had been added by ${JSON.stringify(f.manager)}`)
        .join('; ')}`,
    );
    object = await client.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(planned.type, planned.namespace, planned.name),
      contentType: 'application/json-patch+json',
      query: { fieldManager: GUARDRAIL_FIELD_MANAGER },
      body: [
        { op: 'test', path: '/metadata/uid', value: object.metadata?.uid },
        { op: 'replace', path: '/spec', value: planned.object.spec ?? {} },
      ],
      ...base,
    });
  }
  return object;
}

export interface GuardrailApplyOptions {
  signal?: AbortSignal;
  deadline?: number;
}

/** Applies every guardrail (in order: the quota and limits come before anything else is applied) and repairs them. */
export async function assertGuardrails(
  client: KubeClient,
  plan: readonly PlannedObject[],
  options: GuardrailApplyOptions,
): Promise<AssertResult> {
  const repaired: string[] = [];
  const guardrails = await mapLimit(plan, 8, async (planned) => ({
    planned,
    object: await applyOne(client, planned, options, repaired),
  }));
  return { guardrails, repaired };
}

/**
 * Reads every guardrail again: it must be the object we applied (same uid) with the spec we left. Returns what
 * changed, in words, after re-asserting it; empty when all are intact.
 */
export async function verifyGuardrails(
  client: KubeClient,
  asserted: readonly AssertedGuardrail[],
  options: GuardrailApplyOptions,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { planned, object } of asserted) {
    const current = await client.getOptional<KubeObject>(
      objectPath(planned.type, planned.namespace, planned.name),
      options.signal,
    );
    const target = describeTarget(planned);
    let problem: string | undefined;
    if (!current) problem = `${target} was deleted`;
    else if (current.metadata?.uid !== object.metadata?.uid) problem = `${target} was replaced by another object`;
    else if (!sameJson(current.spec, object.spec))
      problem = `${target} was changed (its spec differs from what was applied)`;
    else if (foreignSpecFields(current).length > 0)
      problem = `${target} has fields set by ${[...new Set(foreignSpecFields(current).map((f) => JSON.stringify(f.manager)))].join(', ')}`;
    if (problem) {
      problems.push(problem);
      await applyOne(client, planned, options, []);
    }
  }
  return problems;
}

/** Deep equality of JSON values, independent of key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
