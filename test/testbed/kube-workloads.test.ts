// The real controllers at work: Deployment/ReplicaSet reconciliation and the Job controller.
import { AppsV1Api, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, stageKeys } from '@gauntlet/testbed';
import { busybox, createNamespace, deleteNamespace, eventually } from './helpers.js';

describe('kubernetes workloads', () => {
  let kc: KubeConfig;
  let ns: string;
  let apps: AppsV1Api;
  let batch: BatchV1Api;
  let core: CoreV1Api;

  beforeAll(async () => {
    kc = getTestbed().kubeConfig();
    apps = kc.makeApiClient(AppsV1Api);
    batch = kc.makeApiClient(BatchV1Api);
    core = kc.makeApiClient(CoreV1Api);
    ns = await createNamespace(kc, 'tb-workloads');
  });
  afterAll(async () => deleteNamespace(kc, ns));

  it('a Deployment of 3 replicas becomes Available, and a deleted pod is replaced by the ReplicaSet', async () => {
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
          },
        },
      },
    });
    const available = await eventually('deployment web available with 3 replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      const cond = d.status?.conditions?.find((c) => c.type === 'Available');
      return cond?.status === 'True' &&
        d.status?.availableReplicas === 3 &&
        d.status?.observedGeneration === d.metadata?.generation
        ? d
        : undefined;
    });
    expect(available.status?.readyReplicas).toBe(3);

    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(3);
    // Every pod got a node from the real scheduler and an owner from the real ReplicaSet controller.
    for (const p of pods.items) {
      expect(p.spec?.nodeName).toBeTruthy();
      expect(p.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    }
    const victim = pods.items[0]!.metadata!.name!;
    await core.deleteNamespacedPod({ name: victim, namespace: ns });
    const replaced = await eventually('a replacement pod, 3 ready again', async () => {
      const now = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      const names = now.items.map((p) => p.metadata!.name!);
      const ready = now.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return !names.includes(victim) && ready.length === 3 ? names : undefined;
    });
    expect(replaced).not.toContain(victim);
  });

  it('an Indexed Job with 4 completions succeeds', async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'indexed' },
        spec: {
          completions: 4,
          parallelism: 2,
          completionMode: 'Indexed',
          backoffLimit: 0,
          template: {
            // On kwok the annotation decides how long each pod "runs"; on a real cluster the command does.
            metadata: { annotations: { [stageKeys.podCompleteDelay]: '2s' } },
            spec: { restartPolicy: 'Never', containers: [busybox('sleep 2')] },
          },
        },
      },
    });
    const job = await eventually('job indexed Complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'indexed', namespace: ns });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(job.status?.succeeded).toBe(4);
    expect(job.status?.completedIndexes).toBe('0-3');
    expect(job.status?.failed ?? 0).toBe(0);
  });

  it('a Job whose pods fail reaches its backoff limit', async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'failing' },
        spec: {
          backoffLimit: 1,
          template: {
            // kwok: the chaos stage fails pods with this label; real cluster: the command exits 1.
            metadata: { labels: { [stageKeys.podFail]: 'true' }, annotations: { [stageKeys.podFailExitCode]: '1' } },
            spec: { restartPolicy: 'Never', containers: [busybox('exit 1')] },
          },
        },
      },
    });
    const job = await eventually(
      'job failing Failed with BackoffLimitExceeded',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'failing', namespace: ns });
        return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? j : undefined;
      },
      120_000,
    );
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('BackoffLimitExceeded');
    expect(job.status?.failed).toBe(2); // the first attempt plus backoffLimit retries
    expect(job.status?.succeeded ?? 0).toBe(0);
  });
});
