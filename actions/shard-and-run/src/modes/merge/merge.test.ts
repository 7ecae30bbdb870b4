import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { KubeObject } from '@gauntlet/kube';
import { createQueueState } from '@gauntlet/sharding';
import { afterEach, describe, expect, it } from 'vitest';
import { queueMetadata, queueName } from '../queue/configmap-store.js';
import type { RunIdentity } from '../../run-identity.js';
import { workerReports } from './merge.js';
import { directoryTransport, type ShardResult } from '../../results.js';
import { buildResult } from '../../shard-result.js';
import { runInProcess, tempWorkspace } from '../../test-helpers.js';

const PLAN_ID = '0123456789abcdef';
const RUN: RunIdentity = { repository: 'gauntlet-org/gauntlet', runId: 100, runAttempt: 1, planId: PLAN_ID };

function result(shard: number, attempt = 1, planId = PLAN_ID, shardTotal = 3): Omit<ShardResult, 'origin'> {
  return buildResult({
    planId,
    shard,
    shardTotal,
    attempt,
    source: 'queue',
    status: 'completed',
    exitCode: 0,
    startedMs: 0,
    finishedMs: 1000,
    durationSeconds: 1,
    tests: [],
    report: { suites: [] },
  });
}

describe('workerReports', () => {
  it('counts this plan’s workers up to the current attempt, and those of the current attempt apart', () => {
    const results = [result(1, 1), result(2, 2), result(3, 3), result(1, 1, 'fedcba9876543210')].map((r) => ({
      ...r,
      origin: 'x',
    }));
    const r = workerReports(results, PLAN_ID, 2, undefined)!;
    expect(r.total).toBe(3);
    expect([...r.reported].sort()).toEqual([1, 2]);
    expect([...r.reportedThisAttempt]).toEqual([2]);
    expect(workerReports([], PLAN_ID, 1, undefined)).toBeUndefined();
  });
});

/** A loopback API server with one namespace of ConfigMaps: list by label selector and delete with preconditions. */
async function apiServer(objects: KubeObject[], forbid = false) {
  const store = new Map(objects.map((o) => [o.metadata!.name!, o]));
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const reply = (status: number, value: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
      if (forbid) return reply(403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' });
      if (req.method === 'GET' && url.pathname === '/api/v1/namespaces/ci/configmaps') {
        const wanted = (url.searchParams.get('labelSelector') ?? '').split(',').map((r) => r.split('='));
        const items = [...store.values()].filter((o) => wanted.every(([k, v]) => o.metadata?.labels?.[k!] === v));
        return reply(200, { kind: 'ConfigMapList', metadata: {}, items });
      }
      const name = /^\/api\/v1\/namespaces\/ci\/configmaps\/([a-z0-9-]+)$/.exec(url.pathname)?.[1];
      if (req.method === 'DELETE' && name) {
        const current = store.get(name);
        if (!current) return reply(404, { kind: 'Status', code: 404, reason: 'NotFound' });
        const pre = (JSON.parse(body) as { preconditions?: { uid?: string } }).preconditions;
        if (pre?.uid !== current.metadata?.uid) return reply(409, { kind: 'Status', code: 409, reason: 'Conflict' });
        store.delete(name);
        return reply(200, { kind: 'Status', status: 'Success' });
      }
      reply(404, { kind: 'Status', code: 404, reason: 'NotFound' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push(server);
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: u, user: {token: test-token}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');
  return { store, requests, kubeconfig };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function queueConfigMap(identity: RunIdentity, name = queueName(identity), uid = 'uid-1'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ci', uid, resourceVersion: '7', ...queueMetadata(identity, Date.now()) },
    data: { 'state.json': JSON.stringify(createQueueState(identity.planId, [1, 2, 3], 3)) },
  };
}

async function mergeWith(kubeconfig: string, workers: number[], extra: Record<string, string> = {}) {
  const workspace = await tempWorkspace();
  const transport = directoryTransport(path.join(workspace, 'gauntlet-shard-results'), workspace, {
    workspace,
    alsoUnder: [],
  });
  for (const w of workers) await transport.write(result(w));
  return runInProcess({
    workspace,
    inputs: { mode: 'merge', 'plan-id': PLAN_ID, namespace: 'ci', kubeconfig, report: 'false', ...extra },
  });
}

describe('merge deletes the run’s queue', () => {
  it('once every worker reported; a look-alike with copied labels is left alone', async () => {
    const mine = queueConfigMap(RUN);
    const lookAlike = queueConfigMap(RUN, 'gauntlet-queue-0000000000', 'uid-2');
    const api = await apiServer([mine, lookAlike]);
    const merge = await mergeWith(api.kubeconfig, [1, 2, 3]);
    expect(merge.error).toBeUndefined();
    expect([...api.store.keys()]).toEqual(['gauntlet-queue-0000000000']);
    expect(merge.logger.messages('info').join('\n')).toMatch(/deleted gauntlet-queue-\w+ in namespace ci/);
    expect(merge.logger.messages('warning').join('\n')).toMatch(/gauntlet-queue-0000000000 .* left alone/);
    expect(api.requests[0]).toContain(
      'labelSelector=gauntlet.dev%2Fmanaged-by%3Dshard-and-run%2Cgauntlet.dev%2Fcomponent%3Dqueue',
    );
  });

  it('keeps it when a worker sent no result (and the merge fails); keep-resources deletes nothing', async () => {
    const api = await apiServer([queueConfigMap(RUN)]);
    // Without the plan a missing worker fails the merge; the clean-up has run all the same.
    const partial = await mergeWith(api.kubeconfig, [1, 3]);
    expect(partial.error?.message).toMatch(/1 shard sent no result \(2\)/);
    expect(api.store.size).toBe(1);
    expect(partial.logger.messages('warning').join('\n')).toMatch(/kept gauntlet-queue-\w+ .*worker\(s\) 2 sent/);
    const kept = await mergeWith(api.kubeconfig, [1, 2, 3], { 'keep-resources': 'true' });
    expect(kept.error).toBeUndefined();
    expect(api.store.size).toBe(1);
    expect(api.requests.filter((r) => r.startsWith('DELETE'))).toEqual([]);
  });

  it('a cluster that refuses is a warning, never a failed merge', async () => {
    const api = await apiServer([queueConfigMap(RUN)], true);
    const merge = await mergeWith(api.kubeconfig, [1, 2, 3]);
    expect(merge.error).toBeUndefined();
    expect(merge.outputs['conclusion']).toBe('success');
    expect(merge.logger.messages('warning').join('\n')).toMatch(/could not list the queue ConfigMaps .*403/);
    expect(merge.logger.text()).not.toContain('test-token');
  });
});
