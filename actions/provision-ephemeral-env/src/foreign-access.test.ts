import { describe, expect, it } from 'vitest';
import { types, type PlannedObject } from '@gauntlet/kube';
import { type Binding, foreignBindings } from './foreign-access.js';

const ns = 'pr-abc-7';
const binding = (name: string, subjects: Binding['subjects'], namespace?: string): Binding => ({
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
  subjects,
});
const planned = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string) =>
  ({ type: kind === 'RoleBinding' ? types.roleBinding : types.clusterRoleBinding, name }) as unknown as PlannedObject;

describe('foreignBindings', () => {
  it('names undeclared bindings inside the environment, and those elsewhere that grant to its ServiceAccounts', () => {
    const roleBindings = [
      binding('planted', [{ kind: 'User', name: 'mallory' }], ns),
      binding('declared', [{ kind: 'User', name: 'dev' }], ns),
      binding('gauntlet-reader', [{ kind: 'ServiceAccount', name: 'gauntlet-reader', namespace: ns }], ns),
      binding('reach-in', [{ kind: 'ServiceAccount', name: 'default', namespace: ns }], 'payments'),
      binding('unrelated', [{ kind: 'ServiceAccount', name: 'default', namespace: 'pr-abc-70' }], 'payments'),
    ];
    const clusterRoleBindings = [
      binding('inherited', [{ kind: 'ServiceAccount', name: 'default', namespace: ns }]),
      binding('by-group', [{ kind: 'Group', name: `system:serviceaccounts:${ns}` }]),
      binding('by-user', [{ kind: 'User', name: `system:serviceaccount:${ns}:runner` }]),
      binding('every-sa', [{ kind: 'Group', name: 'system:serviceaccounts' }]),
      binding('stack-crb', [{ kind: 'ServiceAccount', name: 'app', namespace: ns }]),
      binding('no-subjects', undefined),
    ];
    const plan = [planned('RoleBinding', 'declared'), planned('ClusterRoleBinding', 'stack-crb')];
    expect(foreignBindings(ns, plan, roleBindings, clusterRoleBindings)).toEqual([
      'RoleBinding/planted grants ClusterRole/cluster-admin to User/mallory',
      `RoleBinding/payments/reach-in grants ClusterRole/cluster-admin to ServiceAccount/${ns}/default`,
      `ClusterRoleBinding/inherited grants ClusterRole/cluster-admin to ServiceAccount/${ns}/default`,
      `ClusterRoleBinding/by-group grants ClusterRole/cluster-admin to Group/system:serviceaccounts:${ns}`,
      `ClusterRoleBinding/by-user grants ClusterRole/cluster-admin to User/system:serviceaccount:${ns}:runner`,
    ]);
  });

  it('names at most 50', () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      binding(`b${i}`, [{ kind: 'ServiceAccount', name: 'default', namespace: ns }]),
    );
    expect(foreignBindings(ns, [], [], many)).toHaveLength(50);
  });
});
