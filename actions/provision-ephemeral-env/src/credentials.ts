/**
 * The cluster of a step: the kubeconfig input loaded through @gauntlet/kube's one connect (every secret in it
 * registered, the client built with the runtime's user agent and secret registration). Loading brings in
 * @kubernetes/client-node, so the main step does it at once and the post step only when it tears down. The raw input
 * was masked by the runtime before the inputs were parsed (kubeconfigInputSecrets, a secret input of the action).
 */
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { openKubeconfig } from '@gauntlet/kube';
import type { Inputs } from './inputs.js';
import type { Cluster } from './mode-args.js';

export async function connectCluster(inputs: Inputs, rt: ActionRuntime): Promise<Cluster> {
  const connection = await openKubeconfig({
    kubeconfig: inputs.kubeconfig,
    context: inputs.context,
    registerSecret: rt.registerSecret,
    userAgent: rt.userAgent,
  });
  return { kube: connection.kube, connect: () => connection.client() };
}
