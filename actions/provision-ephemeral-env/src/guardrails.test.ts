import { describe, expect, it } from 'vitest';
import { guardrailObjects, leaseObject, podSecurityLabels } from './guardrails.js';

const inputs = {
  resourceQuota: { 'requests.cpu': '2', pods: '10' },
  limitRange: { default: { cpu: '500m' } },
  networkPolicy: 'default-deny' as const,
  allowNamespaces: ['shared-db'],
  ttlMs: 86_400_000,
};

describe('guardrails', () => {
  it('stamps quota, limits, a default-deny policy with the allow-list, and the lease', () => {
    const objects = guardrailObjects({
      namespace: 'pr-abc123-1',
      repositoryHash: 'abc123',
      inputs,
      holder: '9.1',
      now: Date.parse('2030-01-01T00:00:00Z'),
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ResourceQuota/gauntlet-quota',
      'LimitRange/gauntlet-limits',
      'NetworkPolicy/gauntlet-default-deny',
      'NetworkPolicy/gauntlet-allow',
      'Lease/gauntlet-environment',
    ]);
    const allow = objects[3]?.spec as {
      ingress: Array<{ from: unknown[] }>;
      egress: Array<{ to: unknown[]; ports?: unknown[] }>;
    };
    expect(allow.ingress[0]?.from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shared-db' } },
    });
    expect(allow.egress[1]?.ports).toHaveLength(2);
    for (const o of objects) expect(o.metadata?.namespace).toBe('pr-abc123-1');
  });

  it('leaves out what was switched off', () => {
    const objects = guardrailObjects({
      namespace: 'n',
      repositoryHash: 'h',
      inputs: { ...inputs, resourceQuota: undefined, limitRange: undefined, networkPolicy: 'none' },
      holder: 'x',
      now: 0,
    });
    expect(objects.map((o) => o.kind)).toEqual(['Lease']);
  });

  it('writes the lease renew time as a MicroTime', () => {
    const lease = leaseObject({
      namespace: 'n',
      repositoryHash: 'h',
      holder: 'x',
      now: Date.parse('2030-01-01T00:00:00.123Z'),
      inputs,
    });
    expect((lease.spec as { renewTime: string }).renewTime).toBe('2030-01-01T00:00:00.123000Z');
  });

  it('sets enforce, warn and audit Pod Security labels', () => {
    expect(podSecurityLabels('baseline')).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
  });
});
