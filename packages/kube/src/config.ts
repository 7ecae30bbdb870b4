/**
 * Loading a kubeconfig from an action input (YAML, or base64 of YAML), a file, or the environment, and finding every
 * secret in it so the caller can register each one with the runner before anything is logged.
 *
 * @kubernetes/client-node (about 4.7 MB bundled) is imported only inside loadKubeConfig, so importing this package
 * costs a step nothing until it really loads a kubeconfig: input errors, and paths that never talk to a cluster,
 * stay fast. Keep every other import of it in this package type-only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadYaml, readFileBoundedSync, UserError } from '@gauntlet/action-kit';
import { decodeBase64Kubeconfig } from './kubeconfig-input.js';

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** Where it came from, for logs: 'input', 'file', 'default'. */
  source: 'input' | 'file' | 'default';
  contextName: string;
}

export interface LoadKubeConfigOptions {
  /** Kubeconfig text or base64 of it (an action input). */
  inline?: string;
  /** Path to a kubeconfig file. */
  path?: string;
  /** Context to use instead of current-context. */
  context?: string;
  /**
   * Called with every secret value (whole values; the caller splits lines) before the configuration is parsed
   * further or anything can be printed. Required: loading a kubeconfig without registering its secrets is a bug.
   */
  registerSecret: (value: string) => void;
}

/** Largest kubeconfig read, inline or from a file. */
const MAX_KUBECONFIG_CHARS = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The secret values of a parsed kubeconfig document, and only those: user tokens and passwords, private keys
 * (base64 and the PEM inside), exec plugin env values and secret-like arguments, auth-provider secrets. Structure
 * (`kind: Config`, `users:`, server URLs, CA data) is not secret, and masking it would shred the log.
 */
export function kubeConfigDocumentSecrets(document: unknown): string[] {
  const secrets = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.trim() !== '') secrets.add(value.trim());
  };
  const users = isRecord(document) && Array.isArray(document['users']) ? document['users'] : [];
  for (const entry of users) {
    const user = isRecord(entry) && isRecord(entry['user']) ? entry['user'] : undefined;
    if (!user) continue;
    add(user['token']);
    add(user['password']);
    const keyData = user['client-key-data'];
    if (typeof keyData === 'string') {
      add(keyData);
      add(Buffer.from(keyData, 'base64').toString('utf8'));
    }
    const exec = isRecord(user['exec']) ? user['exec'] : undefined;
    for (const env of Array.isArray(exec?.['env']) ? exec['env'] : []) if (isRecord(env)) add(env['value']);
    for (const arg of Array.isArray(exec?.['args']) ? exec['args'] : []) {
      const match = typeof arg === 'string' ? /^--?(?:token|password|secret|client-secret)[=:](.+)$/i.exec(arg) : null;
      if (match) add(match[1]);
    }
    const provider = isRecord(user['auth-provider']) ? user['auth-provider'] : undefined;
    const config = isRecord(provider?.['config']) ? provider['config'] : {};
    for (const [key, value] of Object.entries(config)) if (/token|secret|password|key/i.test(key)) add(value);
  }
  return [...secrets];
}

/** Token-like values (long, no spaces) of `key: value` lines: what to mask of a kubeconfig we could not parse. */
function tokenLikeValues(text: string): string[] {
  const values: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const value = /^[\s-]*[\w.-]+\s*:\s*["']?([^\s"']{16,})["']?\s*$/.exec(line)?.[1];
    if (value !== undefined) values.push(value);
  }
  return values;
}

/**
 * Parses kubeconfig text with the bounded loader (no alias bomb can exhaust memory, no error quotes the text) and
 * registers its secret values. A text that does not parse is refused, after its token-like values are registered.
 */
