/**
 * Losing the API server mid-wait (issue 11, provision 2) is its own error, with the server's address, well before
 * the deadline; no diagnostics are attempted, one bounded teardown attempt is made, and what is left is said. The
 * API server is "lost" by closing the fault proxy the action talks to (connections refused from then on). The run
 * uses a clock scaled 10×, so the 20 s outage threshold costs 2 s. "Before the deadline" is told by what the run ends
 * with (the lost-server error, never the deadline's "not ready within"), not by how long it took: elapsed time on a
 * loaded machine says nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import { type KubeClient, KubeNetworkError } from './kube-exports.js';
import {
  ScaledClock,
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runInProcess,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let admin: KubeClient;

beforeAll(async () => {
  ensureBuilt();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
});

describe('the API server goes away while up waits', () => {
  it('fails with "lost the API server at <address>", not "not ready", long before the deadline', async () => {
    const proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
    const address = new URL(proxy.url).origin;
    const clock = new ScaledClock(10);
    const running = runInProcess({
      inputs: {
        manifests: 'fixtures/crashloop/*.yaml',
        kubeconfig: proxy.kubeConfig().exportConfig(),
        timeout: '30m',
        'capacity-check': 'false',
        'max-environments': '0',
      },
      event: pullRequestEvent(repositoryId, 1),
      clock,
    });
    // Once the action watches the stack's Deployments and its after-apply checks are done (the role bindings
    // list, the last of them, answered: the watches start before the apply, and the checks run during the wait),
    // only the wait is left when the server goes.
    const waiting = (): boolean =>
      proxy.requests.some((r) => r.query.watch?.[0] === '1' && r.path.endsWith('/deployments')) &&
      proxy.requests.some((r) => r.method === 'GET' && r.path.endsWith('/rolebindings') && r.status !== undefined);
    let ended = false;
    void running.then(() => (ended = true));
    await eventually(
      'the action waits on the stack with its after-apply checks done (or ended)',
      async () => waiting() || ended,
      180_000,
    );
    const watched = proxy.requests.some((r) => r.query.watch?.[0] === '1');
    await proxy.close();
    const run = await running;
    expect(watched, 'the action had started waiting').toBe(true);
    expect(run.ok).toBe(false);
    const message = String(run.error);
    expect(message).toContain(`lost the API server at ${address}`);
    expect(message).not.toMatch(/not ready within/);
    expect(run.logger.text()).not.toMatch(/diagnostics could not be gathered/);
    const report = run.reports.at(-1) as { teardown?: string } | undefined;
    expect(report?.teardown ?? '').toMatch(/left: namespace \S+|failed: cannot reach the API server at/);
  });

  it('a refused connection names the server', () => {
    const error = new KubeNetworkError('GET', '/api/v1/namespaces/x', 'ECONNREFUSED', 'https://10.0.0.1:6443');
    expect(error.message).toMatch(/^cannot reach the API server at https:\/\/10\.0\.0\.1:6443 \(connection refused\)/);
  });
});
