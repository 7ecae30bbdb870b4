/**
 * The kubeconfig input's credentials. The runtime registers the raw input before the inputs are parsed
 * (kubeconfigInputSecrets, a secret input of the action); loading it, which registers every secret found in it and
 * brings in @kubernetes/client-node, is a separate step: the main step does it at once, the post step only when it
 * tears down.
 */
import type { ActionRuntime } from '@gauntlet/action-runtime';
import {
  KubeClient,
  classifyKubeconfigInput,
  loadKubeConfig,
  maskInlineKubeConfig,
  type KubeconfigInput,
} from '@gauntlet/kube';
import type { Inputs } from './inputs.js';
import type { Cluster } from './mode-args.js';

/**
 * Every secret of the raw kubeconfig input, without loading anything: content whole (and each secret of its
 * decoded text); a path is no secret (and masking it would hide it from the messages that name it). A value that
 * cannot be classified or parsed is masked whole.
 */
export function kubeconfigInputSecrets(value: string): string[] {
  let given: KubeconfigInput;
  try {
    given = classifyKubeconfigInput(value, '/');
  } catch {
    return [value];
  }
  if ('path' in given) return [];
  const secrets = [value];
  try {
    maskInlineKubeConfig(given.data, (secret) => secrets.push(secret));
  } catch {
    // Not a valid kubeconfig: masked whole; loading it reports the problem.
  }
  return secrets;
}

/** The kubeconfig input as content or as a path (relative to the workspace), like every action's. */
function kubeconfigInput(inputs: Inputs, workspace: string): KubeconfigInput | undefined {
  if (!inputs.kubeconfig?.trim()) return undefined;
  return classifyKubeconfigInput(inputs.kubeconfig, workspace);
}

/**
 * Loads the kubeconfig (input content or path, else KUBECONFIG / in-cluster / ~/.kube/config), registering every
 * secret in it, and gives the cluster a client built with the runtime's user agent and secret registration.
 */
export async function connectCluster(inputs: Inputs, rt: ActionRuntime): Promise<Cluster> {
  const given = kubeconfigInput(inputs, rt.run.workspace);
  const kube = await loadKubeConfig({
    ...(given ? ('data' in given ? { inline: given.data } : { path: given.path }) : {}),
    ...(inputs.context ? { context: inputs.context } : {}),
    registerSecret: rt.registerSecret,
  });
  return {
    kube,
    connect: () => KubeClient.create(kube.kubeConfig, { userAgent: rt.userAgent, registerSecret: rt.registerSecret }),
  };
}
