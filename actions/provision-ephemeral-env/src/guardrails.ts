/**
 * The guardrails stamped on every environment: a ResourceQuota, LimitRange defaults, a default-deny NetworkPolicy
 * with an allow-list (DNS, the namespace itself, named shared namespaces), Pod Security admission labels, and the
 * lease that records the environment's expiry. Pure functions: objects in, objects out; applied with server-side
 * apply like the stack, so re-runs change nothing.
 */
import { type KubeObject, MANAGED_BY, labels as ownershipLabels } from '@gauntlet/kube';
import { Guardrail } from './constants.js';
import type { Inputs, PodSecurityLevel } from './inputs.js';

/** Pod Security admission labels for the namespace (set at creation; the action never patches namespaces). */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': level,
    'pod-security.kubernetes.io/audit': level,
  };
}

const managed = (repositoryHash: string): Record<string, string> => ({
  [ownershipLabels.managedBy]: MANAGED_BY,
  [ownershipLabels.repository]: repositoryHash,
});

export interface GuardrailOptions {
  namespace: string;
  repositoryHash: string;
  inputs: Pick<Inputs, 'resourceQuota' | 'limitRange' | 'networkPolicy' | 'allowNamespaces' | 'ttlMs'>;
  /** Lease holder: the run that last renewed the environment. */
  holder: string;
  now: number;
}

export function guardrailObjects(options: GuardrailOptions): KubeObject[] {
  const { namespace, inputs } = options;
  const labels = managed(options.repositoryHash);
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace, labels });
  const objects: KubeObject[] = [];
  if (inputs.resourceQuota && Object.keys(inputs.resourceQuota).length > 0) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta(Guardrail.quota),
      spec: { hard: { ...inputs.resourceQuota } },
    });
  }
  if (inputs.limitRange && Object.keys(inputs.limitRange).length > 0) {
    objects.push({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta(Guardrail.limits),
      spec: { limits: [{ type: 'Container', ...inputs.limitRange }] },
    });
  }
  if (inputs.networkPolicy === 'default-deny') {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(Guardrail.denyAll),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const peers = [
      { podSelector: {} },
      ...inputs.allowNamespaces.map((name) => ({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
      })),
    ];
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(Guardrail.allow),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: peers }],
        egress: [
          { to: peers },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    });
  }
  objects.push(leaseObject(options));
  return objects;
}

/** The lease: renewTime + leaseDurationSeconds is when the environment expires; each up renews it. */
export function leaseObject(
  options: Pick<GuardrailOptions, 'namespace' | 'repositoryHash' | 'holder' | 'now' | 'inputs'>,
): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: Guardrail.lease, namespace: options.namespace, labels: managed(options.repositoryHash) },
    spec: {
      holderIdentity: options.holder,
      renewTime: new Date(options.now).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      leaseDurationSeconds: Math.min(2_147_483_647, Math.round(options.inputs.ttlMs / 1000)),
    },
  };
}
