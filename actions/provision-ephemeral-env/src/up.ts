/**
 * Mode up: create or adopt the PR's namespace, stamp the guardrails, apply the stack, wait until it is really
 * ready, report. The namespace output and the post step's state are written before the first cluster request, so
 * an `if: always()` step, the post step or the reaper can always find what this run may have created.
 */
import { UserError, clockDeadlineSignal, formatDuration, isAbortError, withGroup } from '@gauntlet/action-kit';
import {
  type AppliedObject,
  type EnvironmentIdentity,
  type KubeClient,
  type KubeObject,
  type PlannedObject,
  type TargetStatus,
  type WaitTarget,
  Discovery,
  KubeApiError,
  KubeNetworkError,
  KubeUnreachableError,
  NamespaceWaiter,
  OwnershipError,
  QuotaExceededError,
  annotations,
  applyStack,
  collectionPath,
  diagnose,
  environmentName,
  formatKubeError,
  getNamespace,
  isAlreadyExists,
  isWaitable,
  loadStack,
  objectPath,
  overrideImages,
  ownershipMetadata,
  planStack,
  repositoryHash,
  runKey,
  substituteVariables,
  types,
  verifyOwnership,
  waitForNamespaceGone,
  where,
} from '@gauntlet/kube';
import { withInputHint } from './admission-hints.js';
import { reassertPodSecurity, renewExpiry } from './adoption.js';
import { foreignAccess } from './foreign-access.js';
import { admit } from './capacity.js';
import {
  type RecordOptions,
  claimRecord,
  completeRecord,
  ensureRecordsNamespace,
  proveCreation,
  readRecord,
  recordWhere,
  unprovenMessage,
} from './creation-records.js';
import { clusterScoped, markClusterObject, recordAfterApply, recordBeforeApply } from './cluster-objects.js';
import { GUARDRAIL_FIELD_MANAGER, Outputs, SEED_ANNOTATION, State, type Phase, Guardrail } from './constants.js';
import { identityFor } from './context.js';
import { describeEnvironment, quotaUse } from './describe.js';
import { assertGuardrails, verifyGuardrails } from './guardrail-assert.js';
import { guardrailObjects, podSecurityLabels } from './guardrails.js';
import { namespaceKubeconfig } from './namespace-kubeconfig.js';
import { vetStack } from './stack-vetting.js';
import type { TargetLine } from './report.js';
import type { ModeArgs } from './mode-args.js';
import { teardown } from './teardown.js';

/** How long a failed up waits for an API server that stopped answering before it leaves teardown to the post step. */
const UNREACHABLE_TEARDOWN_MS = 15_000;
/**
 * The timeout is one deadline for the whole step: a failure found at (or near) it gets only this long to gather
 * diagnostics and request the delete, with no wait for the namespace to go (the post step waits, within its own
 * budget). A failure found earlier uses the time left before the deadline.
 */
const FAILURE_GRACE_MS = 10_000;
/** Of the failure's time, what diagnostics leave to the teardown. */
const TEARDOWN_RESERVE_MS = 5_000;

interface Progress {
  created: boolean;
  /** A create request was sent: the namespace may exist even if no answer came back. */
  maybeCreated: boolean;
  adopted: boolean;
  applied: AppliedObject[];
  statuses: TargetStatus[];
}

