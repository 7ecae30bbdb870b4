/**
 * The objects the Kubernetes backend creates for one run, all derived from hashes and validated inputs (no test
 * name, branch name or other untrusted text becomes a name or label):
 *
 * - the root ConfigMap `gauntlet-shards-<hash>`: the run script and each shard's command line; everything else
 *   is owned by it, so deleting it (post step, or the namespace's teardown) removes the whole run;
 * - one result ConfigMap per shard, `<root>-r<i>`, which that shard's pods patch with their JUnit;
 * - unless `service-account` is given: a ServiceAccount, and a Role + RoleBinding allowing `get` and `patch` on
 *   exactly those result ConfigMaps (nothing else);
 * - the Indexed Job: completions = shards, retries per index, resources, node selector, tolerations, labels, and
 *   a security context that passes Pod Security `restricted` unless the user changes it (security-context.ts).
 */
import type { KubeObject } from '@gauntlet/kube';
import type { KubernetesInputs } from '../../inputs.js';
import { identityHash, type RunIdentity } from '../../run-identity.js';
import { RUN_SCRIPT } from './run-script.js';

export const MANAGED_BY = 'gauntlet.dev/managed-by';
export const ROOT_LABEL = 'gauntlet.dev/shard-run';
export const MANAGER = 'shard-and-run';
export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';

/** `gauntlet-shards-<10 hex>`: stable for one run attempt and plan, unique across them. */
export function rootName(identity: RunIdentity): string {
  return `gauntlet-shards-${identityHash(identity)}`;
}

export const resultName = (root: string, index: number): string => `${root}-r${index}`;

export function ownerReference(
  root: KubeObject,
): NonNullable<NonNullable<KubeObject['metadata']>['ownerReferences']>[number] {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: root.metadata!.name!,
    uid: root.metadata!.uid!,
    blockOwnerDeletion: false,
  };
}

function baseLabels(root: string, identity: RunIdentity): Record<string, string> {
  return {
    [MANAGED_BY]: MANAGER,
    [ROOT_LABEL]: root,
    'gauntlet.dev/plan': identity.planId,
    'gauntlet.dev/run-id': String(identity.runId),
  };
}

/** Arguments of one shard as the script reads them: one word per line. */
export function argsFile(argv: readonly string[]): string {
  return argv.length ? `${argv.join('\n')}\n` : '';
}

export function rootConfigMap(
  root: string,
  namespace: string,
  identity: RunIdentity,
  argv: readonly (readonly string[])[],
): KubeObject {
  const data: Record<string, string> = { 'run.sh': RUN_SCRIPT };
  argv.forEach((words, i) => (data[`args-${i + 1}`] = argsFile(words)));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: root,
      namespace,
      labels: baseLabels(root, identity),
      annotations: {
        'gauntlet.dev/repository': identity.repository,
        'gauntlet.dev/run-attempt': String(identity.runAttempt),
      },
    },
    data,
  };
}

export function resultConfigMap(root: KubeObject, index: number, identity: RunIdentity): KubeObject {
  const name = root.metadata!.name!;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: resultName(name, index),
      namespace: root.metadata!.namespace!,
      labels: { ...baseLabels(name, identity), 'gauntlet.dev/shard': String(index) },
      ownerReferences: [ownerReference(root)],
    },
    data: {},
  };
}

export function rbacObjects(root: KubeObject, shards: number, identity: RunIdentity): KubeObject[] {
  const name = root.metadata!.name!;
  const namespace = root.metadata!.namespace!;
  const metadata = { name, namespace, labels: baseLabels(name, identity), ownerReferences: [ownerReference(root)] };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: Array.from({ length: shards }, (_, i) => resultName(name, i + 1)),
          verbs: ['get', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
}

export interface JobOptions {
  readonly shards: number;
  readonly kube: KubernetesInputs;
  readonly junitPath?: string;
  readonly planId: string;
}

export function shardJob(root: KubeObject, identity: RunIdentity, options: JobOptions): KubeObject {
  const name = root.metadata!.name!;
  const namespace = root.metadata!.namespace!;
  const { kube } = options;
  const labels = { ...kube.labels, ...baseLabels(name, identity) };
  const env = [
    { name: 'GAUNTLET_SHARD_TOTAL', value: String(options.shards) },
    { name: 'GAUNTLET_PLAN_ID', value: options.planId },
    { name: 'GAUNTLET_RESULT_PREFIX', value: `${name}-r` },
    { name: 'GAUNTLET_DIR', value: '/gauntlet' },
    ...(options.junitPath === undefined ? [] : [{ name: 'GAUNTLET_JUNIT', value: options.junitPath }]),
    { name: 'GAUNTLET_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    {
      name: 'GAUNTLET_INDEX_FAILURES',
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${FAILURE_COUNT_ANNOTATION}']` } },
    },
    ...Object.entries(kube.podEnv).map(([k, v]) => ({ name: k, value: v })),
  ];
  const resources: Record<string, Record<string, string>> = {};
  if (kube.resources?.requests && Object.keys(kube.resources.requests).length)
    resources['requests'] = kube.resources.requests;
  if (kube.resources?.limits && Object.keys(kube.resources.limits).length) resources['limits'] = kube.resources.limits;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels, ownerReferences: [ownerReference(root)] },
    spec: {
      completionMode: 'Indexed',
      completions: options.shards,
      parallelism: Math.min(options.shards, kube.parallelism ?? options.shards),
      backoffLimitPerIndex: kube.retriesPerIndex,
      activeDeadlineSeconds: Math.ceil(kube.timeoutMs / 1000),
      template: {
        metadata: {
          labels,
          ...(Object.keys(kube.podAnnotations).length ? { annotations: { ...kube.podAnnotations } } : {}),
        },
        spec: {
          restartPolicy: 'Never',
          ...(Object.keys(kube.securityContext.pod).length
            ? { securityContext: structuredClone(kube.securityContext.pod) }
            : {}),
          serviceAccountName: kube.serviceAccount ?? name,
          automountServiceAccountToken: true,
          ...(Object.keys(kube.nodeSelector).length ? { nodeSelector: { ...kube.nodeSelector } } : {}),
          ...(kube.tolerations.length ? { tolerations: kube.tolerations.map((t) => ({ ...t })) } : {}),
          containers: [
            {
              name: 'tests',
              image: kube.image,
              command: ['/bin/sh', '/gauntlet/run.sh'],
              env,
              ...(Object.keys(resources).length ? { resources } : {}),
              ...(Object.keys(kube.securityContext.container).length
                ? { securityContext: structuredClone(kube.securityContext.container) }
                : {}),
              volumeMounts: [{ name: 'gauntlet', mountPath: '/gauntlet', readOnly: true }],
            },
          ],
          volumes: [{ name: 'gauntlet', configMap: { name, defaultMode: 0o555 } }],
        },
      },
    },
  };
}
