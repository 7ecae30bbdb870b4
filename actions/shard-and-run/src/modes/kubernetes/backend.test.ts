import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import type { KubeClient, KubeObject } from '@gauntlet/kube';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForJob } from './backend.js';
import { connect } from './connect.js';

const TOKEN = 'shard-test-token-0123456789';
const job = (resourceVersion: string, conditions: object[] = []): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'ns', resourceVersion },
  status: { active: conditions.length ? 0 : 2, succeeded: conditions.length ? 2 : 0, conditions },
});

let server: http.Server;
let seen: { url: string; authorization: string | undefined; registeredBefore: string[] }[];
let registered: string[];
let watchEvents: KubeObject[];
let kubeconfig: string;

beforeEach(async () => {
  seen = [];
  registered = [];
  watchEvents = [];
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, registeredBefore: [...registered] });
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (url.searchParams.get('watch') === '1') {
      // Events, then the stream stays open: only a stop on the client's side (or the signal) ends it.
      for (const object of watchEvents) res.write(`${JSON.stringify({ type: 'MODIFIED', object })}\n`);
      return;
    }
    res.end(JSON.stringify(job('5')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-kube-'));
  kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${(server.address() as AddressInfo).port}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: u, user: {token: ${TOKEN}}}]`,
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function client(): Promise<KubeClient> {
  return connect({ path: kubeconfig }, (value) => {
    if (value) registered.push(value);
  });
}

describe('the Kubernetes backend on @gauntlet/kube', () => {
  it('registers the kubeconfig’s token before the first request, and sends it', async () => {
    const api = await client();
    expect(registered).toContain(TOKEN);
    await api.get('/api/v1/namespaces/ns');
    expect(seen).toEqual([
      { url: '/api/v1/namespaces/ns', authorization: `Bearer ${TOKEN}`, registeredBefore: registered },
    ]);
    api.close();
  });

  it('waitForJob stops its watch at the event that finishes the Job', async () => {
    watchEvents = [job('6'), job('7', [{ type: 'Complete', status: 'True' }])];
    const api = await client();
    const done = await waitForJob(api, 'ns', 'j', {
      deadlineMs: Date.now() + 60_000,
      signal: new AbortController().signal,
      logger: new RecordingLogger(),
    });
    expect(done?.metadata?.resourceVersion).toBe('7');
    expect(seen.map((s) => new URL(s.url, 'http://x').pathname)).toEqual([
      '/apis/batch/v1/namespaces/ns/jobs/j',
      '/apis/batch/v1/namespaces/ns/jobs',
    ]);
    const watch = new URL(seen[1]!.url, 'http://x').searchParams;
    expect([watch.get('fieldSelector'), watch.get('resourceVersion')]).toEqual(['metadata.name=j', '5']);
    api.close();
  });

  it('waitForJob returns at once, without a result, when the step is cancelled mid-watch', async () => {
    watchEvents = [job('6')];
    const api = await client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    // The deadline is far past the test's timeout: only the cancellation can end the wait before the test fails.
    const done = await waitForJob(api, 'ns', 'j', {
      deadlineMs: Date.now() + 3_600_000,
      signal: controller.signal,
      logger: new RecordingLogger(),
    });
    expect(done).toBeUndefined();
    expect(seen).toHaveLength(2);
    api.close();
  });
});