export async function up(args: ModeArgs): Promise<void> {
  const { inputs, ctx, rt, cluster, publish } = args;
  const started = rt.clock.now();
  const deadline = started + inputs.timeoutMs;
  const identity = identityFor(ctx, inputs.prNumber, inputs.namePrefix);
  const namespace = environmentName(identity);
  const run = { runId: String(ctx.runId), runAttempt: String(ctx.runAttempt) };
  const key = runKey(run);
  const setPhase = (phase: Phase): void => rt.saveState(State.phase, phase);
  // Before any request: the name for if: always() steps, and everything the post step needs.
  rt.setOutput(Outputs.namespace, namespace);
  if (inputs.baselineRef !== undefined)
    rt.setOutput(
      Outputs.baselineNamespace,
      environmentName({ ...identity, target: { kind: 'ref', ref: inputs.baselineRef } }),
    );
  rt.saveState(State.namespace, namespace);
  rt.saveState(State.identity, JSON.stringify(identity));
  rt.saveState(State.runKey, key);
  rt.saveState(State.keepOnFailure, String(inputs.keepOnFailure));
  setPhase('starting');
  rt.logger.info(
    `Environment ${namespace} for ${identity.target.kind === 'pr' ? `pull request #${identity.target.number}` : 'this ref'}`,
  );

  const client = await cluster.connect();
  const progress: Progress = { created: false, maybeCreated: false, adopted: false, applied: [], statuses: [] };
  try {
    // The stack is read, substituted and checked before anything is created: a bad manifest changes nothing.
    const discovery = new Discovery(client);
    const plan = await buildPlan(namespace, identity, discovery, deadline, args);
    const namespaceObject = await withGroup(rt.logger, `Namespace ${namespace}`, () =>
      ensureNamespace(client, identity, namespace, key, deadline, args, progress, setPhase),
    );
    setPhase('applying');
    // One waiter from before the stack's apply to the end of the wait: it lists and watches the stack's kinds while
    // they are applied, so readiness is seen as soon as it holds, with no list or watch left to start after the apply.
    const checksFailed = new AbortController();
    const waiter = readinessWaiter(client, namespace, AbortSignal.any([rt.signal, checksFailed.signal]), args);
    let ready: Awaited<ReturnType<typeof waitForReadiness>>;
    try {
      const stack = await withGroup(rt.logger, 'Guardrails and stack', () =>
        applyEverything(client, identity, namespaceObject, deadline, plan, discovery, args, progress, waiter),
      );
      ready = await withGroup(rt.logger, 'Waiting for readiness', () =>
        waitWhileChecking(waiter, checksFailed, stack, deadline, args, progress, () =>
          checkAfterApply(client, namespace, stack.guardrails, plan, deadline, args),
        ),
      );
    } finally {
      await waiter.stop();
    }
    if (!ready.ok) {
      throw new NotReadyError(
        ready.timedOut
          ? `the environment was not ready within ${formatDuration(inputs.timeoutMs)}`
          : `${ready.statuses
              .filter((s) => s.verdict.state === 'failed')
              .map((s) => withInputHint(`${label(s)} failed: ${s.verdict.message}`))
              .join('; ')}`,
      );
    }
    const expiresAt = new Date(rt.clock.now() + inputs.ttlMs).toISOString();
    const description = describeEnvironment(
      progress.applied.map((a) => a.result),
      {
        namespace,
        context: cluster.kube.contextName,
        expiresAt,
        clusterDomain: inputs.clusterDomain,
        ...(identity.target.kind === 'pr' ? { prNumber: identity.target.number } : {}),
        headSha: ctx.headSha,
      },
    );
    if (inputs.namespaceKubeconfig) {
      const text = await namespaceKubeconfig(client, cluster.kube.kubeConfig, {
        namespace,
        ttlMs: inputs.ttlMs,
        fieldManager: GUARDRAIL_FIELD_MANAGER,
        labels: ownershipMetadata(identity, { now: 0, ttlMs: 0 }).labels,
        registerSecret: (v) => rt.registerSecret(v),
        signal: rt.signal,
      });
      rt.setOutput(Outputs.kubeconfig, text);
    }
    rt.setOutput(Outputs.environment, JSON.stringify(description));
    rt.setOutput(Outputs.expiresAt, expiresAt);
    rt.setOutput(Outputs.status, 'ready');
    setPhase('ready');
    const durationMs = rt.clock.now() - started;
    rt.logger.info(
      `Environment ${namespace} is ready (${formatDuration(durationMs)}); ${description.services.length} services; expires ${expiresAt}`,
    );
    await publish({
      kind: 'ready',
      namespace,
      adopted: progress.adopted,
      description,
      quota: await quotaUse(client, namespace, rt.signal),
      applied: progress.applied.length,
      durationMs,
      targets: lines(progress.statuses),
    });
  } catch (error) {
    await onFailure(error, client, identity, namespace, key, started, deadline, args, progress, setPhase);
    throw error;
  } finally {
    client.close();
  }
}

