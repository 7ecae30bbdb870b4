import {
  collectionPath,
  labelSelectorMatches,
  types,
  type KubeClient,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import type { TargetSpec, WorkloadKind } from '../experiment/model.js';

export function workloadType(kind: WorkloadKind): ResourceType {
  switch (kind) {
    case 'Pod':
      return types.pod;
    case 'Deployment':
      return types.deployment;
    case 'StatefulSet':
      return types.statefulSet;
    case 'ReplicaSet':
      return types.replicaSet;
  }
}

/** A pod counts as a candidate when it runs and is not already going away. */
export function isLivePod(pod: KubeObject): boolean {
  const status = pod.status as { phase?: string } | undefined;
  return !pod.metadata?.deletionTimestamp && status?.phase === 'Running';
}

export function isReadyPod(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return isLivePod(pod) && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The objects a target names, in one namespace, sorted by name. The selector is evaluated by the API server and
 * again here (a selector never widens to "everything": the loader refused empty ones).
 */
export async function resolveTarget(
  client: KubeClient,
  target: TargetSpec,
  namespace: string,
  signal?: AbortSignal,
): Promise<KubeObject[]> {
  const type = workloadType(target.kind);
  const selector = target.selector
    ? Object.entries(target.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : undefined;
  const list = await client.list(collectionPath(type, namespace), selector ? { labelSelector: selector } : {}, signal);
  return list.items
    .filter(
      (o) =>
        !target.selector ||
        labelSelectorMatches({ matchLabels: { ...target.selector } }, o.metadata?.labels, {
          empty: 'nothing',
          unknownOperator: 'throw',
        }),
    )
    .filter((o) => !target.names || target.names.includes(o.metadata?.name ?? ''))
    .filter((o) => target.kind !== 'Pod' || isLivePod(o))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** The pods of a target: the target's own pods, or a workload's pods by its selector. */
export async function podsOfTarget(
  client: KubeClient,
  target: TargetSpec,
  namespace: string,
  signal?: AbortSignal,
): Promise<KubeObject[]> {
  if (target.kind === 'Pod') return resolveTarget(client, target, namespace, signal);
  const pods: KubeObject[] = [];
  const all = (await client.list(collectionPath(types.pod, namespace), {}, signal)).items;
  for (const workload of await resolveTarget(client, target, namespace, signal)) {
    const selector = (workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector;
    pods.push(
      ...all.filter(
        (p) =>
          isLivePod(p) &&
          labelSelectorMatches(selector, p.metadata?.labels, { empty: 'nothing', unknownOperator: 'no-match' }),
      ),
    );
  }
  return pods;
}

/** The label selector (matchLabels) for a target's pods, as NetworkPolicies need it. */
export async function podLabelsOfTarget(
  client: KubeClient,
  target: TargetSpec,
  namespace: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  if (target.kind === 'Pod') {
    if (!target.selector) throw new Error(`target '${target.name}': a network fault needs a label selector, not names`);
    return { ...target.selector };
  }
  const [workload, ...rest] = await resolveTarget(client, target, namespace, signal);
  if (!workload) throw new Error(`target '${target.name}': no ${target.kind} matches`);
  if (rest.length)
    throw new Error(`target '${target.name}': a network fault needs one ${target.kind}, ${rest.length + 1} match`);
  const labels = (workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
    ?.matchLabels;
  if (!labels || Object.keys(labels).length === 0)
    throw new Error(`target '${target.name}': its selector has no matchLabels`);
  return { ...labels };
}
