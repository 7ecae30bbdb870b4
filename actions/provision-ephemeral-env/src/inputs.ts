/**
 * The one input parser. Defaults live in action.yml, except the quota's (DEFAULT_QUOTA, which resource-quota is
 * merged over); an empty value means the user cleared it (a cleared resource-quota or limit-range means "none").
 */
import { InputError, InputReader } from '@gauntlet/action-kit';
import {
  PREFIX_PATTERN,
  isDns1123Label,
  readKubeconfigInput,
  readQuantityMap,
  type KubeconfigInput,
} from '@gauntlet/kube';
import { DEFAULT_RECORDS_NAMESPACE } from './creation-records.js';
import { DEFAULT_QUOTA, GUARDRAIL_FIELD_MANAGER, Inputs as I } from './constants.js';

export type Mode = 'up' | 'down' | 'reap';
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface LimitRangeSpec {
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
  max?: Record<string, string>;
}

export interface Inputs {
  readonly mode: Mode;
  /** Content or a path (relative to the workspace, inside it or RUNNER_TEMP); undefined: KUBECONFIG or in-cluster. */
  readonly kubeconfig: KubeconfigInput | undefined;
  readonly context: string | undefined;
  readonly namePrefix: string | undefined;
  readonly prNumber: number | undefined;
  /** Mode up: the ref whose push environment is this one's baseline (output baseline-namespace). */
  readonly baselineRef: string | undefined;
  readonly manifests: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  readonly images: Readonly<Record<string, string>>;
  readonly imageTag: string | undefined;
  readonly allowClusterScoped: boolean;
  readonly forceConflicts: boolean;
  readonly fieldManager: string;
  readonly seedJobs: readonly string[];
  readonly timeoutMs: number;
  readonly ttlMs: number;
  readonly keepOnFailure: boolean;
  readonly resourceQuota: Readonly<Record<string, string>> | undefined;
  readonly limitRange: LimitRangeSpec | undefined;
  readonly networkPolicy: 'default-deny' | 'none';
  readonly allowNamespaces: readonly string[];
  readonly podSecurity: PodSecurityLevel;
  readonly maxEnvironments: number;
  readonly capacityCheck: boolean;
  readonly capacityWaitMs: number;
  readonly namespaceKubeconfig: boolean;
  readonly clusterDomain: string;
  readonly deleteTimeoutMs: number;
  readonly failOnStuck: boolean;
  readonly dryRun: boolean;
  readonly reapClosed: boolean;
  readonly report: boolean;
  readonly allowForkEvents: boolean;
  /** Where the creation records live (see creation-records.ts). */
  readonly recordsNamespace: string;
}

const BUILT_IN_VARIABLES = new Set([
  'NAMESPACE',
  'ENVIRONMENT',
  'PR_NUMBER',
  'HEAD_SHA',
  'SHORT_SHA',
  'IMAGE_TAG',
  'EXPIRES_AT',
  'RUN_ID',
]);
const QUOTA_KEY =
  /^(requests\.|limits\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)?$|^count\/[a-z0-9.]+$/;

/** A mapping of resource names to quantities through @gauntlet/kube's one reader; here a null map is refused. */
function quantityMap(name: string, value: unknown, allowKey: (key: string) => boolean): Record<string, string> {
  if (value === null || value === undefined)
    throw new InputError(name, 'must be a YAML mapping of resource names to quantities');
  return readQuantityMap(name, value, { allowKey });
}

/**
 * The quota the environment gets: the given mapping merged over DEFAULT_QUOTA, so raising one limit is one line; a
 * key set to null (`services.loadbalancers: null`, or `~`) removes that limit. No limits left: no quota.
 */