class GuardrailChangedError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'GuardrailChangedError';
  }
}

class NotReadyError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

function label(status: TargetStatus): string {
  return `${status.target.kind.toLowerCase()}/${status.target.name}`;
}

function lines(statuses: readonly TargetStatus[]): TargetLine[] {
  return statuses.map((s) => ({ target: label(s), state: s.verdict.state, message: s.verdict.message }));
}

async function ensureNamespace(
  client: KubeClient,
  identity: EnvironmentIdentity,
  namespace: string,
  key: string,
  deadline: number,
  { inputs, ctx, rt }: ModeArgs,
  progress: Progress,
  setPhase: (phase: Phase) => void,
): Promise<KubeObject> {
  let existing = await getNamespace(client, namespace, rt.signal);
  if (existing?.metadata?.deletionTimestamp) {
    const ownership = verifyOwnership(existing, identity);
    if (!ownership.ours)
      throw new OwnershipError(
        `namespace ${namespace} exists and is not this environment's (${ownership.reason}); it is left untouched`,
      );
    rt.logger.info(`namespace ${namespace} is still terminating from an earlier teardown; waiting for it to go`);
    const waited = await waitForNamespaceGone(client, namespace, existing.metadata.uid ?? '', {
      deadline,
      signal: rt.signal,
    });
    if (!waited.gone) {
      throw new UserError(
        `namespace ${namespace} is still terminating (finalizers: ${waited.stuck.finalizers.join(', ') || 'none'}); try again when it is gone`,
      );
    }
    existing = undefined;
  }
  const records = { recordsNamespace: inputs.recordsNamespace, signal: rt.signal, deadline };
  if (existing) {
    const ownership = verifyOwnership(existing, identity);
    if (!ownership.ours)
      throw new OwnershipError(
        `namespace ${namespace} exists and is not this environment's (${ownership.reason}); it is never adopted or touched`,
      );
    // The marks can be copied by whoever may create namespaces: adoption needs our creation record of its uid.
    await proveOrRefuse(client, identity, existing, records, 0);
    progress.adopted = true;
    rt.logger.info(`adopting this pull request's existing namespace ${namespace}`);
    // Before anything of the stack is applied: its pods must meet the level asked for now.
    const changed = await reassertPodSecurity(client, existing, inputs.podSecurity, {
      signal: rt.signal,
      deadline,
      fieldManager: GUARDRAIL_FIELD_MANAGER,
    });
    for (const change of changed) rt.logger.warning(`Pod Security re-asserted on ${namespace}: ${change}`);
    // The reaper's expiry is the namespace's annotation alone: renewed here, by this up.
    await renewExpiry(client, existing, new Date(rt.clock.now() + inputs.ttlMs).toISOString(), {
      signal: rt.signal,
      deadline,
      fieldManager: GUARDRAIL_FIELD_MANAGER,
    });
    return (await getNamespace(client, namespace, rt.signal)) ?? existing;
  }
  if (inputs.maxEnvironments > 0 || inputs.capacityCheck) {
    const verdict = await admit(
      client,
      {
        repositoryId: identity.repositoryId,
        namespace,
        maxEnvironments: inputs.maxEnvironments,
        quota: inputs.resourceQuota,
        checkHeadroom: inputs.capacityCheck,
      },
      {
        waitMs: Math.min(inputs.capacityWaitMs, Math.max(0, deadline - rt.clock.now())),
        signal: rt.signal,
        onWait: (v) => rt.logger.info(`waiting for capacity: ${v.message}`),
      },
    );
    rt.logger.info(
      `capacity admission: ${verdict.liveEnvironments} live environment(s) of this repository${verdict.headroom ? `, headroom ${verdict.headroom.cpu.toFixed(2)} CPU` : ''}`,
    );
  }
  const meta = ownershipMetadata(identity, {
    repository: `${ctx.owner}/${ctx.repo}`,
    headSha: ctx.headSha,
    runId: String(ctx.runId),
    runAttempt: String(ctx.runAttempt),
    now: rt.clock.now(),
    ttlMs: inputs.ttlMs,
  });
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: { ...meta.labels, ...podSecurityLabels(inputs.podSecurity) },
      annotations: meta.annotations,
    },
  };
  // Claimed before the create, so a run killed right after it still leaves proof for the next one.
  if ((await ensureRecordsNamespace(client, records)) === 'created')
    rt.logger.info(`created the records namespace ${inputs.recordsNamespace} (input records-namespace)`);
  await claimRecord(client, identity, namespace, key, records);
  setPhase('creating');
  progress.maybeCreated = true;
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await client.request<KubeObject>({
        method: 'POST',
        path: collectionPath(types.namespace),
        body,
        query: { fieldManager: inputs.fieldManager },
        signal: rt.signal,
        deadline,
      });
      progress.created = true;
      rt.logger.info(`created namespace ${namespace}`);
      await completeRecord(client, identity, created, records);
      return created;
    } catch (error) {
      if (isAbortError(error)) throw error;
      const ambiguous = !(error instanceof KubeApiError) || error.status >= 500;
      if (!isAlreadyExists(error) && !ambiguous) {
        // A definite refusal (403, 422, …): nothing was created, and nothing can still be.
        progress.maybeCreated = false;
        throw error;
      }
      // Someone (a concurrent run of this PR, or our own request whose answer was lost) created it: look, don't guess.
      const now = await getNamespace(client, namespace, rt.signal);
      if (!now) {
        if (attempt < 3) continue;
        throw error;
      }
      const ownership = verifyOwnership(now, identity);
      if (!ownership.ours)
        throw new OwnershipError(
          `namespace ${namespace} exists and is not this environment's (${ownership.reason}); it is never adopted or touched`,
        );
      if (now.metadata?.annotations?.[annotations.createdBy] === key) {
        // Our own request committed and its answer was lost: the pending claim of this run proves it.
        await proveOrRefuse(client, identity, now, records, 0);
        progress.created = true;
        rt.logger.info(`created namespace ${namespace}`);
      } else {
        // A concurrent run of this pull request completes its record right after its create: wait a little for it.
        await proveOrRefuse(client, identity, now, records, 10_000);
        progress.adopted = true;
        rt.logger.info(
          `namespace ${namespace} was created concurrently by another run of this pull request; adopting it`,
        );
      }
      return now;
    }
  }
}

