/**
 * The order a stack is applied in: by kind, in Helm's install order. A pod created before a Service it talks to
 * exists gets none of that Service's environment variables (<SVC>_SERVICE_HOST, …), and one created before its
 * service account, secrets or config fails to start; so each kind waits for the kinds before it.
 */
import type { PlannedObject } from './apply.js';

/** Helm's InstallOrder (pkg/release/util/kind_sorter.go); kinds not listed come last, together. */
export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const RANK = new Map(INSTALL_ORDER.map((kind, index) => [kind, index]));
const SERVICE_RANK = RANK.get('Service') as number;

/**
 * Splits the plan into waves, one per kind in install order (plan order kept within a wave). Objects `early` picks
 * (seed Jobs, whose clock should start first) form their own wave right after the Services, ahead of the workloads.
 */
export function installWaves(
  plan: readonly PlannedObject[],
  early: (planned: PlannedObject) => boolean = () => false,
): PlannedObject[][] {
  const waves = new Map<number, PlannedObject[]>();
  for (const planned of plan) {
    const rank = RANK.get(planned.type.kind) ?? INSTALL_ORDER.length;
    const wave = early(planned) && rank > SERVICE_RANK ? SERVICE_RANK + 0.5 : rank;
    const members = waves.get(wave);
    if (members) members.push(planned);
    else waves.set(wave, [planned]);
  }
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([, members]) => members);
}
