import { describe, expect, it } from 'vitest';
import { type KubeObject, type PlannedObject, types } from '@gauntlet/kube';
import { StackRefusedError, vetStack } from './stack-vetting.js';

function planned(
  type: (typeof types)[keyof typeof types],
  name: string,
  metadata: KubeObject['metadata'] = {},
): PlannedObject {
  return {
    type,
    name,
    namespace: type.namespaced ? 'pr-abc123-1' : undefined,
    object: { apiVersion: 'v1', kind: type.kind, metadata: { name, ...metadata } },
    source: { file: 'deploy/app.yaml', document: 2 },
  };
}

describe('vetStack', () => {
  it('accepts an ordinary stack, including a seed Job annotation', () => {
    expect(() =>
      vetStack([
        planned(types.deployment, 'web', { labels: { 'app.kubernetes.io/managed-by': 'Helm' } }),
        planned(types.job, 'seed', { annotations: { 'gauntlet.dev/seed': 'true' } }),
        planned(types.resourceQuota, 'extra-quota'),
      ]),
    ).not.toThrow();
  });

  it.each([
    [
      types.resourceQuota,
      'gauntlet-quota',
      /deploy\/app\.yaml#3: ResourceQuota\/gauntlet-quota: would replace the environment's ResourceQuota/,
    ],
    [types.networkPolicy, 'gauntlet-default-deny', /would replace the environment's default-deny NetworkPolicy/],
    [types.networkPolicy, 'gauntlet-allow', /NetworkPolicy allow-list/],
    [types.limitRange, 'gauntlet-limits', /LimitRange/],
    [types.lease, 'gauntlet-environment', /the environment's lease/],
    [types.serviceAccount, 'gauntlet-reader', /namespace-kubeconfig's ServiceAccount/],
    [types.role, 'gauntlet-reader', /namespace-kubeconfig's Role/],
    [types.roleBinding, 'gauntlet-reader', /namespace-kubeconfig's RoleBinding/],
    [types.configMap, 'gauntlet-anything', /names starting with "gauntlet-" are reserved/],
    [types.clusterRole, 'gauntlet-provision', /reserved/],
  ])('refuses %s named %s (the reserved prefix)', (type, name, message) => {
    expect(() => vetStack([planned(types.deployment, 'web'), planned(type, name)])).toThrow(message);
    expect(() => vetStack([planned(type, name)])).toThrow(StackRefusedError);
  });

  it('refuses a Namespace, however it got into the plan', () => {
    expect(() => vetStack([planned(types.namespace, 'other')])).toThrow(/Namespace objects are not allowed/);
  });

  it.each([
    [{ labels: { 'app.kubernetes.io/managed-by': 'gauntlet-provision' } }, /label "app.kubernetes.io\/managed-by"/],
    [{ labels: { 'gauntlet.dev/repository': 'abc123' } }, /label "gauntlet.dev\/repository"/],
    [{ annotations: { 'gauntlet.dev/owner': '1/pr/1' } }, /annotation "gauntlet.dev\/owner" is reserved/],
    [{ annotations: { 'gauntlet.dev/seed': 'true' } }, /only Jobs may carry/],
  ])('refuses our ownership marks on a stack object (%j)', (metadata, message) => {
    expect(() => vetStack([planned(types.configMap, 'config', metadata)])).toThrow(message);
  });
});
