/**
 * The one input parser of shard-and-run. Every input is read and validated here, before any test runs, cache call or
 * Kubernetes request: a bad value stops the step with a message naming the input, the value and what was expected.
 * Defaults live in action.yml only; an empty value means "not set".
 */
import {
  confineGlob,
  confinePath,
  InputError,
  InputReader,
  quote,
  runnerTempRoot,
  type AllowedRoot,
} from '@gauntlet/action-kit';
import {
  checkAnnotationMap,
  checkLabelMap,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  isEnvVarName,
  readKubeconfigInput,
  readResourceRequirements,
  readTolerations,
  type KubeconfigInput,
  type ResourceRequirements,
  type Toleration,
} from '@gauntlet/kube';
import { MAX_MATRIX_JOBS, parseShardCount, parseShardSpec, type ShardSpec } from '@gauntlet/sharding';
import { parseCommandTemplate, RUNNER_NAMES, type RunnerName, type TemplateWord } from '@gauntlet/test-runners';
import { CommandEnv, Inputs, MODES } from './constants.js';
import { securityContexts, type SecurityContexts } from './modes/kubernetes/security-context.js';
import { isInlinePlan } from './plan-io.js';

export const DISCOVERY = ['globs', 'runner', 'junit'] as const;
export const GRANULARITY = ['auto', 'test', 'file'] as const;
export const RERUN = ['all', 'failed'] as const;

export interface CommandInput {
  readonly text: string;
  readonly words: readonly TemplateWord[];
  /** Whether the template has a {tests} placeholder (then the plan may split files into single tests). */
  readonly hasTests: boolean;
  readonly hasFiles: boolean;
}

export interface ReportInputs {
  readonly enabled: boolean;
  readonly checkName: string;
  readonly comment: boolean;
  readonly maxAnnotations: number;
}

export interface PlanningInputs {
  readonly runner: RunnerName;
  readonly discovery: (typeof DISCOVERY)[number];
  readonly testGlobs: readonly string[];
  readonly listCommand?: string;
  readonly discoveryJunit?: string;
  readonly shards: number | 'auto';
  readonly granularity: (typeof GRANULARITY)[number];
  readonly planFile: string;
  /** A discovery that finds no tests is an error unless this is set. */
  readonly allowNoTests: boolean;
  /** Plan mode's optional command: whether {tests} can carry single test ids. */
  readonly command?: CommandInput;
}

/** What the shard count is chosen from (plan, kubernetes) and recommended against (merge). */
export interface SizingInputs {
  readonly targetSeconds: number;
  readonly maxParallel: number;
  /** Fixed cost per shard; absent: what history measured, else the default. */
  readonly shardOverheadSeconds?: number;
}

export interface TimingInputs {
  /** Restore (always) and save (trusted runs) timings with the Actions cache. */
  readonly useCache: boolean;
  readonly file?: string;
  readonly key: string;
  readonly trustedRefs: readonly string[];
  readonly cacheTimeoutMs: number;
}

export interface ExecutionInputs {
  /** Absent: the plan's runner (see adapterFor). */
  readonly runner?: RunnerName;
  readonly command: CommandInput;
  readonly junitPath?: string;
  readonly retries: number;
  readonly rerun: (typeof RERUN)[number];
  readonly timeoutMs?: number;
}

/** A kubeconfig as a file path, or its content (YAML, or base64 of it; a secret): @gauntlet/kube's one reader. */
export type { KubeconfigInput } from '@gauntlet/kube';

export interface KubernetesInputs {
  readonly namespace: string;
  readonly kubeconfig?: KubeconfigInput;
  readonly image: string;
  readonly parallelism?: number;
  readonly resources?: ResourceRequirements;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly labels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly podEnv: Readonly<Record<string, string>>;
  readonly retriesPerIndex: number;
  readonly serviceAccount?: string;
  readonly timeoutMs: number;
  /** How long a pod may wait on a cause that can clear (unschedulable, image pull) before the run fails. */
  readonly pendingTimeoutMs: number;
  readonly securityContext: SecurityContexts;
  readonly keepResources: boolean;
}

