// The custom kwok stages: per-pod run time from an annotation, and nodes going NotReady on a label.
// Only meaningful on the local kwok cluster; skipped on kind/k3d/real clusters.
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, stageKeys } from '@gauntlet/testbed';
import { busybox, createNamespace, deleteNamespace, eventually, uniqueName } from './helpers.js';

const tb = getTestbed();
const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe.skipIf(!tb.kwok)('kwok stages', () => {
  let kc: KubeConfig;
  let ns: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    kc = tb.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    ns = await createNamespace(kc, 'tb-stages');
  });
  afterAll(async () => deleteNamespace(kc, ns));

  it('a Job pod runs for the duration in its annotation', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    const job = (name: string, delay: string) =>
      batch.createNamespacedJob({
        namespace: ns,
        body: {
          metadata: { name },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { annotations: { [stageKeys.podCompleteDelay]: delay } },
              spec: { restartPolicy: 'Never', containers: [busybox('true')] },
            },
          },
        },
      });
    await job('long', '1h');
    await job('short', '1s');
    await eventually('short job Complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'short', namespace: ns });
      return j.status?.succeeded === 1;
    });
    // Same stages, same moment: only the annotation differs, and the 1h pod is still running.
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=long' });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.status?.phase).toBe('Running');
    await batch.deleteNamespacedJob({ name: 'long', namespace: ns, propagationPolicy: 'Background' });
  });

  it('a node goes NotReady on the label and recovers when it is removed', async () => {
    const name = uniqueName('kwok-flaky');
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
          labels: { type: 'kwok', 'kubernetes.io/hostname': name },
        },
        // Tainted so no other test's pods land on a node this test breaks.
        spec: { taints: [{ key: 'gauntlet.dev/flaky', value: 'true', effect: 'NoSchedule' }] },
        status: {
          allocatable: { cpu: '2', memory: '4Gi', pods: '10' },
          capacity: { cpu: '2', memory: '4Gi', pods: '10' },
        },
      },
    });
    try {
      const ready = async (want: string) => {
        const n = await core.readNode({ name });
        return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === want ? n : undefined;
      };
      await eventually('node Ready', () => ready('True'));
      await core.patchNode(
        { name, body: { metadata: { labels: { [stageKeys.nodeNotReady]: 'true' } } } },
        mergePatch(),
      );
      const broken = await eventually('node NotReady', () => ready('False'));
      expect(broken.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('nodeFailed');
      await core.patchNode({ name, body: { metadata: { labels: { [stageKeys.nodeNotReady]: null } } } }, mergePatch());
      await eventually('node Ready again', () => ready('True'));
    } finally {
      await core.deleteNode({ name }).catch(() => {});
    }
  });
});
