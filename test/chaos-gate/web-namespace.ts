import { collectionPath, types, type KubeClient } from '@gauntlet/kube';

/**
 * The chaos tests' usual target: a namespace holding Deployment `web` (label app=web) of `replicas` kwok pods of
 * the sample image.
 */
export async function createWebNamespace(client: KubeClient, namespace: string, replicas: number): Promise<void> {
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
}
