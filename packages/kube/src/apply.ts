/**
 * Planning and server-side apply of a stack into one namespace.
 *
 * Planning resolves every object's resource type and scope and refuses what must not be applied: Namespaces (the
 * environment is the only one), objects that name another namespace, cluster-scoped objects unless allowed, and
 * duplicates. Apply is a server-side apply PATCH per object with our field manager; a conflict fails and names the
 * managers that own the contested fields, and `force` is sent only when the caller asks for it.
 */
import { UserError } from '@gauntlet/action-kit';
import type { KubeClient, KubeObject } from './client.js';
import { KubeApiError, formatKubeError, saysInvalid } from './errors.js';
import { assertObjectName } from './names.js';
import { installWaves } from './install-order.js';
import { parseQuantity } from './quantity.js';
import { type ManifestSource, type StackObject, where } from './manifests.js';
import { type ResourceType, type TypeResolver, apiVersionOf, objectPath } from './resources.js';

export interface PlannedObject {
  type: ResourceType;
  name: string;
  /** Undefined for cluster-scoped objects. */
  namespace: string | undefined;
  object: KubeObject;
  source: ManifestSource;
}

export interface PlanOptions {
  namespace: string;
  allowClusterScoped: boolean;
  signal?: AbortSignal;
}

export async function planStack(
  objects: readonly StackObject[],
  discovery: TypeResolver,
  options: PlanOptions,
): Promise<PlannedObject[]> {
  const planned: PlannedObject[] = [];
  const seen = new Map<string, ManifestSource>();
  for (const { object, source } of objects) {
    const apiVersion = object.apiVersion as string;
    const kind = object.kind as string;
    if (kind === 'Namespace')
      throw new UserError(
        `${where(source)}: Namespace objects are not allowed in the stack; the environment namespace is created for you`,
      );
    const type = await discovery.resolve(apiVersion, kind, options.signal);
    if (!type) throw new UserError(`${where(source)}: the cluster does not serve ${kind} in ${apiVersion}`);
    let name: string;
    try {
      name = assertObjectName(object.metadata?.name, `${kind} name`);
    } catch (error) {
      throw new UserError(`${where(source)}: ${(error as Error).message}`);
    }
    let namespace: string | undefined;
    if (type.namespaced) {
      const declared = object.metadata?.namespace;
      if (declared !== undefined && declared !== '' && declared !== options.namespace) {
        throw new UserError(
          `${where(source)}: ${kind}/${name} names namespace ${JSON.stringify(String(declared).slice(0, 63))}; every namespaced object goes into the environment namespace`,
        );
      }
      namespace = options.namespace;
    } else if (!options.allowClusterScoped) {
      throw new UserError(
        `${where(source)}: ${kind}/${name} is cluster-scoped; set allow-cluster-scoped: true to apply cluster-scoped objects`,
      );
    }
    const key = `${apiVersionOf(type)}|${kind}|${namespace ?? ''}|${name}`;
    const previous = seen.get(key);
    if (previous) throw new UserError(`${where(source)}: ${kind}/${name} is also defined at ${where(previous)}`);
    seen.set(key, source);
    const metadata = { ...object.metadata, name, ...(namespace ? { namespace } : {}) };
    if (!type.namespaced) delete metadata.namespace;
    // Server-managed fields must not be sent in an apply body.
    delete metadata.resourceVersion;
    delete metadata.uid;
    delete metadata.creationTimestamp;
    delete metadata.managedFields;
    delete metadata.generation;
    const body: KubeObject = { ...object, metadata };
    delete body.status;
    planned.push({ type, name, namespace, object: body, source });
  }
  return planned;
}