function quotaOverDefaults(raw: unknown): Record<string, string> | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(I.resourceQuota, 'must be a YAML mapping of resource names to quantities');
  const entries = Object.entries(raw as Record<string, unknown>);
  const removed = entries.filter(([, value]) => value === null).map(([key]) => key);
  for (const key of removed)
    if (!QUOTA_KEY.test(key)) throw new InputError(I.resourceQuota, `${JSON.stringify(key)} is not a resource name`);
  const given = quantityMap(I.resourceQuota, Object.fromEntries(entries.filter(([, value]) => value !== null)), (k) =>
    QUOTA_KEY.test(k),
  );
  const merged: Record<string, string> = { ...DEFAULT_QUOTA, ...given };
  for (const key of removed) delete merged[key];
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export function parseInputs(reader = new InputReader(), workspace = process.cwd()): Inputs {
  const mode = reader.enumeration(I.mode, ['up', 'down', 'reap'] as const) ?? 'up';
  const namePrefix = reader.string(I.namePrefix, {
    pattern: PREFIX_PATTERN,
    hint: '1-20 lower-case letters, digits and -, starting and ending with a letter or digit',
  });
  const prNumber = reader.integer(I.prNumber, { min: 1, max: 9_999_999_999 });
  const baselineRef = reader.string(I.baselineRef, {
    maxLength: 1024,
    pattern: /^refs\/(heads|tags)\/\S+$/,
    // A bare branch name would name an environment no push creates (a push's ref is refs/heads/<branch>).
    hint: 'a full ref such as refs/heads/main',
  });
  if (baselineRef !== undefined && mode !== 'up')
    throw new InputError(I.baselineRef, `names the baseline of mode up's environment; mode ${mode} has none`);
  const variables = reader.keyValues(I.variables);
  for (const key of Object.keys(variables)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new InputError(I.variables, `${JSON.stringify(key)} is not a variable name (letters, digits, _)`);
    if (BUILT_IN_VARIABLES.has(key)) throw new InputError(I.variables, `${key} is built in and cannot be set`);
  }
  const images = reader.keyValues(I.images);
  for (const [key, value] of Object.entries(images)) {
    if (!/^[a-z0-9][a-z0-9._\-/:]*$/.test(key) || key.length > 255)
      throw new InputError(I.images, `${JSON.stringify(key)} is not an image repository`);
    if (!/^[a-zA-Z0-9@:][a-zA-Z0-9._\-/:@+]*$/.test(value) || value.length > 512)
      throw new InputError(I.images, `${JSON.stringify(value)} is not an image reference`);
  }
  const rawQuota = reader.yaml(I.resourceQuota);
  const resourceQuota = rawQuota === undefined || rawQuota === null ? undefined : quotaOverDefaults(rawQuota);
  const rawLimits = reader.yaml(I.limitRange);
  let limitRange: LimitRangeSpec | undefined;
  if (rawLimits !== undefined && rawLimits !== null) {
    if (typeof rawLimits !== 'object' || Array.isArray(rawLimits))
      throw new InputError(I.limitRange, 'must be a mapping with default, defaultRequest and/or max');
    limitRange = {};
    for (const [key, value] of Object.entries(rawLimits as Record<string, unknown>)) {
      if (key !== 'default' && key !== 'defaultRequest' && key !== 'max')
        throw new InputError(I.limitRange, `unknown key ${JSON.stringify(key)}; use default, defaultRequest, max`);
      limitRange[key] = quantityMap(I.limitRange, value, (k) => /^(cpu|memory|ephemeral-storage)$/.test(k));
    }
  }
  const allowNamespaces = reader.list(I.allowNamespaces);
  for (const ns of allowNamespaces)
    if (!isDns1123Label(ns)) throw new InputError(I.allowNamespaces, `${JSON.stringify(ns)} is not a namespace name`);
  const podSecurity =
    reader.enumeration(I.podSecurity, ['restricted', 'baseline', 'privileged'] as const) ?? 'restricted';
  const allowPrivileged = reader.boolean(I.allowPrivileged, false);
  if (podSecurity === 'privileged' && !allowPrivileged) {
    throw new InputError(
      I.podSecurity,
      "'privileged' turns Pod Security admission off; set allow-privileged: true to allow it",
    );
  }
  const fieldManager =
    reader.string(I.fieldManager, { pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$/, hint: 'letters, digits, - _ .' }) ??
    'gauntlet-provision';
  if (fieldManager === GUARDRAIL_FIELD_MANAGER)
    throw new InputError(
      I.fieldManager,
      `${GUARDRAIL_FIELD_MANAGER} is the guardrails' own field manager; the stack must be applied with another`,
    );
  const seedJobs = reader.list(I.seedJobs);
  for (const job of seedJobs)
    if (!isDns1123Label(job)) throw new InputError(I.seedJobs, `${JSON.stringify(job)} is not a Job name`);
  const clusterDomain =
    reader.string(I.clusterDomain, {
      pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      hint: 'a DNS domain such as cluster.local',
    }) ?? 'cluster.local';
  const imageTag = reader.string(I.imageTag, { pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, hint: 'a Docker tag' });
  const recordsNamespace = reader.string(I.recordsNamespace, { maxLength: 63 }) ?? DEFAULT_RECORDS_NAMESPACE;
  if (!isDns1123Label(recordsNamespace))
    throw new InputError(I.recordsNamespace, `${JSON.stringify(recordsNamespace)} is not a namespace name`);
  const manifests = reader.list(I.manifests, { commas: false });
  if (mode === 'up' && manifests.length === 0)
    throw new InputError(I.manifests, 'is required in mode up (paths or globs of YAML manifests)');
  return {
    mode,
    kubeconfig: readKubeconfigInput(reader, { name: I.kubeconfig, base: workspace, confineTo: workspace }),
    context: reader.string(I.context, { maxLength: 253 }),
    namePrefix,
    prNumber,
    baselineRef,
    manifests,
    variables,
    images,
    imageTag,
    allowClusterScoped: reader.boolean(I.allowClusterScoped, false),
    forceConflicts: reader.boolean(I.forceConflicts, false),
    fieldManager,
    seedJobs,
    timeoutMs: reader.duration(I.timeout, { minMs: 1_000, maxMs: 6 * 3_600_000 }) ?? 600_000,
    ttlMs: reader.duration(I.ttl, { minMs: 60_000, maxMs: 90 * 86_400_000 }) ?? 3 * 86_400_000,
    keepOnFailure: reader.boolean(I.keepOnFailure, false),
    resourceQuota,
    limitRange,
    networkPolicy: reader.enumeration(I.networkPolicy, ['default-deny', 'none'] as const) ?? 'default-deny',
    allowNamespaces,
    podSecurity,
    maxEnvironments: reader.integer(I.maxEnvironments, { min: 0, max: 100_000 }) ?? 0,
    capacityCheck: reader.boolean(I.capacityCheck, true),
    capacityWaitMs: reader.duration(I.capacityWait, { minMs: 0, maxMs: 6 * 3_600_000 }) ?? 0,
    namespaceKubeconfig: reader.boolean(I.namespaceKubeconfig, false),
    clusterDomain,
    deleteTimeoutMs: reader.duration(I.deleteTimeout, { minMs: 0, maxMs: 3_600_000 }) ?? 300_000,
    failOnStuck: reader.boolean(I.failOnStuck, true),
    dryRun: reader.boolean(I.dryRun, false),
    reapClosed: reader.boolean(I.reapClosed, true),
    report: reader.boolean(I.report, true),
    allowForkEvents: reader.boolean(I.allowForkEvents, false),
    recordsNamespace,
  };
}
