// The fault proxy in front of the real API server and the real Prometheus: every fault kind, request
// recording, and seeded reproducibility.
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, Watch, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed, prometheusError } from '@gauntlet/testbed';
import { apiError, createNamespace, deleteNamespace, uniqueName } from './helpers.js';

/** Reads a raw watch response through the proxy and returns its newline-delimited events. */
async function readWatch(
  url: string,
): Promise<{ type: string; object: { kind?: string; code?: number; reason?: string } }[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text(); // resolves only because the proxy ends the stream
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; object: { kind?: string; code?: number; reason?: string } });
}

describe('fault proxy in front of the API server', () => {
  const tb = getTestbed();
  let kc: KubeConfig;
  let ns: string;
  let proxy: FaultProxy;
  let core: CoreV1Api;

  beforeAll(async () => {
    kc = tb.kubeConfig();
    ns = await createNamespace(kc, 'tb-fault');
    proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
    core = proxy.kubeConfig().makeApiClient(CoreV1Api);
    // Three objects to watch (plus kube-root-ca.crt, which every namespace gets).
    for (const n of ['w1', 'w2', 'w3'])
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n } } });
  });
  afterEach(() => {
    proxy.clearRules();
    proxy.clearRequests();
  });
  afterAll(async () => {
    await proxy.close();
    await deleteNamespace(kc, ns);
  });

  it('forwards with the kubeconfig credentials and records every request', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((c) => c.metadata?.name)).toEqual(expect.arrayContaining(['w1', 'w2', 'w3']));
    const [req] = proxy.findRequests({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps$` });
    expect(req?.status).toBe(200);
    expect(req?.headers.authorization).toBeUndefined(); // the client sent no credentials; the proxy added them upstream
  });

  it.each([
    [409, 'Conflict'],
    [410, 'Expired'],
    [422, 'Invalid'],
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
  ])(
    'answers %i with a Kubernetes Status (%s) for the matching route only, as often as asked',
    async (status, reason) => {
      const rule = proxy.addRule({
        method: 'POST',
        path: /\/configmaps$/,
        times: 1,
        action: { type: 'status', status },
      });
      const name = uniqueName('cm');
      const err = await apiError(() => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } }));
      expect(err.code).toBe(status);
      expect(err.status.reason).toBe(reason);
      // Not applied: the request never reached the API server.
      expect((await apiError(() => core.readNamespacedConfigMap({ name, namespace: ns }))).code).toBe(404);
      // `times: 1` is spent: the retry goes through.
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
      expect(rule.fired).toBe(1);
      expect(proxy.requests.map((r) => r.status)).toEqual([status, 404, 201]);
    },
  );

  it('answers 429 with Retry-After', async () => {
    proxy.addRule({ path: /^\/api\/v1\/namespaces$/, action: { type: 'status', status: 429, retryAfterSeconds: 7 } });
    const res = await fetch(`${proxy.url}/api/v1/namespaces`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { reason: string }).reason).toBe('TooManyRequests');
  });

  it('loses the response after the write was applied (5xx after forwarding)', async () => {
    proxy.addRule({
      method: 'POST',
      path: /\/configmaps$/,
      times: 1,
      action: { type: 'status', status: 504, afterForward: true },
    });
    const name = uniqueName('applied');
    const err = await apiError(() =>
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { k: 'v' } } }),
    );
    expect(err.code).toBe(504);
    const cm = await core.readNamespacedConfigMap({ name, namespace: ns }); // yet the object exists
    expect(cm.data?.k).toBe('v');
  });

  it('resets connections, before or after the request reached the server', async () => {
    proxy.addRule({ method: 'POST', path: /\/configmaps$/, times: 1, action: { type: 'reset' } });
    const lost = uniqueName('reset');
    await expect(
      fetch(`${proxy.url}/api/v1/namespaces/${ns}/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { name: lost } }),
      }),
    ).rejects.toThrow();
    expect((await apiError(() => core.readNamespacedConfigMap({ name: lost, namespace: ns }))).code).toBe(404);

    proxy.addRule({ method: 'POST', path: /\/configmaps$/, times: 1, action: { type: 'reset', afterForward: true } });
    const applied = uniqueName('reset-after');
    await expect(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: applied } } }),
    ).rejects.toThrow();
    await core.readNamespacedConfigMap({ name: applied, namespace: ns });
  });

  it('adds latency', async () => {
    proxy.addRule({ method: 'GET', path: /\/configmaps\/w1$/, delayMs: 250, action: { type: 'forward' } });
    const started = performance.now();
    const cm = await core.readNamespacedConfigMap({ name: 'w1', namespace: ns });
    expect(cm.metadata?.name).toBe('w1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250); // lower bound only
  });

  it('cuts a watch stream after N events: clean EOF, 410 Expired event, or reset', async () => {
    const watchUrl = `${proxy.url}/api/v1/namespaces/${ns}/configmaps?watch=true`;
    proxy.addRule({
      method: 'GET',
      query: { watch: 'true' },
      times: 1,
      action: { type: 'cut-watch', afterEvents: 2, then: 'eof' },
    });
    const eof = await readWatch(watchUrl);
    expect(eof.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);

    proxy.addRule({
      method: 'GET',
      query: { watch: 'true' },
      times: 1,
      action: { type: 'cut-watch', afterEvents: 3, then: 'expired' },
    });
    const expired = await readWatch(watchUrl);
    expect(expired.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED', 'ERROR']);
    expect(expired[3]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });

    // client-node's Watch gets the event sent before an abort, then its `done` callback with an error.
    proxy.addRule({
      method: 'GET',
      query: { watch: 'true' },
      times: 1,
      action: { type: 'cut-watch', afterEvents: 1, then: 'abort' },
    });
    const seen: string[] = [];
    const doneWith = await new Promise<unknown>((resolve) => {
      void new Watch(proxy.kubeConfig()).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        {},
        (phase) => seen.push(phase),
        resolve,
      );
    });
    expect(seen).toEqual(['ADDED']);
    expect(doneWith).toBeTruthy();

    // A reset mid-stream fails the client's read.
    proxy.addRule({
      method: 'GET',
      query: { watch: 'true' },
      times: 1,
      action: { type: 'cut-watch', afterEvents: 1, then: 'reset' },
    });
    const res = await fetch(watchUrl);
    await expect(res.text()).rejects.toThrow();
  });

  it('hang holds a request unanswered until the client gives up, and records that it was held', async () => {
    proxy.addRule({ name: 'hang', method: 'GET', path: /\/configmaps\/w1$/, times: 1, action: { type: 'hang' } });
    const controller = new AbortController();
    const pending = fetch(`${proxy.url}/api/v1/namespaces/${ns}/configmaps/w1`, { signal: controller.signal });
    for (let i = 0; i < 100 && !proxy.requests.some((r) => r.held); i++) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.requests.map((r) => [r.fault, r.held, r.status])).toEqual([['hang', true, undefined]]);
    controller.abort();
    await expect(pending).rejects.toThrow();
    for (let i = 0; i < 100 && proxy.requests.some((r) => r.held); i++) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.requests.map((r) => [r.fault, r.held, r.status])).toEqual([['hang', false, undefined]]);
    // The rule fired once: the next request goes through.
    expect((await fetch(`${proxy.url}/api/v1/namespaces/${ns}/configmaps/w1`)).status).toBe(200);
  });

  it('records query parameters so tests can assert what was never sent (e.g. force=true)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(proxy.kubeConfig());
    const name = uniqueName('ssa');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: '1' } };
    await objects.patch(cm, undefined, undefined, 'gauntlet-test', false, PatchStrategy.ServerSideApply);
    expect(proxy.findRequests({ query: { force: 'true' } })).toHaveLength(0);
    const [apply] = proxy.findRequests({ method: 'PATCH', path: new RegExp(`/configmaps/${name}$`) });
    expect(apply?.query.fieldManager).toEqual(['gauntlet-test']);
    expect(apply?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(JSON.parse(apply!.body)).toMatchObject({ data: { a: '1' } });

    await objects.patch(cm, undefined, undefined, 'gauntlet-test', true, PatchStrategy.ServerSideApply);
    expect(proxy.findRequests({ query: { force: 'true' } })).toHaveLength(1);
  });

  it('terminates TLS with its own certificate and writes a kubeconfig for it', async () => {
    const tlsProxy = await FaultProxy.forKubeconfig(tb.kubeconfig, { tls: true });
    try {
      expect(tlsProxy.url.startsWith('https://127.0.0.1:')).toBe(true);
      const file = tlsProxy.writeKubeconfig(undefined, ns);
      const kcFromFile = new (await import('@kubernetes/client-node')).KubeConfig();
      kcFromFile.loadFromFile(file);
      const list = await kcFromFile.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns });
      expect(list.items.length).toBeGreaterThanOrEqual(3);
      expect(tlsProxy.requests).toHaveLength(1);
    } finally {
      await tlsProxy.close();
    }
  });
});

describe('fault proxy in front of Prometheus', () => {
  const tb = getTestbed();
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await FaultProxy.start({ upstream: tb.prometheusUrl, seed: 42 });
  });
  afterAll(async () => proxy.close());

  async function statuses(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await fetch(`${proxy.url}/api/v1/query?query=up`)).status);
    return out;
  }

  it('injects faults with a seeded probability, reproducibly', async () => {
    proxy.addRule({
      path: '^/api/v1/query$',
      probability: 0.5,
      action: { type: 'status', status: 503, body: prometheusError('unavailable', 'injected') },
    });
    const first = await statuses(20);
    proxy.reseed(42);
    const second = await statuses(20);
    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(503);
    const failed = proxy.requests.find((r) => r.status === 503);
    expect(failed?.fault).toBe('status');
  });

  it('lets the first N requests through with `after`', async () => {
    proxy.clearRules();
    proxy.addRule({
      path: '^/api/v1/query$',
      after: 2,
      action: { type: 'status', status: 422, body: prometheusError('bad_data', 'x') },
    });
    expect(await statuses(4)).toEqual([200, 200, 422, 422]);
  });
});
