import type { KubeObject } from '@gauntlet/kube';
import { describe, expect, it } from 'vitest';
import { podsOfJob } from './collect.js';

const pod = (name: string, refs?: NonNullable<KubeObject['metadata']>['ownerReferences']): KubeObject => ({
  metadata: {
    name,
    labels: { 'gauntlet.dev/shard-run': 'gauntlet-shards-x' },
    ...(refs ? { ownerReferences: refs } : {}),
  },
});
const job = (uid: string, controller = true) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: 'gauntlet-shards-x',
  uid,
  controller,
});

describe('podsOfJob', () => {
  it('keeps only the pods our Job controls (its uid); a pod with the label alone, or of a re-created Job, is not ours', () => {
    const pods = [
      pod('ours', [job('uid-job')]),
      pod('label-only'),
      pod('other-job', [job('uid-other')]),
      pod('not-controller', [job('uid-job', false)]),
      pod('configmap-owner', [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'gauntlet-shards-x', uid: 'uid-job', controller: true },
      ]),
    ];
    expect(podsOfJob(pods, 'uid-job').map((p) => p.metadata?.name)).toEqual(['ours']);
  });
});