export type { Toleration } from '@gauntlet/kube';

export interface QueueInputs {
  readonly namespace: string;
  readonly kubeconfig?: KubeconfigInput;
  readonly leaseTimeoutMs: number;
}

/** Merge mode with `namespace`: delete this run's queue ConfigMaps there once every worker has finished. */
export interface QueueCleanupInputs {
  readonly namespace: string;
  readonly kubeconfig?: KubeconfigInput;
  /** keep-resources: report what would be deleted, delete nothing. */
  readonly keep: boolean;
}

/** What every mode reads. */
export interface CommonInputs {
  readonly githubToken?: string;
  /** Absolute. */
  readonly workingDirectory: string;
  /**
   * Where besides the workspace the artifact paths (plan-file, plan, results-dir, merged-junit) may be: RUNNER_TEMP,
   * where workflows download artifacts. Every write and read of them is checked against these again.
   */
  readonly alsoUnder: readonly AllowedRoot[];
  readonly sizing: SizingInputs;
  readonly timings: TimingInputs;
  readonly planId?: string;
  /** Absolute. */
  readonly resultsDir: string;
  readonly failOnFailure: boolean;
  /** Absolute. */
  readonly mergedJunit: string;
  readonly report: ReportInputs;
}

export interface PlanModeInputs extends CommonInputs {
  readonly mode: 'plan';
  readonly planning: PlanningInputs;
}

export interface RunModeInputs extends CommonInputs {
  readonly mode: 'run';
  readonly execution: ExecutionInputs;
  /** The plan as given: a path or inline JSON. */
  readonly plan: string;
  readonly shard: ShardSpec;
}

export interface QueueModeInputs extends CommonInputs {
  readonly mode: 'queue';
  readonly execution: ExecutionInputs;
  readonly plan: string;
  readonly shard: ShardSpec;
  readonly queue: QueueInputs;
}

export interface MergeModeInputs extends CommonInputs {
  readonly mode: 'merge';
  /** The plan, when given, to check completeness against. */
  readonly plan?: string;
  readonly queueCleanup?: QueueCleanupInputs;
}

export interface KubernetesModeInputs extends CommonInputs {
  readonly mode: 'kubernetes';
  readonly planning: PlanningInputs;
  readonly execution: ExecutionInputs;
  readonly kubernetes: KubernetesInputs;
}

/** Everything a step reads, by mode: each mode gets exactly the fields it needs, none optional that it requires. */
export type Inputs = PlanModeInputs | RunModeInputs | QueueModeInputs | MergeModeInputs | KubernetesModeInputs;

const NAMESPACE_HINT = 'a Kubernetes namespace name (lower-case letters, digits and dashes, at most 63)';
/** Environment names the action sets itself; a pod-env entry may not replace them. */
const RESERVED_ENV = new Set<string>([...Object.values(CommandEnv), 'JOB_COMPLETION_INDEX', 'GAUNTLET_POD_NAME']);
/** Label keys the Job and its pods carry from the action or the Job controller. */
const isReservedLabel = (key: string): boolean =>
  key.startsWith('gauntlet.dev/') || key === 'job-name' || key.startsWith('batch.kubernetes.io/');

function commandInput(reader: InputReader, required: boolean): CommandInput | undefined {
  const text = reader.string(Inputs.command, { maxLength: 8192 });
  if (text === undefined) {
    if (required) throw new InputError(Inputs.command, 'is required in this mode, e.g. "npx vitest run {files}"');
    return undefined;
  }
  let words: TemplateWord[];
  try {
    words = parseCommandTemplate(text);
  } catch (error) {
    throw new InputError(Inputs.command, (error as Error).message);
  }
  const has = (name: string): boolean => words.some((w) => w.kind === 'placeholder' && w.name === name);
  return { text, words, hasTests: has('tests'), hasFiles: has('files') };
}

function durationSeconds(reader: InputReader, name: string, minMs: number, maxMs: number): number | undefined {
  const ms = reader.duration(name, { minMs, maxMs });
  return ms === undefined ? undefined : ms / 1000;
}

