/**
 * Why pods of a workload are not starting, as early as the API shows it: a pod refused at admission (the
 * controller's FailedCreate event), a pod the scheduler cannot place (PodScheduled=False, Unschedulable), an image
 * that cannot be pulled, a container that cannot be configured. Each problem says whether it can clear by itself:
 * a Pod Security refusal, an invalid image name or a root image under runAsNonRoot never do; an unschedulable pod
 * may (a node pool scaling up), and so may an image pull (a registry hiccup, an image still being pushed).
 * Messages are untrusted text (capped here, escaped wherever they are shown).
 */
import type { KubeObject } from './client.js';
import { admissionRejection } from './readiness.js';

export interface StartProblem {
  readonly kind: 'admission' | 'scheduling' | 'image' | 'container-config';
  /** The pod; absent when no pod could be created. */
  readonly pod?: string;
  /** Kubernetes' reason: FailedCreate, Unschedulable, ErrImagePull, ImagePullBackOff, InvalidImageName… */
  readonly reason: string;
  readonly message: string;
  readonly permanent: boolean;
  /** Since when (ms since the epoch) the problem has been seen, when the API says. */
  readonly sinceMs?: number;
}

const MAX_MESSAGE = 600;
const cap = (text: unknown): string => {
  const value = typeof text === 'string' ? text : '';
  return value.length > MAX_MESSAGE ? `${value.slice(0, MAX_MESSAGE - 1)}…` : value;
};
const time = (value: unknown): number | undefined => {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

const NEVER_PULLS = new Set(['InvalidImageName', 'ErrImageNeverPull']);
const PULLS = new Set(['ErrImagePull', 'ImagePullBackOff', 'RegistryUnavailable', 'SignatureValidationFailed']);

/** A FailedCreate event of the workload's controller (a pod refused at admission), or undefined. */
export function failedCreateProblem(event: KubeObject): StartProblem | undefined {
  if (event['reason'] !== 'FailedCreate') return undefined;
  const message = cap(event['message']);
  const since = time(event['firstTimestamp']) ?? time(event['eventTime']) ?? time(event.metadata?.creationTimestamp);
  return {
    kind: 'admission',
    reason: 'FailedCreate',
    message,
    permanent: admissionRejection(message).permanent,
    ...(since === undefined ? {} : { sinceMs: since }),
  };
}

/** Kinds whose controllers report a pod they cannot create only as a FailedCreate event (no condition). */
export const CREATE_EVENT_KINDS: ReadonlySet<string> = new Set(['StatefulSet', 'DaemonSet', 'Job']);

/**
 * The message of the newest FailedCreate event of this very object (by uid) seen since its spec last changed, or
 * undefined. Both times are the API server's (managedFields and the event), so the runner's clock never matters; an
 * event about an earlier pod template of an adopted object is older than the apply that changed it.
 */
export function currentFailedCreate(obj: KubeObject, events: Iterable<KubeObject>): string | undefined {
  const uid = obj.metadata?.uid;
  if (!uid) return undefined;
  const since = specChangedAt(obj);
  let newest: { at: number; message: string } | undefined;
  for (const event of events) {
    if (event['reason'] !== 'FailedCreate') continue;
    const involved = (event['involvedObject'] ?? event['regarding'] ?? {}) as { uid?: string; kind?: string };
    if (involved.uid !== uid) continue;
    const series = (event['series'] ?? {}) as { lastObservedTime?: string };
    const at =
      time(event['lastTimestamp']) ??
      time(series.lastObservedTime) ??
      time(event['eventTime']) ??
      time(event['firstTimestamp']) ??
      time(event.metadata?.creationTimestamp);
    if (at === undefined || (since !== undefined && at < since)) continue;
    if (!newest || at >= newest.at) newest = { at, message: cap(event['message']) };
  }
  return newest?.message;
}

/** When the object's spec last changed on the server: the newest managedFields entry that is not a status write. */
function specChangedAt(obj: KubeObject): number | undefined {
  const managed = Array.isArray(obj.metadata?.managedFields)
    ? (obj.metadata.managedFields as { time?: string; subresource?: string }[])
    : [];
  let newest: number | undefined;
  for (const entry of managed) {
    if (entry.subresource) continue;
    const at = time(entry.time);
    if (at !== undefined && (newest === undefined || at > newest)) newest = at;
  }
  // Seconds on the server: an event in the same second as the change counts.
  return newest ?? time(obj.metadata?.creationTimestamp);
}

/** The first reason this pod is not starting, or undefined when it is starting, running or finished. */
export function podStartProblem(pod: KubeObject): StartProblem | undefined {
  const status = (pod['status'] ?? {}) as {
    phase?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
    initContainerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
  };
  if (status.phase !== undefined && status.phase !== 'Pending') return undefined;
  const name = pod.metadata?.name ?? '';
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = time(scheduled.lastTransitionTime) ?? time(pod.metadata?.creationTimestamp);
    return {
      kind: 'scheduling',
      pod: name,
      reason: 'FailedScheduling',
      message: cap(scheduled.message ?? 'no node fits the pod'),
      permanent: false,
      ...(since === undefined ? {} : { sinceMs: since }),
    };
  }
  const since = time(pod.metadata?.creationTimestamp);
  const at = since === undefined ? {} : { sinceMs: since };
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting;
    const reason = waiting?.reason ?? '';
    const message = cap(waiting?.message ?? reason);
    if (NEVER_PULLS.has(reason)) return { kind: 'image', pod: name, reason, message, permanent: true, ...at };
    if (PULLS.has(reason)) return { kind: 'image', pod: name, reason, message, permanent: false, ...at };
    if (reason === 'CreateContainerConfigError' || reason === 'CreateContainerError') {
      // runAsNonRoot with an image whose user is root, or a non-numeric user: the same image fails every time.
      const permanent = /runAsNonRoot|non-numeric user|image will run as root/i.test(message);
      return { kind: 'container-config', pod: name, reason, message, permanent, ...at };
    }
  }
  return undefined;
}

/** One line for a log or a report: `FailedScheduling (pod x): 0/3 nodes are available: …`. */
export function describeStartProblem(problem: StartProblem): string {
  return `${problem.reason}${problem.pod ? ` (pod ${problem.pod})` : ''}: ${problem.message}`;
}
