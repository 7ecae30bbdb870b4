/**
 * Toxiproxy dependency faults on the test bed's real Toxiproxy in front of real loopback services: each toxic is
 * added under the run's name, checked on the API (and for down, on the wire), removed from a serialised ledger
 * entry alone, and checked as gone; the reaper removes what a lost ledger left, by the expiry in the name only.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import type { KubeClient } from '@gauntlet/kube';
import {
  ToxiproxyClient,
  loadBackend,
  loadExperiments,
  reapLeftovers,
  revertEntry,
  verifyReverted,
  type FaultContext,
  type FaultSpec,
  type LedgerEntry,
} from '@gauntlet/chaos';
import { uniqueName } from '../support/polling.js';

const tb = getTestbed();
const toxi = new ToxiproxyClient(tb.toxiproxyUrl);
const proxyName = uniqueName('chaos-dep');
let echo: net.Server;
let port: number;
const revertCtx = { client: {} as KubeClient, log: () => undefined };

/** Round trip through the proxy: the echo's answer, or the error the client saw. */
function roundTrip(): Promise<{ ms: number } | { error: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const sock = net.connect(port, '127.0.0.1', () => sock.write('ping\n'));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ error: 'no answer' });
    }, 5_000);
    sock.once('data', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ms: performance.now() - started });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: e.code ?? e.message });
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ error: 'closed' });
    });
  });
}

beforeAll(async () => {
  // Toxiproxy resets its upstream connections too: the echo ignores the reset, as a real service would.
  echo = net.createServer((s) => s.on('error', () => s.destroy()).pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const proxy = await toxi.createProxy(proxyName, '127.0.0.1:0', `127.0.0.1:${(echo.address() as AddressInfo).port}`);
  port = Number(proxy.listen.split(':').at(-1));
});

afterAll(async () => {
  await toxi.deleteProxy(proxyName).catch(() => undefined);
  await new Promise((r) => echo.close(r));
});

function fault(spec: string): { fault: FaultSpec; ctx: FaultContext } {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: dep }
spec:
  targets: []
  steps: [{ faults: [${spec.replace('PROXY', proxyName)}] }]
`,
    'dep.yaml',
  );
  const ctx: FaultContext = {
    client: revertCtx.client,
    runId: uniqueName('run'),
    experiment: e!.name,
    targets: new Map(),
    defaultNamespace: 'default',
    dryRun: false,
    limitTargets: (c) => [...c],
    log: () => undefined,
    now: Date.now,
    toxiproxyUrl: tb.toxiproxyUrl,
  };
  return { fault: e!.steps[0]!.faults[0]!, ctx };
}

async function inject(spec: string): Promise<{ entry: LedgerEntry; detail: string }> {
  const { fault: f, ctx } = fault(spec);
  const backend = await loadBackend(f.type);
  const entry = await backend.plan(f, ctx);
  await backend.inject(f, entry, ctx);
  const verified = await backend.verifyInjected(f, entry, ctx);
  expect(verified.ok, verified.detail).toBe(true);
  return { entry, detail: verified.detail };
}

async function revertFromCopy(entry: LedgerEntry): Promise<void> {
  const copy = JSON.parse(JSON.stringify(entry)) as LedgerEntry;
  await revertEntry(copy, revertCtx);
  const check = await verifyReverted(copy, revertCtx);
  expect(check.ok, check.detail).toBe(true);
  expect((await toxi.proxy(proxyName))!.toxics).toEqual([]);
}

describe('toxiproxy faults', () => {
  it('latency with jitter slows the real round trip, and the revert removes the toxic by name', async () => {
    expect('ms' in (await roundTrip())).toBe(true);
    const { entry } = await inject(
      '{ type: toxiproxy, proxy: PROXY, toxic: latency, duration: 10s, attributes: { latency: 300, jitter: 10 } }',
    );
    expect(entry.toxics![0]!.name).toMatch(/^gauntlet-chaos-s1f1-/);
    const slowed = await roundTrip();
    expect('ms' in slowed && slowed.ms).toBeGreaterThan(250); // lower bound only
    await revertFromCopy(entry);
    expect('ms' in (await roundTrip())).toBe(true);
  });

  it('down resets every connection (seen on the wire), and the service answers again after the revert', async () => {
    const { entry, detail } = await inject('{ type: toxiproxy, proxy: PROXY, toxic: down, duration: 10s }');
    expect(detail).toMatch(/resets connections/);
    expect(await roundTrip()).toHaveProperty('error');
    await revertFromCopy(entry);
    expect('ms' in (await roundTrip())).toBe(true);
  });

  it.each([
    '{ type: toxiproxy, proxy: PROXY, toxic: bandwidth, duration: 10s, attributes: { rate: 1 } }',
    '{ type: toxiproxy, proxy: PROXY, toxic: timeout, duration: 10s, attributes: { timeout: 100 } }',
    '{ type: toxiproxy, proxy: PROXY, toxic: reset_peer, duration: 10s, stream: upstream }',
    '{ type: toxiproxy, proxy: PROXY, toxic: slicer, duration: 10s, attributes: { average_size: 1, delay: 10 } }',
    '{ type: toxiproxy, proxy: PROXY, toxic: limit_data, duration: 10s, toxicity: 50%, attributes: { bytes: 2 } }',
  ])('%s: in effect on the API as asked, then gone', async (spec) => {
    const { entry } = await inject(spec);
    const live = (await toxi.proxy(proxyName))!.toxics;
    expect(live.map((t) => t.name)).toEqual([entry.toxics![0]!.name]);
    await revertFromCopy(entry);
  });

  it('an unknown proxy is refused before any write, naming the nearest; no toxiproxy-url says what to give', async () => {
    const { fault: f, ctx } = fault(`{ type: toxiproxy, proxy: ${proxyName}x, toxic: down, duration: 10s }`);
    const backend = await loadBackend(f.type);
    await expect(backend.plan(f, ctx)).rejects.toThrow(
      new RegExp(`no proxy '${proxyName}x'.*did you mean '${proxyName}'`),
    );
    const { toxiproxyUrl: _url, ...without } = ctx;
    await expect(backend.plan(f, without)).rejects.toThrow(/needs a Toxiproxy API \(toxiproxy-url\)/);
  });

  it('a toxic never removed by its run (ledger lost) is reaped after its expiry, and no one else’s toxic is', async () => {
    const { entry } = await inject('{ type: toxiproxy, proxy: PROXY, toxic: down, duration: 10s }');
    await toxi.addToxic(proxyName, {
      name: 'someone-elses',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 1 },
    });
    // This proxy only: the instant an hour on would also reap the live toxics of others sharing the Toxiproxy.
    const options = { namespaces: [], toxiproxyUrls: [tb.toxiproxyUrl], proxies: [proxyName] };
    const early = await reapLeftovers(revertCtx, { ...options, now: Date.now() });
    expect(early.join('\n')).toContain(`${entry.toxics![0]!.name}: not expired, left`);
    const late = await reapLeftovers(revertCtx, { ...options, now: Date.now() + 3_600_000 });
    expect(late.join('\n')).toContain(`${entry.toxics![0]!.name}: removed`);
    expect((await toxi.proxy(proxyName))!.toxics.map((t) => t.name)).toEqual(['someone-elses']);
    await toxi.removeToxic(proxyName, 'someone-elses');
  });
});