/** The workspace root (nothing may leave it) and the directory relative paths start from. */
interface PathBase {
  readonly root: string;
  readonly base: string;
  /** RUNNER_TEMP, for the artifact paths only. */
  readonly alsoUnder: readonly AllowedRoot[];
}

/**
 * A path input resolved against the working directory and confined to the workspace through symlinks: run as
 * root, a plan-file of /etc/passwd would otherwise be overwritten, and a results-dir of ../.. read anywhere.
 * Artifact paths (`artifact`) may also be under RUNNER_TEMP.
 */
function confined(paths: PathBase, input: string, value: string, artifact = false): string {
  return confinePath(paths.root, value, { input, base: paths.base, alsoUnder: artifact ? paths.alsoUnder : [] });
}

function planningInputs(reader: InputReader, paths: PathBase, command: CommandInput | undefined): PlanningInputs {
  const runner = reader.enumeration(Inputs.runner, RUNNER_NAMES) ?? 'generic';
  const discovery = reader.enumeration(Inputs.discovery, DISCOVERY) ?? 'globs';
  const testGlobs = reader.list(Inputs.tests, { commas: false });
  const listCommand = reader.string(Inputs.listCommand, { maxLength: 8192 });
  if (listCommand !== undefined) {
    try {
      parseCommandTemplate(listCommand);
    } catch (error) {
      throw new InputError(Inputs.listCommand, (error as Error).message);
    }
  }
  const discoveryJunit = reader.string(Inputs.discoveryJunit);
  if (discovery === 'globs' && testGlobs.length === 0) {
    throw new InputError(
      Inputs.tests,
      'is required with discovery "globs": one glob per line, e.g. "test/**/*.test.ts"',
    );
  }
  if (discovery === 'junit' && discoveryJunit === undefined) {
    throw new InputError(
      Inputs.discoveryJunit,
      'is required with discovery "junit": the path of a previous JUnit report',
    );
  }
  if (discovery === 'runner' && runner === 'generic' && listCommand === undefined) {
    throw new InputError(
      Inputs.listCommand,
      'is required with discovery "runner" and the generic runner: a command that prints one test file per line',
    );
  }
  for (const glob of testGlobs) {
    if (glob.length > 1024) throw new InputError(Inputs.tests, `a glob of ${glob.length} characters is too long`);
    confineGlob(glob, { input: Inputs.tests });
  }
  const shards = parseShardCount(reader.raw(Inputs.shards) ?? 'auto', Inputs.shards);
  const granularity = reader.enumeration(Inputs.granularity, GRANULARITY) ?? 'auto';
  const planFile = confined(paths, Inputs.planFile, reader.string(Inputs.planFile) ?? 'gauntlet-shard-plan.json', true);
  return {
    runner,
    discovery,
    testGlobs,
    ...(listCommand === undefined ? {} : { listCommand }),
    ...(discoveryJunit === undefined ? {} : { discoveryJunit: confined(paths, Inputs.discoveryJunit, discoveryJunit) }),
    shards,
    granularity,
    planFile,
    allowNoTests: reader.boolean(Inputs.allowNoTests, false),
    ...(command === undefined ? {} : { command }),
  };
}

function sizingInputs(reader: InputReader): SizingInputs {
  const targetSeconds = durationSeconds(reader, Inputs.targetDuration, 1_000, 6 * 3_600_000) ?? 300;
  const maxParallel = reader.integer(Inputs.maxParallel, { min: 1, max: MAX_MATRIX_JOBS }) ?? MAX_MATRIX_JOBS;
  const shardOverheadSeconds = durationSeconds(reader, Inputs.shardOverhead, 0, 6 * 3_600_000);
  return { targetSeconds, maxParallel, ...(shardOverheadSeconds === undefined ? {} : { shardOverheadSeconds }) };
}

