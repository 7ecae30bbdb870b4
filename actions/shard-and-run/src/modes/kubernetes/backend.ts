/**
 * `mode: kubernetes` — the same plan, run as an Indexed Job in a namespace (the ephemeral environment's, next to
 * the system under test) instead of a GitHub matrix: plan → create the run's objects → wait with watches → collect
 * the results the pods stored → the same merge and report as the matrix flow → delete the run's objects.
 */
import { errorMessage, formatDuration, isAbortError, neutralize, UserError, type Logger } from '@gauntlet/action-kit';
import {
  collectionPath,
  describeStartProblem,
  isConflict,
  isNotFound,
  objectPath,
  types,
  type KubeClient,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import type { Plan } from '@gauntlet/sharding';
import { expandCommand } from '@gauntlet/test-runners';
import { Outputs, State } from '../../constants.js';
import type { ModeDeps } from '../../deps.js';
import type { ExecutionInputs, KubeconfigInput, KubernetesModeInputs } from '../../inputs.js';
import { finishMerge } from '../merge/merge.js';
import { commandArguments } from '../../plan-io.js';
import { computePlan } from '../plan/plan.js';
import { adapterFor, checkCommandFitsPlan } from '../../shard-step.js';
import { collectResults, podsOfJob } from './collect.js';
import { connect } from './connect.js';
import { monitorStart, StartMonitor } from './start-monitor.js';
import { rbacObjects, resultConfigMap, resultName, rootConfigMap, rootName, shardJob } from './manifests.js';
import { runIdentity } from '../../run-identity.js';

const MAX_ROOT_BYTES = 900 * 1024;

/** Each shard's command line, one word per element; a word may not contain a line break (the args file format). */
export function shardCommandLines(plan: Plan, execution: ExecutionInputs): string[][] {
  const runner = adapterFor(execution, plan);
  const command = execution.command;
  return plan.shards.map((shard) => {
    if (shard.items.length === 0) return [];
    const args = commandArguments(shard.items, runner, plan.selectors);
    const { file, args: rest } = expandCommand([...command.words], {
      files: args.files,
      tests: args.tests,
      shardIndex: shard.index,
      shardTotal: plan.shardCount,
    });
    const words = [file, ...rest];
    const bad = words.find((w) => /[\r\n\0]/.test(w));
    if (bad !== undefined) {
      throw new UserError(
        `shard ${shard.index} has a test id containing a line break or NUL; the Kubernetes backend cannot pass it safely`,
      );
    }
    return words;
  });
}

/** What keep-resources kept, and how to delete it (everything is owned by the root ConfigMap). */
export function keptNote(name: string, namespace: string): string {
  return `keep-resources: kept Job ${name}, its pods, its result ConfigMaps ${name}-r<i> and its RBAC in namespace ${namespace}; delete them all with: kubectl delete configmap ${name} -n ${namespace} (the rest is owned by it)`;
}

interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
}

