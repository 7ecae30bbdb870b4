/**
 * NS-09: the readiness verdicts against a table of status sequences derived from kubectl's rollout status rules
 * (and its own test cases). Each row is a sequence of statuses an object goes through, with the verdict kubectl
 * gives at each step: done → ready, an error → failed / unsupported, otherwise progressing.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './client.js';
import {
  daemonSetRollout,
  deploymentRollout,
  jobCompletion,
  serviceEndpoints,
  statefulSetRollout,
  workloadReadiness,
  type ReadinessState,
} from './readiness.js';

type Step = {
  generation?: number;
  spec?: Record<string, unknown>;
  status: Record<string, unknown>;
  expect: ReadinessState;
};
interface Row {
  name: string;
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  spec?: Record<string, unknown>;
  steps: Step[];
}

const deploy = (name: string, steps: Step[], spec: Record<string, unknown> = { replicas: 2 }): Row => ({
  name,
  kind: 'Deployment',
  spec,
  steps,
});
const ds = (
  name: string,
  steps: Step[],
  spec: Record<string, unknown> = { updateStrategy: { type: 'RollingUpdate' } },
): Row => ({ name, kind: 'DaemonSet', spec, steps });
const sts = (
  name: string,
  steps: Step[],
  spec: Record<string, unknown> = {
    replicas: 3,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
  },
): Row => ({
  name,
  kind: 'StatefulSet',
  spec,
  steps,
});
const progressDeadline = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' };
const progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };

const rows: Row[] = [
  // Deployments (kubectl test1..test5 and the paths between them)
  deploy('kubectl test1: generation 0, 0 of 1 updated', [
    {
      generation: 0,
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 0, availableReplicas: 1 },
      expect: 'progressing',
    },
  ]),
  deploy('kubectl test2: old replicas pending termination', [
    {
      generation: 1,
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 2 },
      expect: 'progressing',
    },
  ]),
  deploy('kubectl test3: 1 of 2 updated available', [
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
      expect: 'progressing',
    },
  ]),
  deploy('kubectl test4: rolled out', [
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      expect: 'ready',
    },
  ]),
  deploy('kubectl test5: observedGeneration lag', [
    {
      generation: 2,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      expect: 'progressing',
    },
  ]),
  deploy('fresh deployment: empty status, then scaling up, then ready', [
    { generation: 1, status: {}, expect: 'progressing' },
    {
      generation: 1,
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 0,
        conditions: [progressing],
      },
      expect: 'progressing',
    },
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
      expect: 'progressing',
    },
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 },
      expect: 'ready',
    },
  ]),
  deploy('progress deadline exceeded fails', [
    {
      generation: 3,
      status: {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [progressDeadline],
      },
      expect: 'failed',
    },
  ]),
  deploy('progress deadline ignored while generation is unobserved', [
    {
      generation: 4,
      status: { observedGeneration: 3, replicas: 2, updatedReplicas: 1, conditions: [progressDeadline] },
      expect: 'progressing',
    },
  ]),
  deploy('progress deadline fails even when counts look done', [
    {
      generation: 1,
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        conditions: [progressDeadline],
      },
      expect: 'failed',
    },
  ]),
  deploy('Progressing=True with another reason is not a failure', [
    {
      generation: 1,
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
      },
      expect: 'ready',
    },
  ]),
  deploy('rolling update: old replicas terminating, then gone', [
    {
      generation: 2,
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      expect: 'progressing',
    },
    {
      generation: 2,
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      expect: 'ready',
    },
  ]),
  deploy('available < updated after update', [
    {
      generation: 2,
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 0 },
      expect: 'progressing',
    },
  ]),
  deploy('scaled to zero is rolled out', [{ generation: 1, status: { observedGeneration: 1 }, expect: 'ready' }], {
    replicas: 0,
  }),
  deploy(
    'spec.replicas absent: only old/available checks apply',
    [
      {
        generation: 1,
        status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
        expect: 'ready',
      },
    ],
    {},
  ),
  deploy('more available than updated is fine', [
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 3 },
      expect: 'ready',
    },
  ]),
  deploy('observedGeneration ahead of generation counts as observed', [
    {
      generation: 1,
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      expect: 'ready',
    },
  ]),
  // DaemonSets (kubectl test1..test4 and more)
  ds('kubectl test1: 0 of 1 updated', [
    {
      generation: 1,
      status: { observedGeneration: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 0, numberAvailable: 0 },
      expect: 'progressing',
    },
  ]),
  ds('kubectl test2: 1 of 2 available', [
    {
      generation: 1,
      status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 },
      expect: 'progressing',
    },
  ]),
  ds('kubectl test3: rolled out', [
    {
      generation: 1,
      status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 },
      expect: 'ready',
    },
  ]),
  ds('kubectl test4: generation unobserved', [
    {
      generation: 2,
      status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 },
      expect: 'progressing',
    },
  ]),
  ds(
    'OnDelete strategy has no rollout status',
    [
      {
        generation: 1,
        status: { observedGeneration: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
        expect: 'unsupported',
      },
    ],
    { updateStrategy: { type: 'OnDelete' } },
  ),
  ds('partially updated daemon set, then complete', [
    {
      generation: 2,
      status: { observedGeneration: 2, desiredNumberScheduled: 4, updatedNumberScheduled: 2, numberAvailable: 4 },
      expect: 'progressing',
    },
    {
      generation: 2,
      status: { observedGeneration: 2, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 3 },
      expect: 'progressing',
    },
    {
      generation: 2,
      status: { observedGeneration: 2, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4 },
      expect: 'ready',
    },
  ]),
  ds('no eligible nodes: zero desired is rolled out', [
    { generation: 1, status: { observedGeneration: 1, desiredNumberScheduled: 0 }, expect: 'ready' },
  ]),
  ds('fresh daemon set with empty status', [{ generation: 1, status: {}, expect: 'progressing' }]),
  // StatefulSets (kubectl test cases and revision/partition paths)
  sts(
    'kubectl: not RollingUpdate',
    [{ generation: 1, status: { observedGeneration: 1, replicas: 3, readyReplicas: 3 }, expect: 'unsupported' }],
    { replicas: 3, updateStrategy: { type: 'OnDelete' } },
  ),
  sts('kubectl: observedGeneration 0 means never observed', [
    { generation: 1, status: { observedGeneration: 0, replicas: 3, readyReplicas: 3 }, expect: 'progressing' },
  ]),
  sts('kubectl: generation ahead of observed', [
    {
      generation: 2,
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3 },
      expect: 'progressing',
    },
  ]),
  sts('kubectl: waiting for pods ready', [
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 1, updatedReplicas: 3 },
      expect: 'progressing',
    },
  ]),
  sts(
    'kubectl: partitioned rollout waiting',
    [
      {
        generation: 2,
        status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1 },
        expect: 'progressing',
      },
    ],
    { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
  ),
  sts(
    'kubectl: partitioned rollout complete',
    [
      {
        generation: 2,
        status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 2 },
        expect: 'ready',
      },
    ],
    { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
  ),
  sts('rollingUpdate block present: revision mismatch is not checked (kubectl)', [
    {
      generation: 2,
      status: {
        observedGeneration: 2,
        replicas: 3,
        readyReplicas: 3,
        updatedReplicas: 3,
        currentRevision: 'a',
        updateRevision: 'b',
      },
      expect: 'ready',
    },
  ]),
  sts(
    'no rollingUpdate block: revision mismatch waits',
    [
      {
        generation: 2,
        status: {
          observedGeneration: 2,
          replicas: 3,
          readyReplicas: 3,
          updatedReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'b',
        },
        expect: 'progressing',
      },
    ],
    { replicas: 3, updateStrategy: { type: 'RollingUpdate' } },
  ),
  sts(
    'no rollingUpdate block: revisions equal is complete',
    [
      {
        generation: 2,
        status: {
          observedGeneration: 2,
          replicas: 3,
          readyReplicas: 3,
          currentReplicas: 3,
          currentRevision: 'b',
          updateRevision: 'b',
        },
        expect: 'ready',
      },
    ],
    { replicas: 3, updateStrategy: { type: 'RollingUpdate' } },
  ),
  sts('fresh statefulset: pods become ready one by one', [
    { generation: 1, status: {}, expect: 'progressing' },
    { generation: 1, status: { observedGeneration: 1, replicas: 1, readyReplicas: 0 }, expect: 'progressing' },
    { generation: 1, status: { observedGeneration: 1, replicas: 2, readyReplicas: 1 }, expect: 'progressing' },
    {
      generation: 1,
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3 },
      expect: 'ready',
    },
  ]),
  sts(
    'partition larger than replicas: nothing to update',
    [
      {
        generation: 1,
        status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 0 },
        expect: 'ready',
      },
    ],
    { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 5 } } },
  ),
  sts(
    'rollingUpdate without partition: complete once ready',
    [
      {
        generation: 1,
        status: { observedGeneration: 1, replicas: 2, readyReplicas: 2, updatedReplicas: 0 },
        expect: 'ready',
      },
    ],
    { replicas: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: {} } },
  ),
  sts('scaled to zero statefulset', [{ generation: 1, status: { observedGeneration: 1 }, expect: 'ready' }], {
    replicas: 0,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
  }),
  sts(
    'missing strategy type (unconverted object) is unsupported',
    [{ generation: 1, status: { observedGeneration: 1 }, expect: 'unsupported' }],
    { replicas: 1 },
  ),
];

const build = (row: Row, step: Step): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: row.kind,
  metadata: {
    name: 'foo',
    namespace: 'bar',
    ...(step.generation !== undefined ? { generation: step.generation } : {}),
  },
  spec: { ...row.spec, ...step.spec },
  status: step.status,
});

const predicate = {
  Deployment: deploymentRollout,
  DaemonSet: daemonSetRollout,
  StatefulSet: statefulSetRollout,
} as const;

describe('rollout predicates agree with kubectl rollout status (NS-09)', () => {
  const steps = rows.flatMap((row) => row.steps.map((step, index) => ({ row, step, index })));
  it('covers at least 40 status steps', () => {
    expect(steps.length).toBeGreaterThanOrEqual(40);
  });
  it.each(steps.map(({ row, step, index }) => [`${row.kind}: ${row.name} [${index}]`, row, step] as const))(
    '%s',
    (_label, row, step) => {
      expect(predicate[row.kind](build(row, step)).state).toBe(step.expect);
    },
  );
});

describe('workloadReadiness', () => {
  it('falls back to pod readiness for OnDelete statefulsets', () => {
    const obj: KubeObject = {
      kind: 'StatefulSet',
      metadata: { name: 's', generation: 1 },
      spec: { replicas: 2, updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 1, readyReplicas: 1 },
    };
    expect(workloadReadiness(obj).state).toBe('progressing');
    obj.status = { observedGeneration: 1, readyReplicas: 2 };
    expect(workloadReadiness(obj).state).toBe('ready');
  });
  it('falls back to pod readiness for OnDelete daemon sets', () => {
    const obj: KubeObject = {
      kind: 'DaemonSet',
      metadata: { name: 'd', generation: 1 },
      spec: { updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 1, desiredNumberScheduled: 2, numberReady: 2 },
    };
    expect(workloadReadiness(obj).state).toBe('ready');
  });
});

describe('jobs', () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({
    kind: 'Job',
    metadata: { name: 'seed' },
    spec,
    status,
  });
  it.each([
    ['no status', {}, 'progressing'],
    ['running', { active: 1 }, 'progressing'],
    [
      'complete',
      {
        succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True' },
          { type: 'Complete', status: 'True' },
        ],
      },
      'ready',
    ],
    [
      'success criteria met but not yet complete',
      { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] },
      'progressing',
    ],
    [
      'failed',
      { failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      'failed',
    ],
    [
      'failure target',
      { conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }] },
      'failed',
    ],
    ['Complete=False is not complete', { conditions: [{ type: 'Complete', status: 'False' }] }, 'progressing'],
  ] as const)('%s', (_name, status, expected) => {
    expect(jobCompletion(job(status)).state).toBe(expected);
  });
  it('reports a suspended job', () => {
    expect(jobCompletion(job({}, { suspend: true })).message).toMatch(/suspended/);
  });
});

describe('services', () => {
  const svc = (spec: Record<string, unknown>): KubeObject => ({ kind: 'Service', metadata: { name: 'web' }, spec });
  it('external name and selector-less services are ready', () => {
    expect(serviceEndpoints(svc({ type: 'ExternalName', externalName: 'example.org' }), []).state).toBe('ready');
    expect(serviceEndpoints(svc({ ports: [{ port: 80 }] }), []).state).toBe('ready');
  });
  it('waits for a ready endpoint', () => {
    const service = svc({ selector: { app: 'web' } });
    expect(serviceEndpoints(service, []).state).toBe('progressing');
    expect(serviceEndpoints(service, [{ endpoints: [{ conditions: { ready: false } }] }]).state).toBe('progressing');
    expect(
      serviceEndpoints(service, [{ endpoints: [{ conditions: { ready: false } }, { conditions: { ready: true } }] }])
        .state,
    ).toBe('ready');
    expect(serviceEndpoints(service, [{ endpoints: [{ addresses: ['10.0.0.1'] }] }]).state).toBe('ready');
  });
});

describe('admission rejections of a Deployment (ReplicaFailure)', () => {
  const deployment = (message: string, status: Record<string, unknown> = {}): KubeObject => ({
    kind: 'Deployment',
    metadata: { name: 'web', generation: 1 },
    spec: { replicas: 1 },
    status: {
      observedGeneration: 1,
      replicas: 0,
      updatedReplicas: 0,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message }],
      ...status,
    },
  });
  it('Pod Security and LimitRange rejections are terminal, with the server message', () => {
    const ps = workloadReadiness(
      deployment(
        'pods "web-1" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
      ),
    );
    expect(ps).toEqual({
      state: 'failed',
      message: expect.stringMatching(/^pods are rejected by Pod Security admission: .*restricted:latest/),
    });
    expect(
      workloadReadiness(deployment('pods "web-1" is forbidden: maximum cpu usage per Container is 2, but limit is 4'))
        .state,
    ).toBe('failed');
  });
  it('a quota rejection is terminal unless old replicas may still free the quota', () => {
    const message = 'pods "web-1" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1';
    expect(workloadReadiness(deployment(message)).state).toBe('failed');
    expect(workloadReadiness(deployment(message, { replicas: 2, updatedReplicas: 1 })).state).toBe('progressing');
  });
  it('other failures may clear: progressing, with the cause in the message', () => {
    const verdict = workloadReadiness(deployment('pods "web-1" is forbidden: error looking up service account x/y'));
    expect(verdict).toEqual({ state: 'progressing', message: expect.stringMatching(/^pods cannot be created yet: /) });
  });
  it('a rolled-out Deployment is ready whatever an old condition says', () => {
    const obj = deployment('exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1', {
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
    });
    expect(workloadReadiness(obj).state).toBe('ready');
  });
});