function parseAndMask(text: string, origin: string, registerSecret: (value: string) => void): unknown {
  let document: unknown;
  try {
    document = loadYaml(text, { origin, limits: { maxChars: MAX_KUBECONFIG_CHARS } });
  } catch (error) {
    for (const value of tokenLikeValues(text)) registerSecret(value);
    throw new UserError(`${origin} is not a valid kubeconfig (${(error as Error).message.replace(`${origin}: `, '')})`);
  }
  for (const secret of kubeConfigDocumentSecrets(document)) registerSecret(secret);
  if (!isRecord(document)) throw new UserError(`${origin} is not a valid kubeconfig (not a mapping)`);
  return document;
}

/**
 * Registers the secrets of an inline kubeconfig (base64 input as given, whole, since its encoded form carries
 * every secret; then each secret value of the decoded text) and returns the text to parse. Needs no Kubernetes
 * client: a step can mask the input at once and load it only when it needs a cluster. Returns undefined for an
 * empty value.
 */
export function maskInlineKubeConfig(
  inline: string | undefined,
  registerSecret: (value: string) => void,
): string | undefined {
  if (inline === undefined || inline.trim() === '') return undefined;
  const raw = inline.trim();
  const decoded = decodeBase64Kubeconfig(raw);
  if (decoded !== undefined) registerSecret(raw);
  const text = decoded ?? raw;
  parseAndMask(text, 'the kubeconfig input', registerSecret);
  return text;
}

/** Why the default kubeconfig (KUBECONFIG, in-cluster, ~/.kube/config) could not be loaded, naming what was tried. */
function defaultKubeconfigProblem(): string {
  const env = process.env.KUBECONFIG;
  if (!env) return 'no kubeconfig: pass the kubeconfig input, or set KUBECONFIG';
  const files = env.split(path.delimiter).filter(Boolean);
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0)
    return `KUBECONFIG is set, but ${missing.map((f) => JSON.stringify(f.slice(0, 300))).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`;
  return `KUBECONFIG is set (${files.map((f) => JSON.stringify(f.slice(0, 300))).join(', ')}), but it is not a valid kubeconfig`;
}