function finished(job: KubeObject | undefined): { done: boolean; failed: boolean; message?: string; reason?: string } {
  const status = (job?.['status'] ?? {}) as JobStatus;
  for (const c of status.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return { done: true, failed: false };
    if (c.type === 'Failed')
      return {
        done: true,
        failed: true,
        ...(c.message ? { message: c.message } : c.reason ? { message: c.reason } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
      };
  }
  return { done: false, failed: false };
}

/** Waits for the Job to finish: a watch, re-established on stream end or 410, with a poll when watches fail. */
export async function waitForJob(
  api: KubeClient,
  namespace: string,
  name: string,
  options: { deadlineMs: number; signal: AbortSignal; logger: Logger; progressMs?: number },
): Promise<KubeObject | undefined> {
  const path = collectionPath(types.job, namespace);
  let lastProgress = 0;
  const progress = (job: KubeObject): void => {
    const s = (job['status'] ?? {}) as JobStatus;
    if (Date.now() - lastProgress < (options.progressMs ?? 10_000)) return;
    lastProgress = Date.now();
    options.logger.info(
      `Job ${name}: ${s.succeeded ?? 0} shards succeeded, ${s.active ?? 0} running, ${s.failed ?? 0} failed pods so far.`,
    );
  };
  let watchFailures = 0;
  while (Date.now() < options.deadlineMs && !options.signal.aborted) {
    let job: KubeObject | undefined;
    try {
      job = await api.getOptional(objectPath(types.job, namespace, name), options.signal);
    } catch (error) {
      if (isAbortError(error) || options.signal.aborted) break;
      throw error;
    }
    if (!job) throw new UserError(`the Job ${name} disappeared while its shards ran`);
    progress(job);
    if (finished(job).done) return job;
    let latest: KubeObject | undefined;
    try {
      const end = await api.watch(
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: job.metadata?.resourceVersion,
          timeoutSeconds: Math.max(1, Math.min(300, Math.ceil((options.deadlineMs - Date.now()) / 1000))),
        },
        (event) => {
          if (event.type === 'DELETED') return true;
          progress(event.object);
          if (finished(event.object).done) {
            latest = event.object;
            return true;
          }
          return false;
        },
        { signal: options.signal, idleTimeoutMs: 330_000 },
      );
      if (latest) return latest;
      if (end.reason === 'stopped') continue; // deleted: the next GET says so
      watchFailures = 0;
    } catch (error) {
      if (isAbortError(error) || options.signal.aborted) break;
      // Watches may be cut by proxies or refused; fall back to polling for a while.
      watchFailures++;
      options.logger.debug(`watch of Job ${name} failed (${neutralize(errorMessage(error))}); polling`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1_000 * watchFailures)));
    }
  }
  return undefined;
}

async function createRoot(api: KubeClient, namespace: string, root: KubeObject, logger: Logger): Promise<KubeObject> {
  const name = root.metadata!.name!;
  const collection = collectionPath(types.configMap, namespace);
  try {
    return await api.request({ method: 'POST', path: collection, body: root });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  // It exists: ours from an interrupted earlier try of this very step (same run, attempt and plan)? Then replace it.
  const existing = await api.getOptional(objectPath(types.configMap, namespace, name));
  const ours =
    existing?.metadata?.labels?.['gauntlet.dev/managed-by'] === 'shard-and-run' &&
    existing.metadata.labels['gauntlet.dev/plan'] === root.metadata!.labels!['gauntlet.dev/plan'];
  if (!ours)
    throw new UserError(
      `ConfigMap ${name} already exists in ${namespace} and was not created by this action; refusing to touch it`,
    );
  logger.info(`Removing the leftovers of an interrupted earlier try (${name}).`);
  await deleteRoot(api, namespace, name, existing.metadata?.uid ?? '');
  for (let waited = 0; waited < 60_000; waited += 1_000) {
    if (!(await api.getOptional(objectPath(types.configMap, namespace, name)))) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return api.request({ method: 'POST', path: collection, body: root });
}

/**
 * Deletes the run's root ConfigMap, the one of uid `uid` (a precondition: a ConfigMap of the name that is not the
 * one this run created, such as a foreign one the create refused, is never deleted); the garbage collector removes
 * everything it owns (Job, pods, RBAC, results).
 */
export async function deleteRoot(api: KubeClient, namespace: string, name: string, uid: string): Promise<void> {
  if (!uid) return;
  try {
    await api.request({
      method: 'DELETE',
      path: objectPath(types.configMap, namespace, name),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid } },
    });
  } catch (error) {
    // Gone, or another object of the name now (the precondition failed): nothing of ours to delete.
    if (isNotFound(error) || isConflict(error)) return;
    throw error;
  }
}

