/**
 * Capacity admission, before an environment is created: the repository's live environments against
 * max-environments, and the cluster's allocatable headroom against the quota being requested. Headroom is the
 * allocatable CPU and memory of Ready, schedulable, untainted nodes, minus the requests of every running or pending
 * pod, minus what other live environments may still claim under their quotas (hard − used). Either refuse at once
 * or wait up to capacity-wait, and say which limit was hit.
 */
import { UserError } from '@gauntlet/action-kit';
import {
  type KubeClient,
  type KubeObject,
  MANAGED_BY,
  collectionPath,
  formatQuantity,
  identityOf,
  labelSelector,
  labels,
  parseQuantity,
  repositoryHash,
  types,
} from '@gauntlet/kube';

export interface CapacityRequest {
  repositoryId: string;
  /** The environment being created (not counted against the maximum). */
  namespace: string;
  maxEnvironments: number;
  /** The ResourceQuota hard limits being requested, or undefined for no quota. */
  quota: Readonly<Record<string, string>> | undefined;
  checkHeadroom: boolean;
}

export interface CapacityVerdict {
  admitted: boolean;
  /** Which limit was hit, in words; undefined when admitted. */
  limit?: 'max-environments' | 'cpu-headroom' | 'memory-headroom';
  message: string;
  liveEnvironments: number;
  headroom?: { cpu: number; memory: number };
}

