/**
 * An optional kubeconfig limited to the environment: a ServiceAccount with a Role that can read the namespace's
 * workloads, services, events and pod logs, and a bound token from the TokenRequest API that expires with the
 * environment (at most 24 h). Read-only on purpose: the action grants only what it holds itself (no `bind` or
 * `escalate`), and test steps that need more should use their own credentials.
 */
import { dump } from 'js-yaml';
import { type KubeClient, type KubeConfig, objectPath, serverSideApply, types } from '@gauntlet/kube';
import { Guardrail } from './constants.js';

export const READER_RULES = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/log', 'services', 'endpoints', 'events', 'configmaps', 'persistentvolumeclaims'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
];

export async function namespaceKubeconfig(
  client: KubeClient,
  kubeConfig: KubeConfig,
  options: {
    namespace: string;
    ttlMs: number;
    fieldManager: string;
    labels: Record<string, string>;
    registerSecret: (value: string) => void;
    signal?: AbortSignal;
  },
): Promise<string> {
  const { namespace } = options;
  const meta = { name: Guardrail.readerAccount, namespace, labels: options.labels };
  const apply = async (type: (typeof types)[keyof typeof types], object: Record<string, unknown>): Promise<void> => {
    await serverSideApply(
      client,
      {
        type,
        name: Guardrail.readerAccount,
        namespace,
        object: {
          apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
          kind: type.kind,
          metadata: meta,
          ...object,
        },
        source: { file: '(namespace-kubeconfig)', document: 0 },
      },
      { fieldManager: options.fieldManager, force: false, ...(options.signal ? { signal: options.signal } : {}) },
    );
  };
  await apply(types.serviceAccount, {});
  await apply(types.role, { rules: READER_RULES });
  await apply(types.roleBinding, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: Guardrail.readerAccount },
    subjects: [{ kind: 'ServiceAccount', name: Guardrail.readerAccount, namespace }],
  });
  const expirationSeconds = Math.max(600, Math.min(86_400, Math.round(options.ttlMs / 1000)));
  const response = await client.request<{ status?: { token?: string; expirationTimestamp?: string } }>({
    method: 'POST',
    path: objectPath(types.serviceAccount, namespace, Guardrail.readerAccount, 'token'),
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const token = response.status?.token;
  if (!token) throw new Error('the TokenRequest answer had no token');
  options.registerSecret(token);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster');
  // loadKubeConfig has read a certificate-authority file (once, capped) into caData: no file is read here.
  const caData = cluster.caData;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'gauntlet',
        cluster: {
          server: cluster.server,
          ...(caData ? { 'certificate-authority-data': caData } : {}),
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
        },
      },
    ],
    users: [{ name: namespace, user: { token } }],
    contexts: [{ name: namespace, context: { cluster: 'gauntlet', user: namespace, namespace } }],
    'current-context': namespace,
  };
  const text = dump(config, { lineWidth: -1 });
  options.registerSecret(text);
  return text;
}