/**
 * Refuses an existing namespace that carries this environment's marks unless our creation record proves we created
 * it (see creation-records.ts); a pending record that proves it is completed with the uid. `waitMs`: how long a
 * missing proof is looked for again (a concurrent run completing its record).
 */
async function proveOrRefuse(
  client: KubeClient,
  identity: EnvironmentIdentity,
  existing: KubeObject,
  records: RecordOptions,
  waitMs: number,
): Promise<void> {
  const namespace = existing.metadata?.name ?? '';
  const where = recordWhere(namespace, records.recordsNamespace);
  const until = client.clock.now() + waitMs;
  for (;;) {
    const proof = proveCreation(existing, await readRecord(client, namespace, records), where);
    if (proof.proven) {
      if (proof.pending) await completeRecord(client, identity, existing, records);
      return;
    }
    if (client.clock.now() >= until)
      throw new OwnershipError(unprovenMessage(namespace, proof.reason, 'it is never adopted or touched'));
    await client.clock.sleep(500, records.signal);
  }
}

const WAITABLE_GROUP: Record<string, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  Service: '',
};

interface Stack {
  seedJobs: WaitTarget[];
  targets: WaitTarget[];
  /** The guardrails as asserted before the stack, which it must have left as they were. */
  guardrails: Awaited<ReturnType<typeof assertGuardrails>>['guardrails'];
}

/** What the waiter needs of an object to wait for: its kind and name (a Service's spec, for its endpoints). */
function waitTarget(planned: PlannedObject, applied?: KubeObject): WaitTarget {
  return {
    kind: planned.type.kind as WaitTarget['kind'],
    name: planned.name,
    ...(planned.type.kind === 'Service' ? { object: applied ?? planned.object } : {}),
  };
}

function isWaitableObject(planned: PlannedObject): boolean {
  return isWaitable(planned.type.kind) && WAITABLE_GROUP[planned.type.kind] === planned.type.group;
}

