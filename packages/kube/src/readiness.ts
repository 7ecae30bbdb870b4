/**
 * Readiness predicates. The Deployment, DaemonSet and StatefulSet rules follow `kubectl rollout status`
 * (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go) condition for condition, re-expressed here: the verdict
 * for any object equals kubectl's (done → ready, error → failed or unsupported, otherwise progressing), and the
 * table test in readiness.test.ts holds us to it. Jobs and Services are not covered by kubectl rollout status; their
 * rules are ours and documented below.
 */
import type { KubeObject } from './client.js';

export type ReadinessState = 'ready' | 'progressing' | 'failed' | 'unsupported';

export interface Verdict {
  state: ReadinessState;
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const optNum = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function conditions(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '(unnamed)';
}

/**
 * Deployment, as kubectl: the controller must have observed the current generation; a Progressing condition with
 * reason ProgressDeadlineExceeded fails; then all desired replicas updated, no old replicas left, and every updated
 * replica available.
 */
export function deploymentRollout(obj: KubeObject): Verdict {
  const spec = record(obj.spec);
  const status = record(obj.status);
  const name = nameOf(obj);
  if (num(obj.metadata?.generation) > num(status.observedGeneration)) {
    return { state: 'progressing', message: 'waiting for the deployment spec update to be observed' };
  }
  const progressing = conditions(status).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment ${name} exceeded its progress deadline` };
  }
  const desired = optNum(spec.replicas);
  const updated = num(status.updatedReplicas);
  if (desired !== undefined && updated < desired) {
    return { state: 'progressing', message: `${updated} of ${desired} new replicas updated` };
  }
  const replicas = num(status.replicas);
  if (replicas > updated) {
    return { state: 'progressing', message: `${replicas - updated} old replicas pending termination` };
  }
  const available = num(status.availableReplicas);
  if (available < updated) {
    return { state: 'progressing', message: `${available} of ${updated} updated replicas available` };
  }
  return { state: 'ready', message: `deployment ${name} rolled out` };
}

/**
 * DaemonSet, as kubectl: only the RollingUpdate strategy has a rollout status; then the current generation must be
 * observed, every scheduled pod updated and every one available.
 */
export function daemonSetRollout(obj: KubeObject): Verdict {
  const spec = record(obj.spec);
  const status = record(obj.status);
  if (record(spec.updateStrategy).type !== 'RollingUpdate') {
    return { state: 'unsupported', message: 'rollout status is only available for the RollingUpdate strategy' };
  }
  if (num(obj.metadata?.generation) > num(status.observedGeneration)) {
    return { state: 'progressing', message: 'waiting for the daemon set spec update to be observed' };
  }
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  if (updated < desired) return { state: 'progressing', message: `${updated} of ${desired} new pods updated` };
  const available = num(status.numberAvailable);
  if (available < desired)
    return { state: 'progressing', message: `${available} of ${desired} updated pods available` };
  return { state: 'ready', message: `daemon set ${nameOf(obj)} rolled out` };
}

/**
 * StatefulSet, as kubectl: RollingUpdate strategy only; a status that has observed the current generation (and is
 * not the zero observedGeneration of a set never seen by the controller); all desired replicas ready; with a
 * rollingUpdate block, the replicas above the partition updated; without one, the update revision current.
 */
export function statefulSetRollout(obj: KubeObject): Verdict {
  const spec = record(obj.spec);
  const status = record(obj.status);
  const strategy = record(spec.updateStrategy);
  if (strategy.type !== 'RollingUpdate') {
    return { state: 'unsupported', message: 'rollout status is only available for the RollingUpdate strategy' };
  }
  const observed = num(status.observedGeneration);
  if (observed === 0 || num(obj.metadata?.generation) > observed) {
    return { state: 'progressing', message: 'waiting for the statefulset spec update to be observed' };
  }
  const desired = optNum(spec.replicas);
  const ready = num(status.readyReplicas);
  if (desired !== undefined && ready < desired) {
    return { state: 'progressing', message: `waiting for ${desired - ready} pods to be ready` };
  }
  const updated = num(status.updatedReplicas);
  if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    const partition = optNum(record(strategy.rollingUpdate).partition);
    if (desired !== undefined && partition !== undefined && updated < desired - partition) {
      return {
        state: 'progressing',
        message: `partitioned roll out: ${updated} of ${desired - partition} new pods updated`,
      };
    }
    return { state: 'ready', message: `partitioned roll out complete: ${updated} new pods updated` };
  }
  if (status.updateRevision !== status.currentRevision) {
    return { state: 'progressing', message: `rolling update: ${updated} pods at the update revision so far` };
  }
  return {
    state: 'ready',
    message: `rolling update complete: ${num(status.currentReplicas)} pods at the current revision`,
  };
}

/**
 * Job (ours): Complete=True is ready; Failed=True or FailureTarget=True is failed; a suspended Job is progressing
 * and says so; anything else is progressing with the pod counts.
 */
export function jobCompletion(obj: KubeObject): Verdict {
  const status = record(obj.status);
  const all = conditions(status);
  const isTrue = (type: string): Condition | undefined => all.find((c) => c.type === type && c.status === 'True');
  if (isTrue('Complete')) return { state: 'ready', message: `job ${nameOf(obj)} completed` };
  const failed = isTrue('Failed') ?? isTrue('FailureTarget');
  if (failed)
    return { state: 'failed', message: `job ${nameOf(obj)} failed${failed.reason ? ` (${failed.reason})` : ''}` };
  if (record(obj.spec).suspend === true) return { state: 'progressing', message: 'job is suspended' };
  return {
    state: 'progressing',
    message: `${num(status.active)} active, ${num(status.succeeded)} succeeded, ${num(status.failed)} failed pods`,
  };
}

/**
 * Service (ours): ExternalName services and services without a selector are ready at once (their endpoints are
 * managed elsewhere); otherwise at least one EndpointSlice of the service must hold a ready endpoint.
 */
export function serviceEndpoints(service: KubeObject, slices: readonly KubeObject[]): Verdict {
  const spec = record(service.spec);
  if (spec.type === 'ExternalName') return { state: 'ready', message: 'external name service' };
  const selector = record(spec.selector);
  if (Object.keys(selector).length === 0) return { state: 'ready', message: 'service without a selector' };
  let ready = 0;
  for (const slice of slices) {
    const endpoints = Array.isArray(slice.endpoints)
      ? (slice.endpoints as Array<{ conditions?: { ready?: boolean } }>)
      : [];
    for (const endpoint of endpoints) if (endpoint.conditions?.ready !== false) ready++;
  }
  if (ready === 0) return { state: 'progressing', message: 'no ready endpoints yet' };
  return { state: 'ready', message: `${ready} ready endpoint${ready === 1 ? '' : 's'}` };
}

/** The kinds the waiter understands, by kind name. */
export const WAITABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Service'] as const;
export type WaitableKind = (typeof WAITABLE_KINDS)[number];

export function isWaitable(kind: string | undefined): kind is WaitableKind {
  return (WAITABLE_KINDS as readonly string[]).includes(kind ?? '');
}

/**
 * What the waiter uses: kubectl's verdict, except where kubectl has none (OnDelete StatefulSets and DaemonSets),
 * where the set is ready once the controller has seen the current generation and every desired pod is ready.
 */
export function workloadReadiness(obj: KubeObject): Verdict {
  switch (obj.kind) {
    case 'Deployment': {
      const verdict = deploymentRollout(obj);
      return verdict.state === 'progressing' ? (admissionBlock(obj) ?? verdict) : verdict;
    }
    case 'DaemonSet': {
      const verdict = daemonSetRollout(obj);
      if (verdict.state !== 'unsupported') return verdict;
      const status = record(obj.status);
      if (num(obj.metadata?.generation) > num(status.observedGeneration))
        return { state: 'progressing', message: 'waiting for the spec update to be observed' };
      const desired = num(status.desiredNumberScheduled);
      const ready = num(status.numberReady);
      return ready >= desired
        ? { state: 'ready', message: `${ready} pods ready (OnDelete)` }
        : { state: 'progressing', message: `${ready} of ${desired} pods ready` };
    }
    case 'StatefulSet': {
      const verdict = statefulSetRollout(obj);
      if (verdict.state !== 'unsupported') return verdict;
      const status = record(obj.status);
      const observed = num(status.observedGeneration);
      if (observed === 0 || num(obj.metadata?.generation) > observed)
        return { state: 'progressing', message: 'waiting for the spec update to be observed' };
      const desired = optNum(record(obj.spec).replicas) ?? 1;
      const ready = num(status.readyReplicas);
      return ready >= desired
        ? { state: 'ready', message: `${ready} pods ready (OnDelete)` }
        : { state: 'progressing', message: `${ready} of ${desired} pods ready` };
    }
    case 'Job':
      return jobCompletion(obj);
    default:
      return { state: 'unsupported', message: `no readiness rule for ${obj.kind ?? 'unknown kind'}` };
  }
}

/**
 * A Deployment whose ReplicaSet cannot create pods (ReplicaFailure=True, FailedCreate, which the deployment
 * controller copies from the ReplicaSet): kubectl keeps waiting, and the cause is only in an event. Admission
 * rejections are decided here instead:
 * - Pod Security and LimitRange rejections and invalid pods are terminal: the same pod spec is rejected again on every retry;
 * - a quota rejection is terminal unless old pods of the Deployment are still running (a rollout whose old
 *   replicas can free the quota as they go);
 * - anything else (a service account not created yet, a webhook that is down) can clear: still progressing, but
 *   the verdict says why, so the progress line names the cause at once.
 */
export function admissionBlock(obj: KubeObject): Verdict | undefined {
  const failure = conditions(record(obj.status)).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (!failure) return undefined;
  return createBlock(obj, (failure.message ?? failure.reason ?? 'FailedCreate').slice(0, 1_000));
}

/**
 * The verdict for a workload whose controller cannot create its pods, from the refusal's message (a Deployment's
 * ReplicaFailure condition, or the FailedCreate event a StatefulSet, DaemonSet or Job controller emits): Pod Security
 * and LimitRange refusals fail; a quota refusal fails unless pods the workload already runs may free the quota as
 * they end; anything else can clear, and the verdict names it.
 */
export function createBlock(obj: KubeObject, message: string): Verdict {
  const rejection = admissionRejection(message);
  if (rejection.cause === 'quota') {
    if (mayFreeQuota(obj))
      return {
        state: 'progressing',
        message: `pods wait for quota while ${obj.kind === 'Job' ? 'its running pods end' : 'old replicas terminate'}: ${message}`,
      };
    return { state: 'failed', message: `pods exceed the namespace's quota: ${message}` };
  }
  if (rejection.permanent) return { state: 'failed', message: `${rejection.summary}: ${message}` };
  return { state: 'progressing', message: `pods cannot be created yet: ${message}` };
}

