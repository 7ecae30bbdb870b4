import { collectionPath, types, type KubeClient } from '@gauntlet/kube';

/**
 * Reaches the cluster once, before anything is written, whatever the kill switch reads: one page of one pod in
 * each allowed namespace (pods get/list is in the documented Role; every native fault reads them). Without it a
 * run with `halt-configmap: ''` first touched the cluster inside an experiment, after its steady state, and an
 * unreachable cluster or a missing permission then showed as that experiment's verdict, not as an error.
 */
export async function reachCluster(
  client: KubeClient,
  namespaces: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const namespace of namespaces) await client.get(collectionPath(types.pod, namespace), { limit: 1 }, signal);
}
