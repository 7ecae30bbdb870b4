/**
 * Both steps start here: every credential the step holds (the GitHub tokens, the kubeconfig input as given) is
 * registered with the runner before anything can print it. Loading the kubeconfig, which registers every secret
 * found in it and brings in @kubernetes/client-node, is a separate step: the main step does it at once, the post
 * step only when it tears down.
 */
import { registerSecret } from '@gauntlet/action-kit/runner';
import { loadKubeConfig, maskInlineKubeConfig, type LoadedKubeConfig } from '@gauntlet/kube';
import type { Inputs } from './inputs.js';

/** Values already registered by this process: masking first and loading later must not print each mask twice. */
const registered = new Set<string>();

function registerOnce(value: string | undefined): void {
  if (!value || registered.has(value)) return;
  registered.add(value);
  registerSecret(value);
}

/** Registers the GitHub tokens and the kubeconfig input exactly as given, without parsing anything. */
export function maskRawCredentials(inputs: Inputs): void {
  registerOnce(inputs.githubToken);
  registerOnce(process.env.GITHUB_TOKEN);
  registerOnce(inputs.kubeconfig?.trim() || undefined);
}

/** Registers the GitHub tokens and the kubeconfig input (and its base64-decoded text) without loading anything. */
export function maskCredentials(inputs: Inputs): void {
  registerOnce(inputs.githubToken);
  registerOnce(process.env.GITHUB_TOKEN);
  maskInlineKubeConfig(inputs.kubeconfig, registerOnce);
}

/** Loads the kubeconfig (input, else KUBECONFIG / in-cluster / ~/.kube/config), registering every secret in it. */
export async function maskAndLoadCredentials(inputs: Inputs): Promise<LoadedKubeConfig> {
  maskCredentials(inputs);
  return loadKubeConfig({
    ...(inputs.kubeconfig ? { inline: inputs.kubeconfig } : {}),
    ...(inputs.context ? { context: inputs.context } : {}),
    registerSecret: registerOnce,
  });
}