function timingInputs(reader: InputReader, paths: PathBase): TimingInputs {
  const file = reader.string(Inputs.timingsFile);
  return {
    useCache: reader.boolean(Inputs.timings, true),
    ...(file === undefined ? {} : { file: confined(paths, Inputs.timingsFile, file) }),
    key: reader.string(Inputs.timingsKey, { maxLength: 1024 }) ?? '',
    trustedRefs: reader.list(Inputs.trustedRefs).map((ref) => {
      if (/\s/.test(ref) || ref.length > 255)
        throw new InputError(Inputs.trustedRefs, `${quote(ref)} is not a git ref`);
      return ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    }),
    cacheTimeoutMs: reader.duration(Inputs.cacheTimeout, { minMs: 1_000, maxMs: 30 * 60_000 }) ?? 60_000,
  };
}

function optionalRunner(runner: RunnerName | undefined): { runner?: RunnerName } {
  return runner === undefined ? {} : { runner };
}

/**
 * In kubernetes mode the JUnit path names a file inside the shard pod (the pod's own script reads it), so it is
 * not confined to the runner's workspace; it must be one file, since the pod script does not expand globs.
 */
function podJUnitPath(value: string): void {
  if (/[*?[\]{}\n\r\0]/.test(value))
    throw new InputError(
      Inputs.junitPath,
      `${quote(value)} is not a single file path; in kubernetes mode it names the one file the command writes inside the pod`,
    );
}

