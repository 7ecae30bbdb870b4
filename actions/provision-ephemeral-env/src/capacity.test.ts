import { describe, expect, it } from 'vitest';
import { environmentName, ownershipMetadata, type KubeObject } from '@gauntlet/kube';
import { decideCapacity, podRequests, schedulableAllocatable } from './capacity.js';

const node = (name: string, cpu: string, memory: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: extra,
  status: { allocatable: { cpu, memory }, conditions: [{ type: 'Ready', status: 'True' }] },
});

function env(repositoryId: string, number: number, terminating = false): KubeObject {
  const identity = { repositoryId, target: { kind: 'pr' as const, number } };
  return {
    metadata: {
      name: environmentName(identity),
      ...ownershipMetadata(identity, { now: 0, ttlMs: 1 }),
      ...(terminating ? { deletionTimestamp: 'x' } : {}),
    },
  };
}

const request = {
  repositoryId: '5',
  namespace: 'pr-new',
  maxEnvironments: 2,
  quota: { 'requests.cpu': '2', 'requests.memory': '4Gi' },
  checkHeadroom: true,
};

describe('capacity admission', () => {
  it('counts only the repository’s live environments against max-environments', () => {
    const snapshot = { environments: [env('5', 1), env('5', 2, true), env('6', 3)] };
    expect(decideCapacity({ ...request, checkHeadroom: false }, snapshot)).toMatchObject({
      admitted: true,
      liveEnvironments: 1,
    });
    const full = decideCapacity({ ...request, checkHeadroom: false }, { environments: [env('5', 1), env('5', 2)] });
    expect(full).toMatchObject({ admitted: false, limit: 'max-environments' });
    expect(full.message).toMatch(/2 live environments; max-environments is 2/);
  });

  it('counts allocatable of Ready, schedulable, untainted nodes only', () => {
    const total = schedulableAllocatable([
      node('a', '8', '32Gi'),
      node('spot', '4', '16Gi', { taints: [{ key: 'spot', effect: 'NoSchedule' }] }),
      node('cordoned', '4', '16Gi', { unschedulable: true }),
      {
        ...node('down', '4', '16Gi'),
        status: { allocatable: { cpu: '4', memory: '16Gi' }, conditions: [{ type: 'Ready', status: 'False' }] },
      },
    ]);
    expect(total.cpu).toBe(8);
    expect([...total.nodes]).toEqual(['a']);
  });

  it('takes the larger of containers and init containers', () => {
    expect(
      podRequests({
        spec: {
          containers: [{ resources: { requests: { cpu: '100m' } } }, { resources: { requests: { cpu: '200m' } } }],
          initContainers: [{ resources: { requests: { cpu: '1' } } }],
        },
      }).cpu,
    ).toBe(1);
  });

  it('refuses when pods and other environments’ unused quota leave too little, and says which limit', () => {
    const nodes = [node('a', '4', '16Gi')];
    const pods = [
      {
        spec: { nodeName: 'a', containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
        status: { phase: 'Running' },
      },
    ];
    const quotas: KubeObject[] = [
      {
        metadata: { namespace: 'pr-x-1' },
        status: {
          hard: { 'requests.cpu': '2', 'requests.memory': '2Gi' },
          used: { 'requests.cpu': '500m', 'requests.memory': '1Gi' },
        },
      },
    ];
    const cpu = decideCapacity(request, { environments: [], nodes, pods, quotas });
    expect(cpu).toMatchObject({ admitted: false, limit: 'cpu-headroom' });
    expect(cpu.message).toMatch(/CPU headroom is 1\.5; the quota requests 2/);
    const memory = decideCapacity(
      { ...request, quota: { 'requests.cpu': '1', 'requests.memory': '20Gi' } },
      { environments: [], nodes, pods, quotas },
    );
    expect(memory).toMatchObject({ admitted: false, limit: 'memory-headroom' });
    const ok = decideCapacity(
      { ...request, quota: { 'requests.cpu': '1', 'requests.memory': '1Gi' } },
      { environments: [], nodes, pods: [{ ...pods[0], status: { phase: 'Succeeded' } }], quotas: [] },
    );
    expect(ok.admitted).toBe(true);
  });
});