export class CapacityError extends UserError {
  constructor(
    message: string,
    readonly verdict: CapacityVerdict,
  ) {
    super(message);
    this.name = 'CapacityError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

interface NodeLike {
  spec?: { unschedulable?: boolean; taints?: Array<{ effect?: string }> };
  status?: { allocatable?: Record<string, string>; conditions?: Array<{ type?: string; status?: string }> };
  metadata?: { name?: string };
}

interface PodLike {
  spec?: {
    nodeName?: string;
    containers?: Array<{ resources?: { requests?: Record<string, string> } }>;
    initContainers?: Array<{ resources?: { requests?: Record<string, string> } }>;
  };
  status?: { phase?: string };
}

/** A pod's effective request: the larger of the sum of its containers and its largest init container. */
export function podRequests(pod: PodLike): { cpu: number; memory: number } {
  const sum = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    sum.cpu += safe(c.resources?.requests?.cpu);
    sum.memory += safe(c.resources?.requests?.memory);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    sum.cpu = Math.max(sum.cpu, safe(c.resources?.requests?.cpu));
    sum.memory = Math.max(sum.memory, safe(c.resources?.requests?.memory));
  }
  return sum;
}

function safe(value: string | undefined): number {
  try {
    return parseQuantity(value);
  } catch {
    return 0;
  }
}

export function schedulableAllocatable(nodes: readonly NodeLike[]): {
  cpu: number;
  memory: number;
  nodes: Set<string>;
} {
  const total = { cpu: 0, memory: 0, nodes: new Set<string>() };
  for (const node of nodes) {
    if (node.spec?.unschedulable) continue;
    if ((node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) continue;
    if (!(node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    total.cpu += safe(node.status?.allocatable?.cpu);
    total.memory += safe(node.status?.allocatable?.memory);
    if (node.metadata?.name) total.nodes.add(node.metadata.name);
  }
  return total;
}

export interface ClusterSnapshot {
  environments: KubeObject[];
  nodes?: NodeLike[];
  pods?: PodLike[];
  quotas?: KubeObject[];
}

/** The decision, as a pure function of what was listed. */
export function decideCapacity(request: CapacityRequest, snapshot: ClusterSnapshot): CapacityVerdict {
  const live = snapshot.environments.filter(
    (ns) =>
      ns.metadata?.name !== request.namespace &&
      !ns.metadata?.deletionTimestamp &&
      identityOf(ns, request.repositoryId) !== undefined,
  ).length;
  if (request.maxEnvironments > 0 && live >= request.maxEnvironments) {
    return {
      admitted: false,
      limit: 'max-environments',
      liveEnvironments: live,
      message: `the repository already has ${live} live environment${live === 1 ? '' : 's'}; max-environments is ${request.maxEnvironments}`,
    };
  }
  const wantCpu = safe(request.quota?.['requests.cpu'] ?? request.quota?.cpu);
  const wantMemory = safe(request.quota?.['requests.memory'] ?? request.quota?.memory);
  if (!request.checkHeadroom || !snapshot.nodes || (wantCpu === 0 && wantMemory === 0)) {
    return { admitted: true, liveEnvironments: live, message: 'admitted' };
  }
  const allocatable = schedulableAllocatable(snapshot.nodes);
  let usedCpu = 0;
  let usedMemory = 0;
  for (const pod of snapshot.pods ?? []) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    if (pod.spec?.nodeName && !allocatable.nodes.has(pod.spec.nodeName)) continue;
    const r = podRequests(pod);
    usedCpu += r.cpu;
    usedMemory += r.memory;
  }
  for (const quota of snapshot.quotas ?? []) {
    if (quota.metadata?.namespace === request.namespace) continue;
    const status = (quota.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
    usedCpu += Math.max(0, safe(status.hard?.['requests.cpu']) - safe(status.used?.['requests.cpu']));
    usedMemory += Math.max(0, safe(status.hard?.['requests.memory']) - safe(status.used?.['requests.memory']));
  }
  const headroom = { cpu: allocatable.cpu - usedCpu, memory: allocatable.memory - usedMemory };
  if (wantCpu > headroom.cpu) {
    return {
      admitted: false,
      limit: 'cpu-headroom',
      liveEnvironments: live,
      headroom,
      message: `the cluster's CPU headroom is ${formatQuantity('cpu', Math.max(0, headroom.cpu))}; the quota requests ${formatQuantity('cpu', wantCpu)} (requests.cpu)`,
    };
  }
  if (wantMemory > headroom.memory) {
    return {
      admitted: false,
      limit: 'memory-headroom',
      liveEnvironments: live,
      headroom,
      message: `the cluster's memory headroom is ${formatQuantity('memory', Math.max(0, headroom.memory))}; the quota requests ${formatQuantity('memory', wantMemory)} (requests.memory)`,
    };
  }
  return { admitted: true, liveEnvironments: live, headroom, message: 'admitted' };
}

/** Lists what the decision needs: our environments always; nodes, pods and our quotas only for the headroom check. */
export async function snapshotCluster(
  client: KubeClient,
  request: CapacityRequest,
  signal?: AbortSignal,
): Promise<ClusterSnapshot> {
  const ours = labelSelector().eq(labels.managedBy, MANAGED_BY);
  const mine = labelSelector()
    .eq(labels.managedBy, MANAGED_BY)
    .eq(labels.repository, repositoryHash(request.repositoryId));
  const wantHeadroom = request.checkHeadroom && request.quota !== undefined;
  const [environments, nodes, pods, quotas] = await Promise.all([
    client.list(collectionPath(types.namespace), { labelSelector: mine.toString() }, signal),
    wantHeadroom ? client.list(collectionPath(types.node), {}, signal) : undefined,
    wantHeadroom ? client.list(collectionPath(types.pod), {}, signal) : undefined,
    wantHeadroom
      ? client.list(collectionPath(types.resourceQuota), { labelSelector: ours.toString() }, signal)
      : undefined,
  ]);
  return {
    environments: environments.items,
    ...(nodes ? { nodes: nodes.items as NodeLike[] } : {}),
    ...(pods ? { pods: pods.items as PodLike[] } : {}),
    ...(quotas ? { quotas: quotas.items } : {}),
  };
}

/** Admits, or waits (polling every 10 s) up to `waitMs`, or throws a CapacityError naming the limit. */
export async function admit(
  client: KubeClient,
  request: CapacityRequest,
  options: { waitMs: number; signal?: AbortSignal; onWait?: (verdict: CapacityVerdict) => void },
): Promise<CapacityVerdict> {
  const deadline = client.clock.now() + options.waitMs;
  for (;;) {
    const verdict = decideCapacity(request, await snapshotCluster(client, request, options.signal));
    if (verdict.admitted) return verdict;
    if (client.clock.now() + 10_000 > deadline) {
      throw new CapacityError(
        `capacity admission refused the environment: ${verdict.message}${options.waitMs > 0 ? ' (still so after waiting capacity-wait)' : ''}`,
        verdict,
      );
    }
    options.onWait?.(verdict);
    await client.clock.sleep(10_000, options.signal);
  }
}
