/**
 * Both steps start here: every credential the step holds (the GitHub tokens, the kubeconfig input as given) is
 * registered with the runner before anything can print it. Loading the kubeconfig, which registers every secret
 * found in it and brings in @kubernetes/client-node, is a separate step: the main step does it at once, the post
 * step only when it tears down.
 */
import { registerSecret } from '@gauntlet/action-kit/runner';
import {
  classifyKubeconfigInput,
  loadKubeConfig,
  maskInlineKubeConfig,
  type KubeconfigInput,
  type LoadedKubeConfig,
} from '@gauntlet/kube';
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
  // Content is masked whole; a path is no secret (and masking it would hide it from the messages that name it).
  let given: KubeconfigInput | undefined;
  try {
    given = kubeconfigInput(inputs);
  } catch {
    given = undefined;
  }
  if (!given || 'data' in given) registerOnce(inputs.kubeconfig?.trim() || undefined);
}

/** The kubeconfig input as content or as a path (relative to the workspace), like shard-and-run's. */
function kubeconfigInput(inputs: Inputs): KubeconfigInput | undefined {
  if (!inputs.kubeconfig?.trim()) return undefined;
  return classifyKubeconfigInput(inputs.kubeconfig, process.env.GITHUB_WORKSPACE || process.cwd());
}

/** Registers the GitHub tokens and the kubeconfig input (and its base64-decoded text) without loading anything. */
export function maskCredentials(inputs: Inputs): void {
  registerOnce(inputs.githubToken);
  registerOnce(process.env.GITHUB_TOKEN);
  const given = kubeconfigInput(inputs);
  // A path is no secret; the file's secrets are registered when it is loaded.
  if (given && 'data' in given) maskInlineKubeConfig(given.data, registerOnce);
}

/** Loads the kubeconfig (input content or path, else KUBECONFIG / in-cluster / ~/.kube/config), registering every secret in it. */
export async function maskAndLoadCredentials(inputs: Inputs): Promise<LoadedKubeConfig> {
  maskCredentials(inputs);
  const given = kubeconfigInput(inputs);
  return loadKubeConfig({
    ...(given ? ('data' in given ? { inline: given.data } : { path: given.path }) : {}),
    ...(inputs.context ? { context: inputs.context } : {}),
    registerSecret: registerOnce,
  });
}
