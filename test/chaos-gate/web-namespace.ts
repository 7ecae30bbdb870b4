import { collectionPath, types, type KubeClient } from '@gauntlet/kube';
import { eventually } from '../support/polling.js';

/**
 * The chaos tests' usual target: a namespace holding Deployment `web` (label app=web) of `replicas` kwok pods of
 * the sample image; with `waitForPods`, returns once the pods exist (faults that count candidates need them).
 */
export async function createWebNamespace(
  client: KubeClient,
  namespace: string,
  replicas: number,
  options: { waitForPods?: boolean } = {},
): Promise<void> {
  await client.request({
    method: 'POST',
    path: collectionPath(types.namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(types.deployment, namespace),
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'main', image: 'gauntlet.dev/sample:1' }] },
        },
      },
    },
  });
  if (options.waitForPods)
    await eventually(`${replicas} web pods in ${namespace}`, async () =>
      (await client.list(collectionPath(types.pod, namespace), { labelSelector: 'app=web' })).items.length === replicas
        ? true
        : undefined,
    );
}
