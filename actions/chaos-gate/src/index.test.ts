import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runStep } from '@gauntlet/action-runtime/testing';
import { describe, expect, it } from 'vitest';
import chaosGate from './index.js';

/**
 * Everything chaos-gate can refuse is refused before the cluster is reached: these runs have no kubeconfig and
 * no cluster, so reaching one would fail with a different message.
 */
const POD_DELETE = `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
use: pod-delete
with: { target: app=web }
`;

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-unit-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function run(dir: string, inputs: Record<string, string>) {
  return runStep(chaosGate, 'main', {
    inputs: { namespace: 'pr-1', experiments: 'chaos/*.yaml', ...inputs },
    env: { GITHUB_WORKSPACE: dir, KUBECONFIG: path.join(dir, 'no-such-kubeconfig') },
  });
}

describe('chaos-gate refuses before any write', () => {
  it('an unknown experiment field, naming the file, the path and the nearest field', async () => {
    const dir = await workspace({
      'chaos/a.yaml': POD_DELETE.replace('with: { target: app=web }', 'with: { target: app=web, duraton: 10s }'),
    });
    const host = await run(dir, { slos: 'slos: []', 'prometheus-url': 'http://p:9090' });
    expect(host.failed).toMatch(/^chaos-gate: chaos\/a\.yaml: .*duraton.*duration/);
  });

  it('a target outside the allowed namespaces', async () => {
    const dir = await workspace({
      'chaos/a.yaml': POD_DELETE.replace('target: app=web', 'target: app=web, namespace: kube-system'),
    });
    const host = await run(dir, {});
    expect(host.failed).toMatch(/outside the allowed namespaces \(pr-1\).*kube-system/);
  });

  it('an experiment with nothing to observe (its verdict could only be inconclusive)', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    const host = await run(dir, {});
    expect(host.failed).toMatch(/no steady state to observe/);
  });

  it('an SLO name the SLOs do not have, with the nearest one', async () => {
    const dir = await workspace({
      'chaos/a.yaml': POD_DELETE.replace('target: app=web', 'target: app=web, slos: [availabilty]'),
      'slos.yaml':
        'slos:\n  - name: availability\n    ratio: { bad: \'x{code="500"}\', total: x }\n    objective: { target: 99% }\n',
    });
    const host = await run(dir, { 'slo-files': 'slos.yaml', 'prometheus-url': 'http://p:9090' });
    expect(host.failed).toMatch(/availabilty.*did you mean 'availability'/);
  });

  it('paths and globs that leave the workspace, also through a symlink', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    expect((await run(dir, { experiments: '../*.yaml' })).failed).toMatch(/Input 'experiments'.*leaves the workspace/);
    expect((await run(dir, { experiments: '/etc/*.yaml' })).failed).toMatch(/Input 'experiments'.*absolute/);
    expect((await run(dir, { 'journal-path': '../journal.json' })).failed).toMatch(/Input 'journal-path'/);
    const outside = await workspace({ 'x.yaml': POD_DELETE });
    await symlink(outside, path.join(dir, 'linked'));
    expect((await run(dir, { experiments: 'linked/*.yaml' })).failed).toMatch(/leads outside the workspace/);
  });

  it('bad inputs name the input', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    expect((await run(dir, { namespace: 'Bad_NS' })).failed).toMatch(/Input 'namespace'/);
    expect((await run(dir, { 'allowed-namespaces': '*' })).failed).toMatch(/wildcards/);
    expect((await run(dir, { mode: 'destroy' })).failed).toMatch(/Input 'mode'.*run, reap/);
    expect((await run(dir, { experiments: '' })).failed).toMatch(/Input 'experiments': is required in run mode/);
    expect((await run(dir, { 'max-percentage': '150' })).failed).toMatch(/Input 'max-percentage'/);
    expect((await run(dir, { 'max-targets': '0' })).failed).toMatch(
      /Input 'max-targets': 0 is refused.*never means all/,
    );
    expect((await run(dir, { slos: 'slos: []' })).failed).toMatch(/Input 'prometheus-url': is required with slos/);
    expect((await run(dir, { interval: 'soon' })).failed).toMatch(/Input 'interval'/);
    expect((await run(dir, { 'toxiproxy-url': 'file:///etc/passwd' })).failed).toMatch(
      /Input 'toxiproxy-url'.*http or https/,
    );
    expect((await run(dir, { 'toxiproxy-url': 'http://u:p@toxi:8474' })).failed).toMatch(/must not carry credentials/);
  });

  it('a toxiproxy fault without toxiproxy-url, naming the experiment and the proxy', async () => {
    const dir = await workspace({
      'chaos/a.yaml': `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
use: dependency-latency
with: { proxy: payments-db, latency: 200ms }
`,
    });
    expect((await run(dir, {})).failed).toMatch(
      /Input 'toxiproxy-url': is required: experiment .* proxy 'payments-db'/,
    );
  });

  it('masks a kubeconfig given as content before anything can print it', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    const kubeconfig = 'apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: kube-secret-token-1 } }]\n';
    const host = await run(dir, { kubeconfig, namespace: 'BAD' });
    expect(host.secrets).toContain(kubeconfig.trim());
    expect(host.secrets).toContain('kube-secret-token-1');
  });

  it('masks a base64 kubeconfig whole and the secrets inside it (the one rule @gauntlet/kube has)', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    const text = 'apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: kube-secret-token-2 } }]\n';
    const encoded = Buffer.from(text).toString('base64');
    const host = await run(dir, { kubeconfig: encoded, namespace: 'BAD' });
    expect(host.secrets).toContain(encoded);
    expect(host.secrets).toContain('kube-secret-token-2');
  });

  it('a kubeconfig path is no secret, and one outside the workspace is refused (also through a symlink)', async () => {
    const dir = await workspace({ 'chaos/a.yaml': POD_DELETE });
    const outside = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-outside-'));
    await writeFile(path.join(outside, 'config'), 'apiVersion: v1\nkind: Config\n');
    await symlink(outside, path.join(dir, 'kube'));
    for (const kubeconfig of ['../elsewhere/config', path.join(outside, 'config'), 'kube/config']) {
      const host = await run(dir, { kubeconfig });
      expect(host.secrets).not.toContain(kubeconfig);
      expect(host.failed).toMatch(/Input 'kubeconfig'.*outside/);
    }
  });
});
