/**
 * The action's Kubernetes client: @gauntlet/kube's KubeClient, from the kubeconfig input (content or path), else
 * KUBECONFIG / in-cluster / ~/.kube/config. Every secret in the kubeconfig is registered before the first request,
 * and so is every credential the client sends (exec plugins make theirs at run time).
 *
 * @gauntlet/kube loads @kubernetes/client-node only inside loadKubeConfig; this module (like everything in
 * kubernetes/ that imports values from @gauntlet/kube) is still reached only through dynamic imports, on the queue
 * and Kubernetes backend paths, so the other modes do not load the rest of the package either.
 */
import { connect as connectKube, type KubeClient, type KubeconfigInput } from '@gauntlet/kube';
import { ACTION_NAME } from '../../constants.js';

export async function connect(
  kubeconfig: KubeconfigInput | undefined,
  registerSecret: (value: string | undefined) => void,
): Promise<KubeClient> {
  return connectKube({ kubeconfig, registerSecret, userAgent: `gauntlet/${ACTION_NAME}`, maxSockets: 8 });
}
