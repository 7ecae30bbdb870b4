/**
 * workflows-examples/provision-pr.yml, unchanged, under nektos/act against the test bed's real API server (kwok):
 * - the PR is opened: the preview job creates the environment (namespace output, end-to-end step given the shop
 *   API's in-cluster address), reports the "Ephemeral environment" check run and one sticky comment;
 * - the PR is closed: only the teardown job runs, the namespace is gone, and the comment's section says so;
 * - a second close (a re-run) finds nothing and says so, never "Torn down".
 */
import { readFileSync } from 'node:fs';
import { pullRequestEvent, startShopScenario, type ShopScenario } from '@gauntlet/act-harness';
import { getTestbed } from '@gauntlet/testbed';
import type { KubeClient } from '@gauntlet/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, cleanupRepository, environmentsOf, randomRepositoryId } from '../provision/harness.js';
import { eventually } from '../support/polling.js';

let scenario: ShopScenario;
let admin: KubeClient;
const repoId = randomRepositoryId();
const PR = 11;

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'provision-pr.yml', seed: 11, pr: PR });
  admin = await adminClient(getTestbed().kubeconfig);
}, 600_000);

afterAll(async () => {
  if (admin) {
    await cleanupRepository(admin, repoId);
    admin.close();
  }
  await scenario?.close();
});

function secrets(): Record<string, string> {
  return { PREVIEW_KUBECONFIG: readFileSync(getTestbed().kubeconfig, 'utf8') };
}

const commentsOnPr = () => scenario.commentsOn();

describe('provision-pr.yml under act', () => {
  let namespace = '';

  it('opened: creates the environment, runs the end-to-end step against it, reports once', async () => {
    const run = await scenario.harness.run({
      workflow: 'provision-pr.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'opened', repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    const preview = run.job('preview');
    expect(preview.conclusion, preview.log.slice(-40).join('\n')).toBe('success');
    expect(run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).not.toContain('teardown');
    const outputs = Object.values(preview.outputs).find((o) => o['namespace'] !== undefined)!;
    namespace = outputs['namespace']!;
    expect(namespace).toMatch(/^shop-pr-[0-9a-f]{6}-11$/);
    expect(outputs['status']).toBe('ready');
    const environment = JSON.parse(outputs['environment']!) as { services: { name: string; dns: string }[] };
    expect(environment.services.map((s) => s.name).sort()).toEqual(['shop-api', 'shop-web']);
    const log = preview.log.join('\n');
    expect(log).toContain(`e2e: target http://shop-api.${namespace}.svc.cluster.local`);
    expect(log).toContain(`Environment namespace ${namespace}`);

    const names = (await environmentsOf(admin, repoId)).map((n) => n.metadata?.name);
    expect(names).toEqual([namespace]);
    const deployment = await admin.get<{
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    }>(`/apis/apps/v1/namespaces/${namespace}/deployments/shop-api`);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]!.image).toBe(`ghcr.io/acme/shop-api:pr-${PR}`);

    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([
      ['Ephemeral environment', 'completed', 'success'],
    ]);
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).toContain(namespace);
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);

  it('closed: only the teardown job runs; the namespace is gone and the comment says so', async () => {
    expect(namespace).not.toBe('');
    scenario.gh.seedPull(PR, { headSha: scenario.repo.prHeadSha, state: 'closed' });
    const run = await scenario.harness.run({
      workflow: 'provision-pr.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'closed', merged: true, repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    expect(run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).toEqual(['teardown']);
    const teardown = run.job('teardown');
    expect(teardown.conclusion, teardown.log.slice(-40).join('\n')).toBe('success');
    await eventually(
      `namespace ${namespace} gone`,
      async () => (await admin.getOptional(`/api/v1/namespaces/${namespace}`)) === undefined,
      120_000,
    );
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).toContain('Torn down');
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);

  it('closed again (a re-run): finds nothing and says so, not "Torn down"', async () => {
    const run = await scenario.harness.run({
      workflow: 'provision-pr.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'closed', merged: true, repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    expect(run.job('teardown').conclusion).toBe('success');
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).not.toContain('Torn down');
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);
});
