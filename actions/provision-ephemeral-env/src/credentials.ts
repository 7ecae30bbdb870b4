/**
 * Both steps start here: every credential the step holds (the GitHub tokens, everything in the kubeconfig) is
 * registered with the runner before anything can print it, and then the kubeconfig is loaded.
 */
import { registerSecret } from '@gauntlet/action-kit/runner';
import { loadKubeConfig, type LoadedKubeConfig } from '@gauntlet/kube';
import type { Inputs } from './inputs.js';

export function maskAndLoadCredentials(inputs: Inputs): LoadedKubeConfig {
  registerSecret(inputs.githubToken);
  registerSecret(process.env.GITHUB_TOKEN);
  return loadKubeConfig({
    ...(inputs.kubeconfig ? { inline: inputs.kubeconfig } : {}),
    ...(inputs.context ? { context: inputs.context } : {}),
    registerSecret,
  });
}
