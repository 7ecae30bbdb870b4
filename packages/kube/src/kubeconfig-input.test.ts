import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, InputReader } from '@gauntlet/action-kit';
import { kubeconfigInputSecrets } from './connect.js';
import { classifyKubeconfigInput, decodeBase64Kubeconfig, readKubeconfigInput } from './kubeconfig-input.js';

const TOKEN = 'kube-token-0123456789abcdef';
const YAML = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- {name: c, cluster: {server: "https://127.0.0.1:6443"}}',
  `users:\n- {name: u, user: {token: ${TOKEN}}}`,
  'contexts:\n- {name: ctx, context: {cluster: c, user: u}}',
  'current-context: ctx',
].join('\n');
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('classifyKubeconfigInput: one detection rule for every action', () => {
  it('takes YAML, one-line JSON and anything with several lines as content', () => {
    expect(classifyKubeconfigInput('apiVersion: v1', '/ws')).toEqual({ data: 'apiVersion: v1' });
    const json = '{"apiVersion":"v1","clusters":[]}';
    expect(classifyKubeconfigInput(json, '/ws')).toEqual({ data: json });
    expect(classifyKubeconfigInput('a: 1\nb: 2', '/ws')).toEqual({ data: 'a: 1\nb: 2' });
  });

  it('decodes base64 of a kubeconfig however it is written: short, wrapped at 76, URL-safe, of JSON', () => {
    expect(classifyKubeconfigInput(b64(YAML), '/ws')).toEqual({ data: YAML });
    const wrapped = b64(YAML).replace(/(.{76})/g, '$1\n');
    expect(wrapped).toContain('\n');
    expect(classifyKubeconfigInput(wrapped, '/ws')).toEqual({ data: YAML });
    const urlSafe = Buffer.from(YAML).toString('base64url');
    expect(classifyKubeconfigInput(urlSafe, '/ws')).toEqual({ data: YAML });
    const json = JSON.stringify({ apiVersion: 'v1', clusters: [] });
    expect(classifyKubeconfigInput(b64(json), '/ws')).toEqual({ data: json });
    // Short enough that the old >200-character rule took it for a path.
    const small = 'clusters: []\n';
    expect(classifyKubeconfigInput(b64(small), '/ws')).toEqual({ data: small });
  });

  it('takes everything else as a path, relative to the base, even when it is made of base64 characters', () => {
    expect(classifyKubeconfigInput('kube/config', '/ws')).toEqual({ path: '/ws/kube/config' });
    expect(classifyKubeconfigInput('/etc/kube.conf', '/ws')).toEqual({ path: '/etc/kube.conf' });
    expect(classifyKubeconfigInput('config', '/ws')).toEqual({ path: '/ws/config' });
    expect(classifyKubeconfigInput('secrets/kubeconfig-ci', '/ws')).toEqual({ path: '/ws/secrets/kubeconfig-ci' });
    expect(classifyKubeconfigInput('  spaced/path \n', '/ws')).toEqual({ path: '/ws/spaced/path' });
  });

  it('refuses long base64 that is no kubeconfig, huge values and NULs, naming the input', () => {
    expect(() => classifyKubeconfigInput(b64('x'.repeat(300)), '/ws', 'cfg')).toThrow(InputError);
    expect(() => classifyKubeconfigInput(b64('x'.repeat(300)), '/ws', 'cfg')).toThrow(/cfg.*base64/);
    expect(() => classifyKubeconfigInput('a./'.repeat(2000), '/ws')).toThrow(/neither a kubeconfig nor a path/);
    expect(() => classifyKubeconfigInput('kube\0config', '/ws')).toThrow(/NUL/);
  });

  it('decodeBase64Kubeconfig is the rule loadKubeConfig uses too', () => {
    expect(decodeBase64Kubeconfig(b64(YAML))).toBe(YAML);
    expect(decodeBase64Kubeconfig(YAML)).toBeUndefined();
    expect(decodeBase64Kubeconfig(b64('hello world, not a kubeconfig'))).toBeUndefined();
  });
});

describe('readKubeconfigInput', () => {
  const reader = (value: string | undefined): InputReader =>
    new InputReader((name) => (name === 'kubeconfig' ? value : undefined));

  it('is undefined when empty, classifies otherwise', () => {
    expect(readKubeconfigInput(reader(undefined), { base: '/ws', confineTo: '/ws' })).toBeUndefined();
    expect(readKubeconfigInput(reader('  '), { base: '/ws', confineTo: '/ws' })).toBeUndefined();
    expect(readKubeconfigInput(reader(YAML), { base: '/ws', confineTo: '/ws' })).toEqual({ data: YAML });
  });

  it('confines a path to the workspace (through symlinks) or RUNNER_TEMP, and only a path', () => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-input-'));
    const ws = path.join(top, 'ws');
    const temp = path.join(top, 'runner-temp');
    mkdirSync(ws);
    mkdirSync(temp);
    writeFileSync(path.join(top, 'secret'), 'not yours');
    symlinkSync(path.join(top, 'secret'), path.join(ws, 'planted'));
    const alsoUnder = [{ name: 'RUNNER_TEMP', path: temp }];
    const options = { base: ws, confineTo: ws, alsoUnder };
    expect(readKubeconfigInput(reader('k/config'), options)).toEqual({ path: path.join(ws, 'k/config') });
    expect(readKubeconfigInput(reader(path.join(temp, 'kubeconfig')), options)).toEqual({
      path: path.join(temp, 'kubeconfig'),
    });
    expect(() => readKubeconfigInput(reader('../../etc/passwd'), options)).toThrow(InputError);
    expect(() => readKubeconfigInput(reader('/etc/passwd'), options)).toThrow(/^Input 'kubeconfig'.*outside/);
    // A symlink the pull request committed at the configured path.
    expect(() => readKubeconfigInput(reader('planted'), options)).toThrow(/through a symbolic link|outside/);
    expect(readKubeconfigInput(reader(YAML), options)).toEqual({ data: YAML });
  });

  it('takes RUNNER_TEMP from the environment by default, never a RUNNER_TEMP of /', () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-input-'));
    const saved = process.env['RUNNER_TEMP'];
    try {
      process.env['RUNNER_TEMP'] = '/';
      expect(() => readKubeconfigInput(reader('/etc/kubeconfig'), { base: ws, confineTo: ws })).toThrow(/outside/);
    } finally {
      if (saved === undefined) delete process.env['RUNNER_TEMP'];
      else process.env['RUNNER_TEMP'] = saved;
    }
  });
});

describe('kubeconfigInputSecrets: one masking rule', () => {
  it('masks content whole and its token, base64 whole and the decoded token, and no path', () => {
    expect(kubeconfigInputSecrets(YAML)).toEqual(expect.arrayContaining([YAML, TOKEN]));
    expect(kubeconfigInputSecrets(b64(YAML))).toEqual(expect.arrayContaining([b64(YAML), TOKEN]));
    expect(kubeconfigInputSecrets('kube/config')).toEqual([]);
  });

  it('never throws: a value it cannot classify or parse is masked whole (with its token-like values)', () => {
    const junk = b64('x'.repeat(300));
    expect(kubeconfigInputSecrets(junk)).toEqual([junk]);
    const broken = `users:\n  - token: ${TOKEN}\n   bad: [indent`;
    const secrets = kubeconfigInputSecrets(broken);
    expect(secrets).toContain(broken);
    expect(secrets).toContain(TOKEN);
    const bomb = `a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]`;
    expect(() => kubeconfigInputSecrets(bomb)).not.toThrow();
  });
});
