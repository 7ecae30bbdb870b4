/**
 * The one way an action reaches its cluster: the kubeconfig input (or KUBECONFIG / in-cluster / ~/.kube/config)
 * loaded with every secret in it registered, and a KubeClient that registers every credential it sends (exec
 * plugins make theirs at run time). registerSecret and userAgent are required, so no action can build a client
 * that leaks what it sends or hides who sent it.
 */
import { KubeClient, type KubeClientOptions } from './client.js';
import { loadKubeConfig, maskInlineKubeConfig, type LoadedKubeConfig } from './config.js';
import { classifyKubeconfigInput, type KubeconfigInput } from './kubeconfig-input.js';

export interface ConnectOptions extends Omit<KubeClientOptions, 'registerSecret' | 'userAgent'> {
  /** The kubeconfig input; undefined: KUBECONFIG, in-cluster, ~/.kube/config. */
  readonly kubeconfig: KubeconfigInput | undefined;
  /** Context to use instead of current-context. */
  readonly context?: string | undefined;
  readonly registerSecret: (value: string) => void;
  /** `gauntlet/<action>` (the runtime's rt.userAgent). */
  readonly userAgent: string;
}

/** A loaded kubeconfig and the client it gives; the client is built only when asked for (exec plugins run then). */
export interface KubeConnection {
  readonly kube: LoadedKubeConfig;
  client(): Promise<KubeClient>;
}

/** Loads the kubeconfig (registering its secrets) without building a client yet. */
export async function openKubeconfig(options: ConnectOptions): Promise<KubeConnection> {
  const { kubeconfig, context, registerSecret, userAgent, ...tuning } = options;
  const kube = await loadKubeConfig({
    ...(kubeconfig === undefined ? {} : 'data' in kubeconfig ? { inline: kubeconfig.data } : { path: kubeconfig.path }),
    ...(context ? { context } : {}),
    registerSecret,
  });
  return { kube, client: () => KubeClient.create(kube.kubeConfig, { ...tuning, userAgent, registerSecret }) };
}

/** Loads the kubeconfig and builds its client. */
export async function connect(options: ConnectOptions): Promise<KubeClient> {
  return (await openKubeconfig(options)).client();
}

/**
 * The one masking rule of a raw kubeconfig input, for an action's secretInputs (registered before the inputs are
 * parsed): content whole and each secret of its (decoded) text; a path is no secret, and masking it would hide it
 * from the messages that name it. A value that cannot be classified or parsed is masked whole. Never throws.
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
    // Not a valid kubeconfig: masked whole (above); loading it reports the problem.
  }
  return secrets;
}