async function applyEverything(
  client: KubeClient,
  identity: EnvironmentIdentity,
  namespaceObject: KubeObject,
  deadline: number,
  plan: readonly PlannedObject[],
  discovery: Discovery,
  { inputs, ctx, rt }: ModeArgs,
  progress: Progress,
  waiter: NamespaceWaiter,
): Promise<Stack> {
  const namespace = namespaceObject.metadata?.name ?? '';
  const applyOptions = { fieldManager: inputs.fieldManager, force: inputs.forceConflicts, signal: rt.signal, deadline };
  // Guardrails first: pods created by the stack must meet the quota and limit defaults from the start.
  const guardrails = guardrailObjects({
    namespace,
    repositoryHash: repositoryHash(identity.repositoryId),
    inputs,
    holder: runKey({ runId: String(ctx.runId), runAttempt: String(ctx.runAttempt) }),
    now: rt.clock.now(),
  });
  const guardrailPlan = await planStack(
    guardrails.map((object, document) => ({ object, source: { file: '(guardrails)', document } })),
    discovery,
    { namespace, allowClusterScoped: false, signal: rt.signal },
  );
  // Their own field manager, never the stack's; whatever someone else changed in them is put back first.
  const asserted = await assertGuardrails(client, guardrailPlan, { signal: rt.signal, deadline });
  for (const change of asserted.repaired) rt.logger.warning(`guardrail re-asserted: ${change}`);
  if (guardrails.some((g) => g.kind === 'ResourceQuota')) await quotaReady(client, namespace, deadline, rt.signal);
  rt.logger.info(`guardrails applied: ${guardrails.map((g) => (g.kind ?? '').toLowerCase()).join(', ')}`);
  const seedNames = new Set(inputs.seedJobs);
  const isSeed = (p: PlannedObject): boolean =>
    p.type.kind === 'Job' && (seedNames.has(p.name) || p.object.metadata?.annotations?.[SEED_ANNOTATION] === 'true');
  // Cluster-scoped objects are recorded on the namespace before they exist, so no kill point can leak one.
  const cluster = clusterScoped(plan);
  const recordOptions = { signal: rt.signal, deadline, fieldManager: GUARDRAIL_FIELD_MANAGER };
  let record: Awaited<ReturnType<typeof recordBeforeApply>> | undefined;
  if (cluster.length > 0) {
    for (const planned of cluster) markClusterObject(planned, identity, namespace);
    record = await recordBeforeApply(client, namespaceObject, cluster, recordOptions);
    rt.logger.info(
      `recorded ${cluster.length} cluster-scoped object(s) on namespace ${namespace} before applying them (deleted with the environment)`,
    );
  }
  // The waiter starts on the stack's kinds now, in the namespace the guardrails are in: its lists and watches are
  // running by the time the last apply returns.
  waiter.track(plan.filter(isWaitableObject).map((p) => waitTarget(p)));
  // By kind in install order; seed jobs right after the Services: the workloads apply while they run.
  try {
    progress.applied = await applyStack(client, plan, { ...applyOptions, early: isSeed });
  } catch (error) {
    if (error instanceof QuotaExceededError) throw new UserError(withInputHint(error.message), { cause: error });
    throw error;
  }
  if (record) await recordAfterApply(client, record.namespace, record.records, progress.applied, recordOptions);
  rt.logger.info(
    `applied ${progress.applied.length} objects with server-side apply (field manager ${inputs.fieldManager})`,
  );
  const waitable = progress.applied.filter((a) => isWaitableObject(a.planned));
  const toTarget = (a: AppliedObject): WaitTarget => waitTarget(a.planned, a.result);
  return {
    seedJobs: waitable.filter((a) => isSeed(a.planned)).map(toTarget),
    targets: waitable.filter((a) => !isSeed(a.planned)).map(toTarget),
    guardrails: asserted.guardrails,
  };
}

/**
 * What is checked once the stack is applied, while its readiness is awaited (no environment is declared ready
 * before these pass): the stack left every guardrail as it was, and access nobody declared is reported.
 */
