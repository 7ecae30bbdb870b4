/**
 * Resource types and API paths. Paths are only ever built here, from a resource type and validated names, so no
 * user text can reach a URL unchecked. Well-known types are built in (no discovery round trip for the common
 * stack); anything else is looked up once per group/version through API discovery.
 */
import type { KubeClient } from './client.js';
import { KubeApiError } from './errors.js';
import { assertNamespaceName, assertObjectName } from './names.js';

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

function t(apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { group, version, kind, plural, namespaced };
}

export const types = {
  namespace: t('v1', 'Namespace', 'namespaces', false),
  node: t('v1', 'Node', 'nodes', false),
  pod: t('v1', 'Pod', 'pods', true),
  service: t('v1', 'Service', 'services', true),
  configMap: t('v1', 'ConfigMap', 'configmaps', true),
  secret: t('v1', 'Secret', 'secrets', true),
  serviceAccount: t('v1', 'ServiceAccount', 'serviceaccounts', true),
  pvc: t('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true),
  endpoints: t('v1', 'Endpoints', 'endpoints', true),
  event: t('v1', 'Event', 'events', true),
  resourceQuota: t('v1', 'ResourceQuota', 'resourcequotas', true),
  limitRange: t('v1', 'LimitRange', 'limitranges', true),
  replicationController: t('v1', 'ReplicationController', 'replicationcontrollers', true),
  deployment: t('apps/v1', 'Deployment', 'deployments', true),
  statefulSet: t('apps/v1', 'StatefulSet', 'statefulsets', true),
  daemonSet: t('apps/v1', 'DaemonSet', 'daemonsets', true),
  replicaSet: t('apps/v1', 'ReplicaSet', 'replicasets', true),
  job: t('batch/v1', 'Job', 'jobs', true),
  cronJob: t('batch/v1', 'CronJob', 'cronjobs', true),
  ingress: t('networking.k8s.io/v1', 'Ingress', 'ingresses', true),
  networkPolicy: t('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true),
  endpointSlice: t('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices', true),
  hpa: t('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true),
  pdb: t('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true),
  role: t('rbac.authorization.k8s.io/v1', 'Role', 'roles', true),
  roleBinding: t('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true),
  clusterRole: t('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  clusterRoleBinding: t('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  lease: t('coordination.k8s.io/v1', 'Lease', 'leases', true),
  crd: t('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
} as const satisfies Record<string, ResourceType>;

const BUILT_IN = new Map<string, ResourceType>(
  Object.values(types).map((type) => [key(apiVersionOf(type), type.kind), type]),
);

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function groupVersionPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  if (!/^[a-z0-9.-]*$/.test(type.group) || !/^v[0-9a-z]+$/.test(type.version)) {
    throw new TypeError(`invalid group/version ${JSON.stringify(apiVersionOf(type))}`);
  }
  return type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
}

/** The collection path: all namespaces when `namespace` is undefined for a namespaced type. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  if (!/^[a-z0-9]+$/.test(type.plural)) throw new TypeError(`invalid resource plural ${JSON.stringify(type.plural)}`);
  const base = groupVersionPath(type);
  if (type.namespaced && namespace !== undefined)
    return `${base}/namespaces/${assertNamespaceName(namespace)}/${type.plural}`;
  return `${base}/${type.plural}`;
}

export function objectPath(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  subresource?: 'status' | 'log' | 'token' | 'finalize',
): string {
  if (type.namespaced && namespace === undefined) throw new TypeError(`${type.kind} ${name}: a namespace is required`);
  const path = `${collectionPath(type, type.namespaced ? namespace : undefined)}/${assertObjectName(name, `${type.kind} name`)}`;
  return subresource ? `${path}/${subresource}` : path;
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

export interface TypeResolver {
  resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceType | undefined>;
}

/** The built-in type for apiVersion+kind, without asking the server. */
export function builtInType(apiVersion: string, kind: string): ResourceType | undefined {
  return BUILT_IN.get(key(apiVersion, kind));
}

/** Resolves apiVersion+kind to a resource type: built-ins first, then discovery, cached per group/version. */
export class Discovery implements TypeResolver {
  private readonly cache = new Map<string, Promise<ApiResourceList | undefined>>();
  constructor(private readonly client: KubeClient) {}

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceType | undefined> {
    const builtIn = BUILT_IN.get(key(apiVersion, kind));
    if (builtIn) return builtIn;
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    const gv = { group, version };
    const path = groupVersionPath(gv);
    let pending = this.cache.get(path);
    if (!pending) {
      pending = this.client.get<ApiResourceList>(path, undefined, signal).catch((error: unknown) => {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        this.cache.delete(path);
        throw error;
      });
      this.cache.set(path, pending);
    }
    const list = await pending;
    const found = list?.resources?.find((resource) => resource.kind === kind && !resource.name.includes('/'));
    return found ? { group, version, kind, plural: found.name, namespaced: found.namespaced } : undefined;
  }
}