/** Whether pods the workload already runs (an old revision, or a Job's active pods) may free quota as they end. */
function mayFreeQuota(obj: KubeObject): boolean {
  const status = record(obj.status);
  switch (obj.kind) {
    case 'DaemonSet':
      return num(status.currentNumberScheduled) > num(status.updatedNumberScheduled);
    case 'Job':
      return num(status.active) > 0;
    default:
      return num(status.replicas) > num(status.updatedReplicas);
  }
}

export interface AdmissionRejection {
  readonly cause: 'pod-security' | 'limit-range' | 'invalid-spec' | 'quota' | 'other';
  /** The same pod spec is refused again on every retry (nothing in the cluster changes by itself to admit it). */
  readonly permanent: boolean;
  readonly summary: string;
}

/**
 * What a FailedCreate message (a pod refused at admission) means. Pod Security and LimitRange refusals and an
 * invalid pod are permanent; a quota refusal can clear when other pods of the namespace end (callers that know better decide);
 * anything else (a service account not created yet, a webhook that is down) can clear.
 */
export function admissionRejection(message: string): AdmissionRejection {
  if (/violates PodSecurity/.test(message))
    return { cause: 'pod-security', permanent: true, summary: 'pods are rejected by Pod Security admission' };
  if (/exceeded quota/.test(message))
    return { cause: 'quota', permanent: false, summary: "pods exceed the namespace's quota" };
  if (
    /(maximum|minimum) (cpu|memory|ephemeral-storage|storage)[^:]*usage per (Container|Pod)|LimitRange/i.test(message)
  )
    return { cause: 'limit-range', permanent: true, summary: "pods are rejected by the namespace's LimitRange" };
  // Validation of the pod built from a fixed template: the same pod is invalid on every retry. The common case is a
  // request above a limit the container does not set, which the namespace's LimitRange defaulted below it.
  if (/ is invalid: /.test(message))
    return /must be less than or equal to (cpu|memory) limit/.test(message)
      ? {
          cause: 'invalid-spec',
          permanent: true,
          summary:
            "pods are invalid: a request is above its limit (set the limit too: without one, the namespace's LimitRange default applies)",
        }
      : { cause: 'invalid-spec', permanent: true, summary: 'pods are invalid' };
  return { cause: 'other', permanent: false, summary: 'pods cannot be created yet' };
}
