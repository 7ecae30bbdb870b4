import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig, maskInlineKubeConfig } from './config.js';

const TOKEN = 'kube-token-0123456789abcdef';
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: c',
  '  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}',
  'users:',
  `- name: u`,
  `  user: {token: ${TOKEN}}`,
  'contexts:',
  '- {name: ctx, context: {cluster: c, user: u}}',
  'current-context: ctx',
].join('\n');

function recorder(): { secrets: string[]; register: (value: string) => void } {
  const secrets: string[] = [];
  return { secrets, register: (value) => secrets.push(value) };
}

describe('loadKubeConfig', () => {
  it('registers the input and every credential in it, and returns the current context', async () => {
    const { secrets, register } = recorder();
    const loaded = await loadKubeConfig({ inline: KUBECONFIG, registerSecret: register });
    expect(loaded.source).toBe('input');
    expect(loaded.contextName).toBe('ctx');
    expect(loaded.kubeConfig.getCurrentUser()?.token).toBe(TOKEN);
    expect(secrets).toEqual([KUBECONFIG, TOKEN]);
  });

  it('registers base64 input and its decoded text before parsing it', async () => {
    const encoded = Buffer.from(KUBECONFIG).toString('base64');
    const { secrets, register } = recorder();
    await loadKubeConfig({ inline: encoded, registerSecret: register });
    expect(secrets.slice(0, 2)).toEqual([encoded, KUBECONFIG]);
    expect(secrets).toContain(TOKEN);
  });

  it('rejects unparseable input without quoting it, after registering it', async () => {
    const { secrets, register } = recorder();
    const bad = `clusters: [\n  secret-${TOKEN}: {`;
    const error = await loadKubeConfig({ inline: bad, registerSecret: register }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^the kubeconfig input is not a valid kubeconfig/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(secrets).toEqual([bad]);
  });

  it('refuses a context the kubeconfig does not have', async () => {
    await expect(
      loadKubeConfig({ inline: KUBECONFIG, context: 'other', registerSecret: () => undefined }),
    ).rejects.toThrow('the kubeconfig has no context named "other"');
  });
});

describe('maskInlineKubeConfig', () => {
  it('registers nothing for an empty value', () => {
    const { secrets, register } = recorder();
    expect(maskInlineKubeConfig(undefined, register)).toBeUndefined();
    expect(maskInlineKubeConfig('  \n', register)).toBeUndefined();
    expect(secrets).toEqual([]);
  });

  it('returns the text to parse: the decoded text of base64 input', () => {
    const { secrets, register } = recorder();
    expect(maskInlineKubeConfig(` ${KUBECONFIG}\n`, register)).toBe(KUBECONFIG);
    expect(maskInlineKubeConfig(Buffer.from(KUBECONFIG).toString('base64'), register)).toBe(KUBECONFIG);
    expect(secrets).toHaveLength(3);
  });
});

describe('@kubernetes/client-node loads lazily', () => {
  // The bundle puts client-node (about 4.7 MB) in its own chunk; a value import anywhere in this package would load
  // it with every action that imports @gauntlet/kube, before the action has even read its inputs.
  it('is imported for its values only by loadKubeConfig, dynamically', () => {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const offenders: string[] = [];
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'@kubernetes\/client-node'/gm))
        offenders.push(`${file}: ${match[0]}`);
    }
    expect(offenders).toEqual([]);
    const config = readFileSync(path.join(dir, 'config.ts'), 'utf8');
    expect(config).toContain("await import('@kubernetes/client-node')");
  });
});
