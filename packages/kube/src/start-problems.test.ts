import { describe, expect, it } from 'vitest';
import { admissionRejection } from './readiness.js';
import { currentFailedCreate, describeStartProblem, failedCreateProblem, podStartProblem } from './start-problems.js';

const pending = (status: Record<string, unknown>) => ({
  metadata: { name: 'p-0', creationTimestamp: '2026-01-01T00:00:00Z' },
  status: { phase: 'Pending', ...status },
});

describe('start problems', () => {
  it('a Pod Security or LimitRange refusal or an invalid pod cannot clear; quota and the rest can', () => {
    const security =
      'pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "tests" must set securityContext.allowPrivilegeEscalation=false)';
    expect(admissionRejection(security)).toMatchObject({ cause: 'pod-security', permanent: true });
    expect(admissionRejection('pods "x" is forbidden: exceeded quota: q, requested: pods=1')).toMatchObject({
      cause: 'quota',
      permanent: false,
    });
    expect(admissionRejection('maximum memory usage per Container is 1Gi, but limit is 2Gi')).toMatchObject({
      permanent: true,
    });
    // A request above the limit the LimitRange defaulted (the container sets none): invalid on every retry.
    const invalid =
      'Pod "gauntlet-shards-b2c336679f-0-f96lf" is invalid: spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 250m';
    expect(admissionRejection(invalid)).toMatchObject({ cause: 'invalid-spec', permanent: true });
    expect(admissionRejection(invalid).summary).toMatch(/set the limit too/);
    expect(admissionRejection('Pod "x" is invalid: spec.containers[0].image: Required value')).toMatchObject({
      cause: 'invalid-spec',
      permanent: true,
    });
    expect(admissionRejection('error looking up service account ns/sa: serviceaccount "sa" not found').permanent).toBe(
      false,
    );
    const event = {
      reason: 'FailedCreate',
      message: `Error creating: ${security}`,
      firstTimestamp: '2026-01-01T00:00:05Z',
    };
    expect(failedCreateProblem(event)).toEqual({
      kind: 'admission',
      reason: 'FailedCreate',
      message: `Error creating: ${security}`,
      permanent: true,
      sinceMs: Date.parse('2026-01-01T00:00:05Z'),
    });
    expect(failedCreateProblem({ reason: 'SuccessfulCreate', message: 'Created pod' })).toBeUndefined();
  });

  it('reads unschedulable pods, image pulls and container configuration from the pod', () => {
    const unschedulable = podStartProblem(
      pending({
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 node(s) had untolerated taint {gauntlet.dev/spot: }.',
            lastTransitionTime: '2026-01-01T00:00:01Z',
          },
        ],
      }),
    );
    expect(unschedulable).toMatchObject({ kind: 'scheduling', reason: 'FailedScheduling', permanent: false });
    expect(unschedulable!.sinceMs).toBe(Date.parse('2026-01-01T00:00:01Z'));
    expect(describeStartProblem(unschedulable!)).toBe(
      'FailedScheduling (pod p-0): 0/3 nodes are available: 3 node(s) had untolerated taint {gauntlet.dev/spot: }.',
    );
    const waiting = (reason: string, message: string) =>
      podStartProblem(pending({ containerStatuses: [{ name: 'tests', state: { waiting: { reason, message } } }] }));
    expect(waiting('InvalidImageName', 'couldn\'t parse image name "UPPER:x"')).toMatchObject({ permanent: true });
    expect(waiting('ErrImagePull', 'rpc error: not found')).toMatchObject({ kind: 'image', permanent: false });
    expect(waiting('ImagePullBackOff', 'Back-off pulling image')).toMatchObject({ permanent: false });
    expect(
      waiting('CreateContainerConfigError', 'container has runAsNonRoot and image will run as root (pod: "p-0")'),
    ).toMatchObject({ kind: 'container-config', permanent: true });
    expect(waiting('CreateContainerConfigError', 'secret "s" not found')).toMatchObject({ permanent: false });
    expect(waiting('ContainerCreating', '')).toBeUndefined();
    expect(podStartProblem({ status: { phase: 'Running' } })).toBeUndefined();
  });

  it('caps hostile messages', () => {
    const long = podStartProblem(
      pending({ containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull', message: 'x'.repeat(10_000) } } }] }),
    );
    expect(long!.message.length).toBeLessThanOrEqual(600);
  });
});

describe('currentFailedCreate: the FailedCreate event of this very object since its spec last changed', () => {
  const set = {
    kind: 'StatefulSet',
    metadata: {
      name: 'db',
      uid: 'u-1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [
        { manager: 'gauntlet-provision', operation: 'Apply', time: '2026-01-01T00:05:00Z' },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          subresource: 'status',
          time: '2026-01-01T00:09:00Z',
        },
      ],
    },
  };
  const event = (uid: string, at: string, message: string) => ({
    reason: 'FailedCreate',
    involvedObject: { kind: 'StatefulSet', name: 'db', uid },
    lastTimestamp: at,
    message,
  });
  it('takes the newest event of the same uid at or after the last apply', () => {
    expect(
      currentFailedCreate(set, [
        event('u-1', '2026-01-01T00:05:00Z', 'first'),
        event('u-1', '2026-01-01T00:06:00Z', 'newest'),
      ]),
    ).toBe('newest');
  });
  it('ignores events of an earlier template (before the apply; a status write is no spec change) and of another uid', () => {
    expect(
      currentFailedCreate(set, [
        event('u-1', '2026-01-01T00:04:59Z', 'old template'),
        event('u-0', '2026-01-01T00:08:00Z', 'a deleted namesake'),
      ]),
    ).toBeUndefined();
  });
});