export class ApplyConflictError extends UserError {
  constructor(
    readonly target: string,
    readonly managers: string[],
    readonly fields: string[],
  ) {
    super(
      `${target}: server-side apply conflict with field manager${managers.length === 1 ? '' : 's'} ${managers.map((m) => JSON.stringify(m)).join(', ')}` +
        `${fields.length ? ` on ${fields.slice(0, 10).join(', ')}` : ''}; remove those fields from the manifest, or set force-conflicts: true to take them over`,
    );
    this.name = 'ApplyConflictError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class ApplyError extends UserError {
  constructor(
    readonly target: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${target}: ${message}`, options);
    this.name = 'ApplyError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface QuotaRejection {
  /** The ResourceQuota's name. */
  quota: string;
  requested: string;
  used: string;
  limited: string;
  /** The limits this request would exceed, `name=limit`, comma-separated. */
  exceeded: string;
}

/** The parts of the API server's "exceeded quota: <name>, requested: …, used: …, limited: …" message. */
export function quotaRejection(message: string): QuotaRejection | undefined {
  const match = /exceeded quota: ([a-z0-9.-]{1,253}), requested: (.+?), used: (.+?), limited: (.+)$/.exec(
    message.trim(),
  );
  if (!match) return undefined;
  const [, quota, requested, used, limited] = match as unknown as [string, string, string, string, string];
  return { quota, requested, used, limited, exceeded: exceededLimits(requested, used, limited) };
}

/** The `name=limit` pairs that the request pushes over their limit (all of `limited` when they cannot be compared). */
function exceededLimits(requested: string, used: string, limited: string): string {
  const pairs = (text: string): Map<string, string> =>
    new Map(
      text.split(',').flatMap((part) => {
        const at = part.indexOf('=');
        return at > 0 ? [[part.slice(0, at).trim(), part.slice(at + 1).trim()] as [string, string]] : [];
      }),
    );
  const want = pairs(requested);
  const have = pairs(used);
  const over = [...pairs(limited)].filter(([name, limit]) => {
    const quantity = (text: string): number => {
      try {
        return parseQuantity(text);
      } catch {
        return Number.NaN;
      }
    };
    const sum = quantity(want.get(name) ?? '0') + quantity(have.get(name) ?? '0');
    const max = quantity(limit);
    return !Number.isFinite(sum) || !Number.isFinite(max) || sum > max;
  });
  return over.length > 0 ? over.map(([name, limit]) => `${name}=${limit}`).join(', ') : limited;
}

export class QuotaExceededError extends ApplyError {
  constructor(
    target: string,
    readonly rejection: QuotaRejection,
    options?: ErrorOptions,
  ) {
    super(
      target,
      `exceeds quota ${rejection.exceeded} (ResourceQuota ${rejection.quota}: requested ${rejection.requested}, used ${rejection.used})`,
      options,
    );
    this.name = 'QuotaExceededError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  deadline?: number;
  /** Called after each object is applied. */
  onApplied?: (object: PlannedObject, result: KubeObject) => void;
}

export interface AppliedObject {
  planned: PlannedObject;
  result: KubeObject;
}

export function describeTarget(planned: Pick<PlannedObject, 'type' | 'name'>): string {
  return `${planned.type.kind.toLowerCase()}/${planned.name}`;
}

/** One server-side apply. A 409 becomes an ApplyConflictError naming the managers; a 422 an ApplyError with field paths. */
export async function serverSideApply(
  client: KubeClient,
  planned: PlannedObject,
  options: ApplyOptions,
): Promise<KubeObject> {
  const target = describeTarget(planned);
  try {
    return await client.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(planned.type, planned.namespace, planned.name),
      query: {
        fieldManager: options.fieldManager,
        fieldValidation: 'Strict',
        ...(options.force ? { force: true } : {}),
      },
      body: planned.object,
      contentType: 'application/apply-patch+yaml',
      // Applying the same configuration twice has the same effect as once.
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) {
      const managers = new Set<string>();
      const fields: string[] = [];
      for (const cause of error.causes) {
        const manager = /conflict with "([^"]{1,128})"/.exec(cause.message ?? '')?.[1];
        if (manager) managers.add(manager);
        if (cause.field) fields.push(cause.field);
      }
      if (managers.size === 0) {
        const manager = /conflict with "([^"]{1,128})"/.exec(error.apiMessage)?.[1];
        if (manager) managers.add(manager);
      }
      throw new ApplyConflictError(target, [...managers], fields);
    }
    if (
      error instanceof KubeApiError &&
      (error.status === 422 ||
        error.status === 400 ||
        saysInvalid(error.status, { reason: error.reason, message: error.apiMessage }))
    ) {
      throw new ApplyError(target, `rejected as invalid: ${formatKubeError(error)}`, { cause: error });
    }
    if (error instanceof KubeApiError && error.status === 403) {
      // Admission answers some rejections with 403 too; a quota rejection is not a permissions problem.
      const quota = quotaRejection(error.apiMessage);
      if (quota) throw new QuotaExceededError(target, quota, { cause: error });
      throw new ApplyError(
        target,
        `forbidden: the action's service account may not apply ${planned.type.kind} (${formatKubeError(error)})`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Applies the plan in waves by kind, in Helm's install order (see install-order.ts), each wave with bounded
 * concurrency; the first error aborts the rest, and no later wave is started.
 */
export async function applyStack(
  client: KubeClient,
  plan: readonly PlannedObject[],
  options: ApplyOptions & { early?: (planned: PlannedObject) => boolean },
): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const wave of installWaves(plan, options.early)) {
    results.push(
      ...(await mapLimit(wave, options.concurrency ?? 12, async (planned) => {
        const result = await serverSideApply(client, planned, options);
        options.onApplied?.(planned, result);
        return { planned, result };
      })),
    );
  }
  return results;
}

/** Runs fn over items with at most `limit` in flight; rejects on the first failure (after in-flight ones settle). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
