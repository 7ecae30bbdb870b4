import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kubeConfigDocumentSecrets, loadKubeConfig, maskInlineKubeConfig } from './config.js';

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
  it('a path is read once: the text masked is the text loaded, relative files resolved from its directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-file-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, KUBECONFIG.replace('insecure-skip-tls-verify: true', 'certificate-authority: ca.crt'));
    writeFileSync(path.join(dir, 'ca.crt'), 'the CA of the test\n');
    const { secrets, register } = recorder();
    const loaded = await loadKubeConfig({ path: file, registerSecret: register });
    expect(loaded.source).toBe('file');
    expect(loaded.kubeConfig.getCurrentUser()?.token).toBe(TOKEN);
    // Read from the kubeconfig's directory, once, and inlined: client-node never reads the file itself.
    expect(loaded.kubeConfig.getCurrentCluster()?.caFile).toBeUndefined();
    expect(Buffer.from(loaded.kubeConfig.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(
      'the CA of the test\n',
    );
    expect(secrets).toContain(TOKEN);
  });

  it('a client-key file is read once, capped, registered as a secret and inlined; a FIFO or a huge file is refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-keyfile-'));
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    writeFileSync(path.join(dir, 'client.key'), key);
    writeFileSync(path.join(dir, 'client.crt'), 'a certificate\n');
    const config = (keyFile: string): string =>
      KUBECONFIG.replace(`user: {token: ${TOKEN}}`, `user: {client-certificate: client.crt, client-key: ${keyFile}}`);
    writeFileSync(path.join(dir, 'config'), config('client.key'));
    const { secrets, register } = recorder();
    const loaded = await loadKubeConfig({ path: path.join(dir, 'config'), registerSecret: register });
    const user = loaded.kubeConfig.getCurrentUser();
    expect(user?.keyFile).toBeUndefined();
    expect(user?.certFile).toBeUndefined();
    expect(Buffer.from(user?.keyData ?? '', 'base64').toString()).toBe(key);
    expect(secrets).toContain(key.trim());
    execFileSync('mkfifo', [path.join(dir, 'fifo.key')]);
    writeFileSync(path.join(dir, 'fifo'), config('fifo.key'));
    await expect(loadKubeConfig({ path: path.join(dir, 'fifo'), registerSecret: () => undefined })).rejects.toThrow(
      /^the client-key file of user "u" is not a regular file/,
    );
    writeFileSync(path.join(dir, 'huge.key'), Buffer.alloc(300 * 1024, 65));
    writeFileSync(path.join(dir, 'huge'), config('huge.key'));
    await expect(loadKubeConfig({ path: path.join(dir, 'huge'), registerSecret: () => undefined })).rejects.toThrow(
      /^the client-key file of user "u" is larger than/,
    );
  });

  it('a FIFO at the kubeconfig path is refused at once, not waited on nor read unbounded', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-fifo-'));
    const fifo = path.join(dir, 'config');
    execFileSync('mkfifo', [fifo]);
    await expect(loadKubeConfig({ path: fifo, registerSecret: () => undefined })).rejects.toThrow(
      /^the kubeconfig file is not a regular file/,
    );
  });

  it('registers only the credentials of the input, and returns the current context', async () => {
    const { secrets, register } = recorder();
    const loaded = await loadKubeConfig({ inline: KUBECONFIG, registerSecret: register });
    expect(loaded.source).toBe('input');
    expect(loaded.contextName).toBe('ctx');
    expect(loaded.kubeConfig.getCurrentUser()?.token).toBe(TOKEN);
    // Not the whole text: registered line by line, it masked `kind: Config`, `users:` and every other line.
    expect([...new Set(secrets)]).toEqual([TOKEN]);
  });

  it('registers base64 input as given, then the credentials of the decoded text', async () => {
    const encoded = Buffer.from(KUBECONFIG).toString('base64');
    const { secrets, register } = recorder();
    await loadKubeConfig({ inline: encoded, registerSecret: register });
    expect([...new Set(secrets)]).toEqual([encoded, TOKEN]);
  });

  it('rejects unparseable input without quoting it, after registering its token-like values', async () => {
    const { secrets, register } = recorder();
    const bad = `clusters: [\n  token: ${TOKEN}\n  kind: Config\n  x: {`;
    const error = await loadKubeConfig({ inline: bad, registerSecret: register }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^the kubeconfig input is not a valid kubeconfig/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(secrets).toEqual([TOKEN]);
  });

  it('refuses an alias bomb before client-node parses it', async () => {
    const lines = ['apiVersion: v1', 'kind: Config', 'a0: &a0 "lol"'];
    for (let i = 1; i <= 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    await expect(loadKubeConfig({ inline: lines.join('\n'), registerSecret: () => undefined })).rejects.toThrow(
      /not a valid kubeconfig \(expands to more than/,
    );
  });

  it('finds every kind of credential: tokens, passwords, keys (base64 and PEM), exec env and args, auth-provider', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const keyData = Buffer.from(pem).toString('base64');
    const document = {
      users: [
        { name: 'a', user: { token: ' tok-aaaaaaaa ', password: 'pw-bbbbbbbb', username: 'admin' } },
        { name: 'b', user: { 'client-key-data': keyData, 'client-certificate-data': 'Y2VydA==' } },
        {
          name: 'c',
          user: {
            exec: {
              command: 'x',
              env: [{ name: 'AWS_SECRET', value: 'env-secret-1' }],
              args: ['--token=arg-tok-2', 'get'],
            },
          },
        },
        { name: 'd', user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 'idt-3', 'client-id': 'cid' } } } },
      ],
    };
    expect(kubeConfigDocumentSecrets(document)).toEqual([
      'tok-aaaaaaaa',
      'pw-bbbbbbbb',
      keyData,
      pem.trim(),
      'env-secret-1',
      'arg-tok-2',
      'idt-3',
    ]);
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
    expect(secrets).toEqual([TOKEN, Buffer.from(KUBECONFIG).toString('base64'), TOKEN]);
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