export async function runKubernetesMode(inputs: KubernetesModeInputs, deps: ModeDeps): Promise<void> {
  const { logger, ctx } = deps;
  const kube = inputs.kubernetes;
  const namespace = kube.namespace;
  const plan = await computePlan(inputs, deps);
  checkCommandFitsPlan(plan, inputs.execution);
  deps.setOutput(Outputs.planId, plan.id);
  deps.setOutput(Outputs.shardCount, plan.shardCount);
  deps.setOutput(Outputs.shardCountReason, plan.shardCountReason);
  const lines = shardCommandLines(plan, inputs.execution);
  const identity = runIdentity(ctx, plan.id);
  const name = rootName(identity);
  const rootObject = rootConfigMap(name, namespace, identity, lines);
  if (Buffer.byteLength(JSON.stringify(rootObject)) > MAX_ROOT_BYTES) {
    throw new UserError(
      `the plan's command lines do not fit one ConfigMap (about ${MAX_ROOT_BYTES} bytes); use fewer, larger items (granularity: file)`,
    );
  }

  const api = await connect(kube.kubeconfig, deps.registerSecret);
  let cleaned = false;
  /** The root this run created: nothing is deleted before it exists (a refused foreign ConfigMap stays). */
  let rootUid = '';
  try {
    logger.info(
      `Creating ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'} as Job ${name} in namespace ${namespace}.`,
    );
    const root = await createRoot(api, namespace, rootObject, logger);
    rootUid = root.metadata?.uid ?? '';
    if (!kube.keepResources) {
      // For the post step: delete the run even if this step is killed before its own cleanup.
      deps.saveState(State.kubeRoot, name);
      deps.saveState(State.kubeRootUid, rootUid);
      deps.saveState(State.kubeNamespace, namespace);
    }
    // Strict: a field the API server does not know (a typo in pod-security-context's nested values) is an error,
    // not silently dropped.
    const create = (type: ResourceType, body: unknown) =>
      api.request({
        method: 'POST',
        path: collectionPath(type, namespace),
        body,
        query: { fieldValidation: 'Strict' },
      });
    // The uid of each result ConfigMap as created here: one deleted and re-created by someone else is not read.
    const resultUids = new Map<number, string>();
    for (let i = 1; i <= plan.shardCount; i++) {
      const created = await create(types.configMap, resultConfigMap(root, i, identity));
      resultUids.set(i, created.metadata?.uid ?? '');
    }
    if (!kube.serviceAccount) {
      const [sa, role, binding] = rbacObjects(root, plan.shardCount, identity);
      await create(types.serviceAccount, sa);
      await create(types.role, role);
      await create(types.roleBinding, binding);
    }
    const job = shardJob(root, identity, {
      shards: plan.shardCount,
      kube,
      ...(inputs.execution.junitPath === undefined ? {} : { junitPath: inputs.execution.junitPath }),
      planId: plan.id,
    });
    const createdJob = await create(types.job, job);

    // The Job is watched until it ends; beside it, the pods' start is watched so a pod that cannot start (refused,
    // unschedulable, image pull) is named at once, and the run stops early when that cannot clear by itself.
    const deadlineMs = Date.now() + kube.timeoutMs + 60_000;
    const stopWaiting = new AbortController();
    const monitor = new StartMonitor({
      api,
      namespace,
      name,
      jobUid: createdJob.metadata?.uid ?? '',
      pendingTimeoutMs: kube.pendingTimeoutMs,
      logger,
    });
    const waitSignal = AbortSignal.any([deps.signal, stopWaiting.signal]);
    const fatalStart = monitorStart(monitor, waitSignal, logger).then((fatal) => {
      if (fatal) stopWaiting.abort();
      return fatal;
    });
    const done = await waitForJob(api, namespace, name, { deadlineMs, signal: waitSignal, logger }).finally(() =>
      stopWaiting.abort(),
    );
    const fatal = await fatalStart;
    if (deps.signal.aborted) throw new UserError('the step was cancelled; the Job is being deleted');
    const verdict = finished(done);
    const deadline =
      (!done && !fatal) || (verdict.failed && verdict.reason === 'DeadlineExceeded')
        ? `the Job's deadline (kube-timeout ${formatDuration(kube.timeoutMs)}) passed before this shard finished`
        : undefined;
    if (fatal) logger.error(`Stopping the run: shard pods cannot start. ${neutralize(fatal.cause)}`);
    else if (deadline)
      logger.warning(
        `Job ${name} reached its deadline (kube-timeout ${formatDuration(kube.timeoutMs)}); collecting what its shards stored.`,
      );
    else if (verdict.failed)
      logger.info(`Job ${name} failed: ${neutralize(verdict.message ?? 'some indexes used up their retries')}.`);

    const listedPods = await api.list(collectionPath(types.pod, namespace), {
      labelSelector: `gauntlet.dev/shard-run=${name}`,
    });
    const jobUid = createdJob.metadata?.uid ?? '';
    const pods = podsOfJob(listedPods.items ?? [], jobUid);
    const strangers = (listedPods.items?.length ?? 0) - pods.length;
    if (strangers > 0)
      logger.warning(
        `${strangers} pod(s) carry the label of Job ${name} but are not controlled by it (another uid); they are not read as shard attempts.`,
      );
    const results = new Map<number, KubeObject>();
    for (let i = 1; i <= plan.shardCount; i++) {
      const cm = await api.getOptional(objectPath(types.configMap, namespace, resultName(name, i)));
      if (cm && cm.metadata?.uid === resultUids.get(i)) results.set(i, cm);
      else if (cm)
        logger.warning(
          `The result ConfigMap ${resultName(name, i)} is not the one this run created (another uid); shard ${i}'s stored results are not read.`,
        );
    }
    const unfinishedCause = fatal ? `shard pods cannot start: ${fatal.cause}` : deadline;
    const collected = collectResults({
      plan,
      pods,
      results,
      cwd: inputs.workingDirectory,
      logger,
      ...(unfinishedCause === undefined ? {} : { unfinishedCause }),
    });
    const note = [
      `Ran as Kubernetes Job ${name} in namespace ${namespace}.`,
      ...(fatal ? [`Stopped early: shard pods cannot start. ${fatal.cause}.`] : []),
      ...(deadline && !fatal
        ? [
            `The Job reached its deadline (kube-timeout ${formatDuration(kube.timeoutMs)}); every result stored before it is kept.`,
          ]
        : []),
      ...monitor.problems
        .filter((p) => !fatal || p.reason !== fatal.problem.reason || p.message !== fatal.problem.message)
        .map((p) => `Shard pods were delayed: ${describeStartProblem(p)}.`),
      ...(kube.keepResources ? [keptNote(name, namespace)] : []),
    ].join(' ');
    if (kube.keepResources) logger.info(keptNote(name, namespace));
    if (!kube.keepResources) {
      await deleteRoot(api, namespace, name, rootUid);
      cleaned = true;
      deps.saveState(State.cleaned, 'true');
    }
    const outcome = await finishMerge(inputs, deps, collected, plan, note);
    if (outcome.conclusion !== 'success' && inputs.failOnFailure) throw new UserError(outcome.reasons.join('; '));
  } finally {
    if (!cleaned && !kube.keepResources && rootUid) {
      await deleteRoot(api, namespace, name, rootUid).then(
        () => deps.saveState(State.cleaned, 'true'),
        (error: unknown) =>
          logger.warning(`Could not delete ${name} (${neutralize(errorMessage(error))}); the post step tries again.`),
      );
    }
    api.close();
  }
}

/** The post step: delete what the main step created if it could not (cancelled, crashed). */
export async function kubernetesCleanup(
  state: (name: string) => string,
  kubeconfig: KubeconfigInput | undefined,
  logger: Logger,
  register: (value: string | undefined) => void,
): Promise<void> {
  const name = state(State.kubeRoot);
  const namespace = state(State.kubeNamespace);
  if (!name || !namespace || state(State.cleaned) === 'true') return;
  if (!/^gauntlet-shards-[0-9a-f]{10}$/.test(name) || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) return;
  const api = await connect(kubeconfig, register);
  try {
    await deleteRoot(api, namespace, name, state(State.kubeRootUid));
    logger.info(`Deleted the shard run ${name} in ${namespace}.`);
  } finally {
    api.close();
  }
}