export async function loadKubeConfig(options: LoadKubeConfigOptions): Promise<LoadedKubeConfig> {
  // The inline value's secrets are registered before the client library loads, as before anything else. The
  // bounded parse also vouches for the text client-node then parses again.
  const text = maskInlineKubeConfig(options.inline, options.registerSecret);
  let fileText: string | undefined;
  if (text === undefined && options.path) {
    try {
      // Read once, capped on that read: the text masked here is the text the client loads below.
      fileText = readFileBoundedSync(options.path, MAX_KUBECONFIG_CHARS, 'the kubeconfig file');
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`the kubeconfig file ${JSON.stringify(options.path.slice(0, 300))} could not be read`);
    }
    parseAndMask(fileText, `the kubeconfig file ${JSON.stringify(options.path.slice(0, 300))}`, options.registerSecret);
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  let source: LoadedKubeConfig['source'];
  if (text !== undefined) {
    try {
      kc.loadFromString(text);
    } catch {
      // The parser's message quotes the offending text, which may be a credential.
      throw new UserError('the kubeconfig input is not a valid kubeconfig');
    }
    source = 'input';
  } else if (options.path && fileText !== undefined) {
    try {
      // What loadFromFile does, from the one read above (it would read the file again, after the masking).
      kc.loadFromString(fileText);
      kc.makePathsAbsolute(path.dirname(options.path));
    } catch {
      throw new UserError(`the kubeconfig file ${JSON.stringify(options.path.slice(0, 300))} could not be parsed`);
    }
    source = 'file';
  } else {
    try {
      kc.loadFromDefault();
    } catch {
      throw new UserError(defaultKubeconfigProblem());
    }
    source = 'default';
  }
  inlineFileReferences(kc);
  for (const secret of kubeConfigSecrets(kc)) options.registerSecret(secret);
  if (options.context) {
    if (!kc.getContextObject(options.context))
      throw new UserError(`the kubeconfig has no context named ${JSON.stringify(options.context.slice(0, 100))}`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster())
    throw new UserError(
      source === 'default' && process.env.KUBECONFIG
        ? `${defaultKubeconfigProblem()} (it has no current context with a cluster)`
        : `the kubeconfig ${source === 'file' ? `file ${JSON.stringify((options.path ?? '').slice(0, 300))}` : source === 'input' ? 'input' : ''} has no current context with a cluster`.replace(
            '  ',
            ' ',
          ),
    );
  return { kubeConfig: kc, source, contextName: kc.getCurrentContext() };
}

/** Largest certificate, key or CA file a kubeconfig may name. */
const MAX_CREDENTIAL_FILE_BYTES = 256 * 1024;

/**
 * The files a kubeconfig names (certificate-authority, client-certificate, client-key) are read here, once, as
 * regular files of at most 256 KiB, and put in the configuration as data: @kubernetes/client-node would otherwise
 * read them itself with readFileSync, with no size cap (a FIFO blocks it, /dev/zero exhausts memory) and again on
 * every connection. A file that cannot be read so is refused, naming the field and the entry, never its content.
 * (tokenFile, the in-cluster token, is left to client-node, which re-reads it as it rotates.)
 */
export function inlineFileReferences(kc: KubeConfig): void {
  const read = (file: string, what: string): string => {
    try {
      return readFileBoundedSync(file, MAX_CREDENTIAL_FILE_BYTES, what);
    } catch (error) {
      throw new UserError(error instanceof UserError ? error.message : `${what} could not be read`);
    }
  };
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  for (const cluster of kc.getClusters()) {
    const c = cluster as { name: string; caFile?: string; caData?: string };
    if (!c.caFile) continue;
    c.caData = b64(read(c.caFile, `the certificate-authority file of cluster ${JSON.stringify(c.name.slice(0, 100))}`));
    c.caFile = undefined;
  }
  for (const user of kc.getUsers()) {
    const u = user as { name: string; certFile?: string; certData?: string; keyFile?: string; keyData?: string };
    const who = `of user ${JSON.stringify(u.name.slice(0, 100))}`;
    if (u.certFile) {
      u.certData = b64(read(u.certFile, `the client-certificate file ${who}`));
      u.certFile = undefined;
    }
    if (u.keyFile) {
      u.keyData = b64(read(u.keyFile, `the client-key file ${who}`));
      u.keyFile = undefined;
    }
  }
}

/** Every credential in a kubeconfig, in each form it may be printed in: tokens, passwords, keys (base64 and PEM), exec env values, auth-provider config. */
export function kubeConfigSecrets(kc: KubeConfig): string[] {
  const secrets = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.trim().length >= 6) secrets.add(value.trim());
  };
  for (const user of kc.getUsers()) {
    add(user.token);
    add(user.password);
    if (user.keyData) {
      add(user.keyData);
      add(Buffer.from(user.keyData, 'base64').toString('utf8'));
    }
    const exec = user.exec as { env?: Array<{ name?: string; value?: unknown }>; args?: unknown[] } | undefined;
    for (const entry of exec?.env ?? []) add(entry.value);
    for (const arg of exec?.args ?? []) {
      if (typeof arg === 'string') {
        const match = /^--?(?:token|password|secret|client-secret)[=:](.+)$/i.exec(arg);
        if (match) add(match[1]);
      }
    }
    const authProvider = user.authProvider as { config?: Record<string, unknown> } | undefined;
    for (const [key, value] of Object.entries(authProvider?.config ?? {})) {
      if (/token|secret|password|key/i.test(key)) add(value);
    }
    const tokenFile = (user as { tokenFile?: string }).tokenFile;
    if (tokenFile) {
      try {
        add(readFileBoundedSync(tokenFile, MAX_KUBECONFIG_CHARS, 'the token file'));
      } catch {
        // as above
      }
    }
  }
  return [...secrets];
}