function executionInputs(reader: InputReader, inPod: boolean): ExecutionInputs {
  const command = commandInput(reader, true)!;
  if (!command.hasFiles && !command.hasTests) {
    throw new InputError(
      Inputs.command,
      "needs a {files} or {tests} placeholder where the shard's tests go; without one every shard would run the whole suite",
    );
  }
  const junitPath = reader.string(Inputs.junitPath, { maxLength: 1024 });
  if (junitPath !== undefined) {
    if (inPod) podJUnitPath(junitPath);
    else confineGlob(junitPath, { input: Inputs.junitPath });
  }
  const timeoutMs = reader.duration(Inputs.timeout, { minMs: 1_000, maxMs: 6 * 3_600_000 });
  return {
    ...optionalRunner(reader.enumeration(Inputs.runner, RUNNER_NAMES)),
    command,
    ...(junitPath === undefined ? {} : { junitPath }),
    retries: reader.integer(Inputs.retries, { min: 0, max: 5 }) ?? 1,
    rerun: reader.enumeration(Inputs.rerun, RERUN) ?? 'all',
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

function namespaceInput(reader: InputReader): string {
  return reader.string(Inputs.namespace, {
    required: true,
    pattern: DNS1123_LABEL,
    hint: NAMESPACE_HINT,
  });
}

/**
 * Merge mode's optional queue clean-up: `namespace` (the workers' queue namespace) turns it on; `kubeconfig` is
 * the workers' one (empty: KUBECONFIG, in-cluster, ~/.kube/config). The queue's name comes from the plan's id, so
 * the plan or plan-id is required with it; a kubeconfig without a namespace is a mistake, not a silent no-op.
 */
function queueCleanupInputs(
  reader: InputReader,
  workspace: string,
  env: NodeJS.ProcessEnv,
  plan: string | undefined,
  planId: string | undefined,
): QueueCleanupInputs | undefined {
  const namespace = reader.string(Inputs.namespace, { pattern: DNS1123_LABEL, hint: NAMESPACE_HINT });
  const kubeconfig = parseKubeconfigInput(reader, workspace, env);
  if (namespace === undefined) {
    if (kubeconfig !== undefined) {
      throw new InputError(
        Inputs.namespace,
        'is required with kubeconfig in merge mode: the namespace of the queue whose ConfigMaps the merge deletes',
      );
    }
    return undefined;
  }
  if (plan === undefined && planId === undefined) {
    throw new InputError(
      Inputs.plan,
      `(or ${Inputs.planId}) is required with namespace in merge mode: the queue to delete is the one of this plan`,
    );
  }
  return {
    namespace,
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    keep: reader.boolean(Inputs.keepResources, false),
  };
}

/**
 * The kubeconfig input, through @gauntlet/kube's one reader: a path is relative to working-directory and confined
 * to the workspace or RUNNER_TEMP. The post step reads it again the same way (content is never state).
 */
export function parseKubeconfigInput(
  reader: InputReader,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): KubeconfigInput | undefined {
  const base = confinePath(workspace, reader.string(Inputs.workingDirectory) ?? '.', {
    input: Inputs.workingDirectory,
  });
  return readKubeconfigInput(reader, {
    name: Inputs.kubeconfig,
    base,
    confineTo: workspace,
    alsoUnder: runnerTempRoot(env),
  });
}

function kubernetesInputs(reader: InputReader, workspace: string, env: NodeJS.ProcessEnv): KubernetesInputs {
  const namespace = namespaceInput(reader);
  const kubeconfig = parseKubeconfigInput(reader, workspace, env);
  const image = reader.string(Inputs.image, {
    required: true,
    pattern: /^[^\s]{1,512}$/,
    hint: 'a container image reference without spaces',
  });
  const parallelism = reader.integer(Inputs.parallelism, { min: 1, max: MAX_MATRIX_JOBS });
  const labels = reader.keyValues(Inputs.labels);
  checkLabelMap(Inputs.labels, labels, isReservedLabel);
  const nodeSelector = reader.keyValues(Inputs.nodeSelector);
  checkLabelMap(Inputs.nodeSelector, nodeSelector);
  const podAnnotations = reader.keyValues(Inputs.podAnnotations);
  checkAnnotationMap(Inputs.podAnnotations, podAnnotations);
  const podEnv = reader.keyValues(Inputs.podEnv);
  for (const key of Object.keys(podEnv)) {
    if (!isEnvVarName(key)) throw new InputError(Inputs.podEnv, `${quote(key)} is not an environment variable name`);
    if (RESERVED_ENV.has(key) || key.startsWith('GAUNTLET_'))
      throw new InputError(Inputs.podEnv, `${quote(key)} is set by the action and cannot be overridden`);
  }
  const rawResources = reader.yaml(Inputs.resources);
  const serviceAccount = reader.string(Inputs.serviceAccount, {
    pattern: DNS1123_SUBDOMAIN,
    hint: 'a Kubernetes service account name',
  });
  return {
    namespace,
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    image,
    ...(parallelism === undefined ? {} : { parallelism }),
    ...(rawResources === undefined ? {} : { resources: readResourceRequirements(Inputs.resources, rawResources) }),
    nodeSelector,
    tolerations: readTolerations(Inputs.tolerations, reader.yaml(Inputs.tolerations)),
    labels,
    podAnnotations,
    podEnv,
    retriesPerIndex: reader.integer(Inputs.retriesPerIndex, { min: 0, max: 10 }) ?? 1,
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    timeoutMs: reader.duration(Inputs.kubeTimeout, { minMs: 10_000, maxMs: 24 * 3_600_000 }) ?? 3_600_000,
    pendingTimeoutMs: reader.duration(Inputs.kubePendingTimeout, { minMs: 0, maxMs: 24 * 3_600_000 }) ?? 300_000,
    securityContext: securityContexts(Inputs.podSecurityContext, reader.yaml(Inputs.podSecurityContext)),
    keepResources: reader.boolean(Inputs.keepResources, false),
  };
}

function reportInputs(reader: InputReader): ReportInputs {
  return {
    enabled: reader.boolean(Inputs.report, true),
    checkName: reader.string(Inputs.checkName, { maxLength: 100, pattern: /^[^\n\r]+$/, hint: 'one line' }) ?? 'Tests',
    comment: reader.boolean(Inputs.comment, true),
    maxAnnotations: reader.integer(Inputs.maxAnnotations, { min: 0, max: 1000 }) ?? 50,
  };
}

/**
 * Reads every input the mode uses. `workspace` is GITHUB_WORKSPACE (or the current directory); relative paths are
 * resolved against the working directory.
 */
export function parseInputs(
  reader: InputReader = new InputReader(),
  workspace: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Inputs {
  const mode = reader.enumeration(Inputs.mode, MODES);
  if (mode === undefined) throw new InputError(Inputs.mode, `is required: one of ${MODES.join(', ')}`);
  const githubToken = reader.string(Inputs.githubToken);
  const workingDirectory = confinePath(workspace, reader.string(Inputs.workingDirectory) ?? '.', {
    input: Inputs.workingDirectory,
  });
  const alsoUnder = runnerTempRoot(env);
  const paths: PathBase = { root: workspace, base: workingDirectory, alsoUnder };

  // The shard spec first: a wrong one must stop the job before anything else happens (SH-09).
  const shard = mode === 'run' || mode === 'queue' ? shardInput(reader) : undefined;
  const planId = reader.string(Inputs.planId, {
    pattern: /^[0-9a-f]{16}$/,
    hint: 'the plan output plan-id (16 hex digits)',
  });
  const plan = reader.string(Inputs.plan);
  // A plan path is checked now, so a plan of /etc/shadow stops the step before the test command runs.
  if (plan !== undefined && !isInlinePlan(plan)) confined(paths, Inputs.plan, plan, true);

  const common = (): CommonInputs => ({
    ...(githubToken === undefined ? {} : { githubToken }),
    workingDirectory,
    alsoUnder,
    sizing: sizingInputs(reader),
    timings: timingInputs(reader, paths),
    ...(planId === undefined ? {} : { planId }),
    resultsDir: confined(paths, Inputs.resultsDir, reader.string(Inputs.resultsDir) ?? 'gauntlet-shard-results', true),
    failOnFailure: reader.boolean(Inputs.failOnFailure, true),
    mergedJunit: confined(paths, Inputs.mergedJunit, reader.string(Inputs.mergedJunit) ?? 'gauntlet-junit.xml', true),
    report: reportInputs(reader),
  });

  switch (mode) {
    case 'plan': {
      const planning = planningInputs(reader, paths, commandInput(reader, false));
      return { ...common(), mode, planning };
    }
    case 'run': {
      const given = { shard: shard ?? shardInput(reader), plan: requiredPlan(plan) };
      const execution = executionInputs(reader, false);
      return { ...common(), mode, ...given, execution };
    }
    case 'queue': {
      const given = { shard: shard ?? shardInput(reader), plan: requiredPlan(plan) };
      const execution = executionInputs(reader, false);
      const kubeconfig = parseKubeconfigInput(reader, workspace, env);
      const queue: QueueInputs = {
        namespace: namespaceInput(reader),
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        leaseTimeoutMs: reader.duration(Inputs.leaseTimeout, { minMs: 1_000, maxMs: 6 * 3_600_000 }) ?? 600_000,
      };
      return { ...common(), mode, ...given, execution, queue };
    }
    case 'kubernetes': {
      const execution = executionInputs(reader, true);
      const planning = planningInputs(reader, paths, undefined);
      const kubernetes = kubernetesInputs(reader, workspace, env);
      return { ...common(), mode, planning, execution, kubernetes };
    }
    case 'merge': {
      const queueCleanup = queueCleanupInputs(reader, workspace, env, plan, planId);
      return {
        ...common(),
        mode,
        ...(plan === undefined ? {} : { plan }),
        ...(queueCleanup === undefined ? {} : { queueCleanup }),
      };
    }
  }
}

/** The shard input of run and queue modes: index/total. */
function shardInput(reader: InputReader): ShardSpec {
  const raw = reader.raw(Inputs.shard);
  if (raw === undefined) {
    throw new InputError(
      Inputs.shard,
      'is required in this mode: "index/total", e.g. "${{ matrix.shard }}/${{ matrix.shardTotal }}"',
    );
  }
  return parseShardSpec(raw, Inputs.shard);
}

/** Run and queue modes need the plan. */
function requiredPlan(plan: string | undefined): string {
  if (plan === undefined)
    throw new InputError(
      Inputs.plan,
      'is required in this mode: the plan file from the plan job, or its inline plan output',
    );
  return plan;
}

/** The command, for planning: whether single tests can be selected. */
export function planningCommand(inputs: PlanModeInputs | KubernetesModeInputs): CommandInput | undefined {
  return inputs.mode === 'kubernetes' ? inputs.execution.command : inputs.planning.command;
}
