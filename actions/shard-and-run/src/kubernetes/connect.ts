/**
 * The action's Kubernetes client: @gauntlet/kube's KubeClient, from the kubeconfig input (content or path), else
 * KUBECONFIG / in-cluster / ~/.kube/config. Every secret in the kubeconfig is registered before the first request,
 * and so is every credential the client sends (exec plugins make theirs at run time).
 *
 * @gauntlet/kube loads @kubernetes/client-node only inside loadKubeConfig; this module (like everything in
 * kubernetes/ that imports values from @gauntlet/kube) is still reached only through dynamic imports, on the queue
 * and Kubernetes backend paths, so the other modes do not load the rest of the package either.
 */
import { KubeClient, loadKubeConfig } from '@gauntlet/kube';
import { ACTION_NAME } from '../constants.js';
import type { KubeconfigInput } from '../inputs.js';

export async function connect(
  kubeconfig: KubeconfigInput | undefined,
  registerSecret: (value: string | undefined) => void,
): Promise<KubeClient> {
  const { kubeConfig } = await loadKubeConfig({
    ...(kubeconfig === undefined ? {} : 'data' in kubeconfig ? { inline: kubeconfig.data } : { path: kubeconfig.path }),
    registerSecret,
  });
  return KubeClient.create(kubeConfig, { userAgent: `gauntlet/${ACTION_NAME}`, maxSockets: 8, registerSecret });
}
