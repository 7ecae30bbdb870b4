/**
 * NS-16 / X-01..X-03: kubeconfig secrets in every form — a bearer token, client-key-data (a multi-line PEM inside),
 * an exec plugin with a secret in its env, and base64 of each whole kubeconfig — are registered before any log
 * line and appear in no log, output, state or job summary; no error text carries Authorization/Bearer/token=. The
 * namespace-limited kubeconfig output works and can do nothing outside its namespace.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { type KubeClient, KubeClient as Client, loadKubeConfig } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  findLeaks,
  kubeconfigFor,
  outputLeaks,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  serviceAccountKubeconfig,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let admin: KubeClient;
let account: Awaited<ReturnType<typeof serviceAccountKubeconfig>>;
const variants: Array<{ name: string; kubeconfig: string; secrets: string[] }> = [];

beforeAll(async () => {
  ensureBuilt();
  admin = await adminClient(tb.kubeconfig);
  account = await serviceAccountKubeconfig(admin, tb.kubeconfig, [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  ]);
  const { kubeConfig } = await loadKubeConfig({ path: tb.kubeconfig, registerSecret: () => undefined });
  const user = kubeConfig.getCurrentUser();
  const cert = user?.certData ?? (user?.certFile ? readFileSync(user.certFile).toString('base64') : undefined);
  const key = user?.keyData ?? (user?.keyFile ? readFileSync(user.keyFile).toString('base64') : undefined);
  const exec = {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: [
        '-e',
        'process.stdout.write(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1",kind:"ExecCredential",status:{token:process.env.GAUNTLET_CANARY_EXEC}}))',
      ],
      env: [{ name: 'GAUNTLET_CANARY_EXEC', value: account.token }],
      interactiveMode: 'Never',
    },
  };
  variants.push({ name: 'bearer token', kubeconfig: account.kubeconfig, secrets: [account.token] });
  if (cert && key) {
    const pem = Buffer.from(key, 'base64').toString('utf8');
    variants.push({
      name: 'client-key-data',
      kubeconfig: await kubeconfigFor(tb.kubeconfig, { 'client-certificate-data': cert, 'client-key-data': key }),
      secrets: [key, pem],
    });
  }
  variants.push({
    name: 'exec plugin with a secret env',
    kubeconfig: await kubeconfigFor(tb.kubeconfig, exec),
    secrets: [account.token],
  });
  for (const v of [...variants])
    variants.push({
      name: `${v.name}, base64`,
      kubeconfig: Buffer.from(v.kubeconfig).toString('base64'),
      secrets: v.secrets,
    });
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  await account.cleanup();
  admin.close();
});

describe('NS-16: kubeconfig secrets never leak', () => {
  it('every form: up and down succeed, and no secret appears anywhere we write', async () => {
    let pr = 1;
    for (const variant of variants) {
      const event = pullRequestEvent(repositoryId, pr++);
      const up = await runBundle({
        inputs: {
          manifests: 'fixtures/small/*.yaml',
          variables: 'REPLICAS=1',
          kubeconfig: variant.kubeconfig,
          report: 'true',
          'capacity-check': 'false',
        },
        event,
      });
      expect(up.main.exitCode, `${variant.name}: ${up.main.log.join('\n')}`).toBe(0);
      const down = await runBundle({
        inputs: { mode: 'down', kubeconfig: variant.kubeconfig, 'delete-timeout': '0', 'fail-on-stuck': 'false' },
        event,
      });
      expect(down.main.exitCode, `${variant.name}: ${down.main.log.join('\n')}`).toBe(0);
      for (const run of [up, down]) {
        const raw = `${run.main.rawOutput}\n${run.post?.rawOutput ?? ''}`;
        expect(outputLeaks(raw, variant.secrets), variant.name).toEqual([]);
        const written = `${run.summary}\n${JSON.stringify(run.outputs)}\n${JSON.stringify(run.state)}`;
        expect(findLeaks(written, variant.secrets), variant.name).toEqual([]);
        const withoutMasks = raw
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n');
        expect(`${withoutMasks}\n${written}`).not.toMatch(/authorization|bearer|token=/i);
        // registered at all (the runner masks only what is registered), line by line for a PEM.
        const masks = raw
          .split('\n')
          .filter((l) => l.startsWith('::add-mask::'))
          .map((l) => l.slice('::add-mask::'.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
        for (const secret of variant.secrets) {
          for (const line of secret
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l.length >= 6)) {
            expect(
              masks.some((m) => m.split('\n').some((ml) => ml.trim() === line)),
              `${variant.name}: a line of a secret was never registered`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it('an invalid kubeconfig input is reported without quoting it', async () => {
    const secret = 'sekrit-value-0123456789abcdef';
    const run = await runBundle({
      inputs: { manifests: 'fixtures/small/*.yaml', kubeconfig: `clusters: [\n  token: ${secret}\n  {{{` },
      event: pullRequestEvent(repositoryId, 90),
    });
    expect(run.main.exitCode).not.toBe(0);
    expect(run.main.log.join('\n')).toMatch(/not a valid kubeconfig/);
    expect(outputLeaks(run.main.rawOutput, [secret])).toEqual([]);
  });

  it('the namespace-limited kubeconfig output reads its namespace and nothing else', async () => {
    const event = pullRequestEvent(repositoryId, 91);
    const up = await runBundle({
      inputs: {
        manifests: 'fixtures/small/*.yaml',
        variables: 'REPLICAS=1',
        kubeconfig: account.kubeconfig,
        'namespace-kubeconfig': 'true',
        'capacity-check': 'false',
      },
      event,
    });
    expect(up.main.exitCode, up.main.log.join('\n')).toBe(0);
    const text = up.outputs.kubeconfig ?? '';
    const loaded = await loadKubeConfig({ inline: text, registerSecret: () => undefined });
    const token = loaded.kubeConfig.getCurrentUser()?.token ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(outputLeaks(up.main.rawOutput, [token])).toEqual([]);
    const limited = await Client.create(loaded.kubeConfig);
    const namespace = up.outputs.namespace as string;
    try {
      await expect(limited.get(`/api/v1/namespaces/${namespace}/pods`)).resolves.toBeTruthy();
      await expect(limited.get('/api/v1/namespaces/kube-system/pods')).rejects.toMatchObject({ status: 403 });
      await expect(limited.get(`/api/v1/namespaces/${namespace}/secrets`)).rejects.toMatchObject({ status: 403 });
      await expect(
        limited.request({
          method: 'POST',
          path: `/api/v1/namespaces/${namespace}/configmaps`,
          body: { metadata: { name: 'x' } },
        }),
      ).rejects.toMatchObject({ status: 403 });
    } finally {
      limited.close();
    }
  });
});