async function checkAfterApply(
  client: KubeClient,
  namespace: string,
  guardrails: Stack['guardrails'],
  plan: readonly PlannedObject[],
  deadline: number,
  { rt }: ModeArgs,
): Promise<void> {
  // The stack must have left every guardrail as it was: the same object, the same spec, no one else's fields.
  const changed = await verifyGuardrails(client, guardrails, { signal: rt.signal, deadline });
  if (changed.length > 0)
    throw new GuardrailChangedError(
      `the guardrails changed while the stack was applied: ${changed.join('; ')}. They were re-asserted; the environment is not used`,
    );
  rt.logger.info(`guardrails verified after the stack: ${guardrails.length} unchanged`);
  // Access to the environment that nobody declared: reported (a planted binding, one made for the name in advance).
  const foreign = await foreignAccess(client, namespace, plan, rt.signal);
  for (const binding of foreign.bindings)
    rt.logger.warning(`${binding}: not declared by the stack nor created by this action; it was left in place`);
  for (const note of foreign.notes) rt.logger.warning(note);
}

async function buildPlan(
  namespace: string,
  identity: EnvironmentIdentity,
  discovery: Discovery,
  deadline: number,
  { inputs, ctx, rt }: ModeArgs,
): Promise<PlannedObject[]> {
  const stack = loadStack(inputs.manifests, ctx.workspace, { deadline, now: () => rt.clock.now() });
  const variables: Record<string, string> = {
    ...inputs.variables,
    NAMESPACE: namespace,
    ENVIRONMENT: namespace,
    HEAD_SHA: ctx.headSha,
    SHORT_SHA: ctx.headSha.slice(0, 7),
    IMAGE_TAG: inputs.imageTag ?? ctx.headSha,
    RUN_ID: String(ctx.runId),
    EXPIRES_AT: new Date(rt.clock.now() + inputs.ttlMs).toISOString(),
    ...(identity.target.kind === 'pr' ? { PR_NUMBER: String(identity.target.number) } : {}),
  };
  const unknown = new Set<string>();
  let images = 0;
  const objects = stack.map(({ object, source }) => {
    let substituted;
    try {
      substituted = substituteVariables(object, variables);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${where(source)}: ${error.message}`);
      throw error;
    }
    for (const name of substituted.unknown) unknown.add(name);
    images += overrideImages(substituted.value, inputs.images);
    return { object: substituted.value, source };
  });
  if (unknown.size > 0)
    rt.logger.warning(
      `manifests reference undefined variables, left as written: ${[...unknown].map((n) => `\${${n}}`).join(', ')}. If they are not meant for this action (shell variables of an upstream manifest), write $\${NAME} for a literal \${NAME}; otherwise set them in the input variables`,
    );
  if (Object.keys(inputs.images).length > 0) rt.logger.info(`image overrides changed ${images} container image(s)`);
  const plan = await planStack(objects, discovery, {
    namespace,
    allowClusterScoped: inputs.allowClusterScoped,
    signal: rt.signal,
  });
  vetStack(plan);
  for (const name of inputs.seedJobs) {
    if (!plan.some((p) => p.type.kind === 'Job' && p.name === name))
      throw new UserError(`Input 'seed-jobs': the stack has no Job named ${JSON.stringify(name)}`);
  }
  rt.logger.info(`stack: ${plan.length} objects from ${new Set(stack.map((s) => s.source.file)).size} file(s)`);
  return plan;
}

/** A new ResourceQuota rejects pods until the quota controller has filled in its status: wait for that first. */
async function quotaReady(client: KubeClient, namespace: string, deadline: number, signal: AbortSignal): Promise<void> {
  let interval = 100;
  for (;;) {
    const quota = await client.getOptional<KubeObject>(
      objectPath(types.resourceQuota, namespace, Guardrail.quota),
      signal,
    );
    const hard = (quota?.status as { hard?: Record<string, string> } | undefined)?.hard;
    if (hard && Object.keys(hard).length > 0) return;
    if (client.clock.now() + interval > deadline) return;
    await client.clock.sleep(interval, signal);
    interval = Math.min(1_000, interval * 2);
  }
}

function readinessWaiter(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
  { rt }: ModeArgs,
): NamespaceWaiter {
  return new NamespaceWaiter(client, namespace, {
    signal,
    logger: rt.logger,
    onProgress: (statuses) => {
      const ready = statuses.filter((s) => s.verdict.state === 'ready').length;
      const pending = statuses.filter((s) => s.verdict.state !== 'ready').slice(0, 5);
      rt.logger.info(
        `waiting: ${ready}/${statuses.length} ready${pending.length ? `; ${pending.map((s) => `${label(s)}: ${s.verdict.message}`).join('; ')}` : ''}`,
      );
    },
  });
}

/**
 * Waits for readiness while the after-apply checks run: both must succeed. A failed check stops the wait
 * (through the waiter's signal) and is the error, never the abort it caused.
 */
async function waitWhileChecking(
  waiter: NamespaceWaiter,
  checksFailed: AbortController,
  stack: Stack,
  deadline: number,
  args: ModeArgs,
  progress: Progress,
  checks: () => Promise<void>,
): Promise<Awaited<ReturnType<typeof waitForReadiness>>> {
  let failure: { error: unknown } | undefined;
  const checked = checks().catch((error: unknown) => {
    failure = { error };
    checksFailed.abort(error);
  });
  let ready: Awaited<ReturnType<typeof waitForReadiness>>;
  try {
    ready = await waitForReadiness(waiter, stack, deadline, args, progress);
  } catch (error) {
    await checked;
    if (failure) throw failure.error;
    throw error;
  }
  await checked;
  if (failure) throw failure.error;
  return ready;
}

async function waitForReadiness(
  waiter: NamespaceWaiter,
  stack: Stack,
  deadline: number,
  { rt }: ModeArgs,
  progress: Progress,
) {
  waiter.track([...stack.seedJobs, ...stack.targets]);
  if (stack.seedJobs.length > 0) {
    rt.logger.info(`running ${stack.seedJobs.length} seed job(s) to completion first`);
    const seeded = await waiter.until(stack.seedJobs, deadline);
    progress.statuses = seeded.statuses;
    if (!seeded.ok) return seeded;
  }
  const result = await waiter.until(stack.targets, deadline);
  progress.statuses = [...(stack.seedJobs.length > 0 ? progress.statuses : []), ...result.statuses];
  for (const status of result.statuses) rt.logger.debug(`${label(status)}: ${status.verdict.message}`);
  return { ...result, statuses: progress.statuses };
}

async function onFailure(
  error: unknown,
  client: KubeClient,
  identity: EnvironmentIdentity,
  namespace: string,
  key: string,
  started: number,
  deadline: number,
  { inputs, rt, publish }: ModeArgs,
  progress: Progress,
  setPhase: (phase: Phase) => void,
): Promise<void> {
  const cancelled = rt.signal.aborted || isAbortError(error);
  // The API server is gone: no diagnostics (they would only wait for it too), one bounded teardown attempt.
  const unreachable = error instanceof KubeUnreachableError || error instanceof KubeNetworkError;
  setPhase('failed');
  rt.setOutput(Outputs.status, cancelled ? 'cancelled' : 'failed');
  const teardownWanted = (progress.created || progress.maybeCreated) && !inputs.keepOnFailure;
  // Cancellation: ask for the delete first, within the runner's grace period; report afterwards if time allows.
  let teardownNote =
    progress.created || progress.maybeCreated
      ? inputs.keepOnFailure
        ? 'kept (keep-on-failure)'
        : 'pending'
      : 'not created by this run: kept';
  // Everything after the failure ends by the step's deadline, or within a short grace when that has passed.
  const failureEnd = Math.max(deadline, rt.clock.now() + FAILURE_GRACE_MS);
  const doTeardown = async (wait: boolean): Promise<void> => {
    if (!teardownWanted) return;
    const end = unreachable ? Math.min(failureEnd, rt.clock.now() + UNREACHABLE_TEARDOWN_MS) : failureEnd;
    const budget = clockDeadlineSignal(rt.clock, end);
    const begun = rt.clock.now();
    const waitUntil = Math.min(rt.clock.now() + Math.min(inputs.deleteTimeoutMs, 60_000), end - 1_000);
    try {
      const outcome = await teardown(client, identity, {
        onlyIfCreatedBy: key,
        recordsNamespace: inputs.recordsNamespace,
        logger: rt.logger,
        signal: budget.signal,
        ...(wait && waitUntil > rt.clock.now() ? { waitUntil } : {}),
      });
      teardownNote = outcome.result === 'deleted' ? (outcome.gone ? 'deleted' : 'deletion requested') : outcome.result;
      // Nothing found while our create may still commit on the server: the books stay open, the post step looks again.
      const createInFlight = outcome.result === 'absent' && progress.maybeCreated && !progress.created;
      if (createInFlight) {
        rt.saveState(State.createInFlight, 'true');
        teardownNote = 'not found yet; the create was in flight, so the post step checks again';
        rt.logger.info(`namespace ${namespace} not found while its create was in flight; the post step checks again`);
      } else if (wait && outcome.result === 'deleted' && !outcome.gone) {
        // Requested but not seen gone within the step's deadline: the post step waits for it within its budget.
        rt.logger.info(`namespace ${namespace} is terminating; the post step waits for it to go`);
      } else if (outcome.result !== 'not-created-by-this-run') rt.saveState(State.phase, 'torn-down');
    } catch (teardownError) {
      const outOfTime = budget.signal.aborted && isAbortError(teardownError);
      teardownNote = outOfTime
        ? unreachable
          ? `not done: the API server did not answer within ${formatDuration(end - begun)}; left: namespace ${namespace} (the post step and the reaper will retry)`
          : `not done within the step's deadline; left: namespace ${namespace} (the post step and the reaper will retry)`
        : `failed: ${formatKubeError(teardownError)} (the post step and the reaper will retry)`;
      rt.logger.warning(`teardown of ${namespace}: ${teardownNote}`);
    } finally {
      budget.dispose();
    }
  };
  if (cancelled) {
    await doTeardown(false);
    // Then, if the runner's grace period allows, say so on the PR (best effort: SIGKILL may come first).
    await publish({
      kind: 'failed',
      namespace,
      reason: 'the run was cancelled',
      targets: lines(progress.statuses),
      diagnostics: [],
      teardown: teardownNote,
      durationMs: rt.clock.now() - started,
      cancelled: true,
    });
    return;
  }
  let diagnostics: Awaited<ReturnType<typeof diagnose>> = [];
  const unready = progress.statuses.filter((s) => s.verdict.state !== 'ready');
  if (unready.length > 0 && !unreachable) {
    // Diagnostics leave the teardown its reserve of the failure's time.
    const budget = clockDeadlineSignal(rt.clock, failureEnd - TEARDOWN_RESERVE_MS, rt.signal);
    try {
      diagnostics = await diagnose(
        client,
        namespace,
        unready.map((s) => ({ target: label(s), verdict: s.verdict, ...(s.object ? { object: s.object } : {}) })),
        { signal: budget.signal },
      );
    } catch (diagnoseError) {
      rt.logger.warning(
        `diagnostics could not be gathered: ${budget.signal.aborted && !rt.signal.aborted ? "not within the step's deadline" : formatKubeError(diagnoseError)}`,
      );
    } finally {
      budget.dispose();
    }
    for (const d of diagnostics) {
      rt.logger.error(`${d.target} is not ready: ${d.verdict.message}`);
      for (const pod of d.pods)
        for (const c of pod.containers)
          if (c.reason || c.restarts > 0)
            rt.logger.info(
              `  ${pod.name}/${c.name}: ${c.state}${c.reason ? ` (${c.reason})` : ''}, ${c.restarts} restarts`,
            );
      for (const e of d.events.slice(0, 3)) rt.logger.info(`  event ${e.reason} on ${e.object}: ${e.message}`);
    }
  }
  await doTeardown(true);
  await publish({
    kind: 'failed',
    namespace,
    reason: formatKubeError(error),
    targets: lines(progress.statuses),
    diagnostics,
    teardown: teardownNote,
    durationMs: rt.clock.now() - started,
    cancelled: false,
  });
}
