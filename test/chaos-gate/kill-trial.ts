/**
 * Kill-point trials for chaos-gate's rollback (reliability plan CH-04): the real bundle runs an experiment of every
 * revertible fault kind at once (scale-down, a partition and a DNS-failure NetworkPolicy, a pod ResourceQuota and a
 * Toxiproxy toxic), in two steps, and is signalled at a seeded random instant with SIGINT (the runner's cancel:
 * SIGINT, 7.5 s, SIGTERM, 2.5 s, SIGKILL), SIGTERM first (then SIGKILL 2.5 s later) or SIGKILL at once. Then the
 * post step runs from the saved state alone; or, for the SIGKILL-and-no-post route, the reaper runs after the
 * faults' expiry. A trial passes only with nothing of ours left in the cluster or on Toxiproxy.
 *
 * Shared by test/chaos-gate/kill-points.test.ts (a few seeds) and bench/chaos (hundreds).
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '@gauntlet/action-kit';
import { CHAOS_ANNOTATIONS, CHAOS_LABELS, ToxiproxyClient, reapLeftovers } from '@gauntlet/chaos';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import type { KubeConfig } from '@kubernetes/client-node';
import { createWebNamespace } from './web-namespace.js';

export type KillSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';
/** After the kill: the post step (the action's own), or no post step and the reaper once the faults expired. */
export type KillRoute = 'post' | 'reaper';

export interface KillBedOptions {
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  readonly toxiproxyUrl: string;
  /** The action folder to run (actions/chaos-gate, or a bench's private copy of the bundle). */
  readonly actionDir: string;
  readonly namespace: string;
}

export interface KillBed {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly proxy: string;
  readonly toxiproxyUrl: string;
  readonly actionDir: string;
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

const WEB_REPLICAS = 3;

/** A namespace with a 3-replica Deployment (kwok pods) and a Toxiproxy proxy in front of a loopback echo. */
export async function startKillBed(options: KillBedOptions): Promise<KillBed> {
  const client = await KubeClient.create(options.kubeConfig);
  const ns = options.namespace;
  await createWebNamespace(client, ns, WEB_REPLICAS);
  const echo = net.createServer((s) => s.on('error', () => s.destroy()).pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const toxi = new ToxiproxyClient(options.toxiproxyUrl);
  const proxy = `${ns}-dep`;
  await toxi.createProxy(proxy, '127.0.0.1:0', `127.0.0.1:${(echo.address() as AddressInfo).port}`);
  return {
    client,
    namespace: ns,
    proxy,
    toxiproxyUrl: options.toxiproxyUrl,
    actionDir: options.actionDir,
    kubeconfigPath: options.kubeconfigPath,
    async close() {
      await toxi.deleteProxy(proxy).catch(() => undefined);
      await new Promise((r) => echo.close(r));
      await client
        .request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
        .catch(() => undefined);
      client.close();
    },
  };
}

/** Two steps: four faults in parallel, then two more; every kind the reaper and the post step must undo. */
export function killExperiment(proxy: string, faultMs = 2_500): string {
  const d = `${faultMs}ms`;
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: kill-points }
spec:
  targets:
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: web, kind: Deployment, selector: { app: web } }
  steps:
    - faults:
        - { type: scale-down, target: web, replicas: 1, duration: ${d} }
        - { type: network-partition, target: web-pods, duration: ${d} }
        - { type: toxiproxy, proxy: ${proxy}, toxic: latency, attributes: { latency: 50 }, duration: ${d} }
    - faults:
        - { type: resource-exhaustion, duration: ${d} }
        - { type: dns-failure, target: web-pods, duration: ${d} }
  steadyState:
    slos: none
    probes: [{ name: alive, command: ["true"] }]
  recoveryTimeout: 5s
`;
}

export async function killWorkspace(bed: KillBed): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-kill-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(path.join(dir, 'chaos', 'kill.yaml'), killExperiment(bed.proxy));
  return dir;
}

export function runChaosGate(
  bed: KillBed,
  workspace: string,
  options: {
    cancelAfterMs?: number;
    cancelWith?: KillSignal;
    skipPost?: boolean;
    onLine?: (line: string, step: 'main' | 'post') => void;
  } = {},
): Promise<RunResult> {
  return runActionLocally({
    actionDir: bed.actionDir,
    workspace,
    inputs: {
      namespace: bed.namespace,
      experiments: 'chaos/*.yaml',
      interval: '500ms',
      'halt-label': '',
      'github-token': '',
      'toxiproxy-url': bed.toxiproxyUrl,
    },
    env: {
      KUBECONFIG: bed.kubeconfigPath,
      GITHUB_RUN_ID: String(Math.floor(Math.random() * 1e9)),
      GITHUB_RUN_ATTEMPT: '1',
    },
    ...(options.cancelAfterMs === undefined
      ? {}
      : {
          cancelAfterMs: options.cancelAfterMs,
          cancelWith: options.cancelWith ?? 'SIGINT',
          // The runner's own gaps: a slow inline revert is cut short by the SIGKILL and left to the post step.
          signalScheduleMs: { sigintToSigterm: 7_500, sigtermToSigkill: 2_500 },
        }),
    ...(options.skipPost ? { skipPost: true } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
}

/**
 * Everything of ours still in the cluster or on Toxiproxy, one line each: chaos-labelled NetworkPolicies and
 * ResourceQuotas, web not at its replicas or still carrying our restore annotation, toxics with our prefix.
 */
export async function leftovers(bed: KillBed): Promise<string[]> {
  const left: string[] = [];
  for (const type of [types.networkPolicy, types.resourceQuota]) {
    const items = await bed.client.list(collectionPath(type, bed.namespace), { labelSelector: CHAOS_LABELS.run });
    for (const o of items.items) if (!o.metadata?.deletionTimestamp) left.push(`${type.kind} ${o.metadata?.name}`);
  }
  const web = await bed.client.get<KubeObject>(objectPath(types.deployment, bed.namespace, 'web'));
  const replicas = (web.spec as { replicas: number }).replicas;
  if (replicas !== WEB_REPLICAS) left.push(`Deployment web at ${replicas} replicas, not ${WEB_REPLICAS}`);
  if (web.metadata?.annotations?.[CHAOS_ANNOTATIONS.restore] !== undefined)
    left.push(`Deployment web still has ${CHAOS_ANNOTATIONS.restore}`);
  const proxy = await new ToxiproxyClient(bed.toxiproxyUrl).proxy(bed.proxy);
  for (const t of proxy?.toxics ?? []) left.push(`toxic ${t.name} on ${bed.proxy}`);
  return left;
}

/** Chaos objects left without an expiry the reaper can read (after a SIGKILL, each must expire by itself). */
export async function withoutExpiry(bed: KillBed): Promise<string[]> {
  const out: string[] = [];
  for (const type of [types.networkPolicy, types.resourceQuota]) {
    const items = await bed.client.list(collectionPath(type, bed.namespace), { labelSelector: CHAOS_LABELS.run });
    for (const o of items.items)
      if (!Number.isFinite(Date.parse(o.metadata?.annotations?.[CHAOS_ANNOTATIONS.expires] ?? '')))
        out.push(`${type.kind} ${o.metadata?.name}`);
  }
  return out;
}

/**
 * The reaper, as mode reap runs it, at an instant after every fault of the trial expired; on this bed's proxy only,
 * as that instant would also reap the live toxics of others sharing the test bed's Toxiproxy.
 */
export async function reapAfterExpiry(bed: KillBed): Promise<string[]> {
  return reapLeftovers(
    { client: bed.client, log: () => undefined },
    {
      namespaces: [bed.namespace],
      now: Date.now() + 3_600_000,
      toxiproxyUrls: [bed.toxiproxyUrl],
      proxies: [bed.proxy],
    },
  );
}

/** Puts the bed back after a trial that failed, so the next trial starts clean (the failure is already counted). */
export async function resetBed(bed: KillBed): Promise<void> {
  await reapAfterExpiry(bed).catch(() => undefined);
  const toxi = new ToxiproxyClient(bed.toxiproxyUrl);
  for (const t of (await toxi.proxy(bed.proxy))?.toxics ?? []) await toxi.removeToxic(bed.proxy, t.name);
  await bed.client.request({
    method: 'PATCH',
    path: objectPath(types.deployment, bed.namespace, 'web'),
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas: WEB_REPLICAS }, metadata: { annotations: { [CHAOS_ANNOTATIONS.restore]: null } } },
  });
}

export interface KillTrial {
  readonly seed: number;
  readonly signal: KillSignal;
  readonly route: KillRoute;
  readonly killAtMs: number;
}

export interface KillOutcome extends KillTrial {
  /** What the saved ledger held at the kill: faults per state ('injected' ones were in effect). */
  readonly ledger: Record<string, number>;
  /** Faults injected and not yet reverted when the signal arrived, from the main step's log. */
  readonly inEffectAtKill: number;
  readonly signalsSent: readonly string[];
  readonly left: readonly string[];
  /** SIGKILL: chaos objects without a readable expiry at the moment of the kill (must be none). */
  readonly noExpiry: readonly string[];
  readonly postLog: readonly string[];
  /**
   * SIGINT/SIGTERM with faults in effect: ms from the action's "Received SIG…" line to its last revert line (main or
   * post step), as the lines arrived here.
   */
  readonly revertMs?: number;
}

/** Every signal and route once: SIGINT and SIGTERM then the post step, SIGKILL then the post step or the reaper. */
export const KILL_KINDS: readonly (readonly [KillSignal, KillRoute])[] = [
  ['SIGINT', 'post'],
  ['SIGTERM', 'post'],
  ['SIGKILL', 'post'],
  ['SIGKILL', 'reaper'],
];

/**
 * As many kills per signal: SIGKILL's two routes share its count (SIGINT, SIGTERM, SIGKILL+post, SIGINT, SIGTERM,
 * SIGKILL+reaper, …).
 */
export const PER_SIGNAL_KINDS: readonly (readonly [KillSignal, KillRoute])[] = [
  ['SIGINT', 'post'],
  ['SIGTERM', 'post'],
  ['SIGKILL', 'post'],
  ['SIGINT', 'post'],
  ['SIGTERM', 'post'],
  ['SIGKILL', 'reaper'],
];

/** The trials of a seed: kill instants uniform over [0, spanMs), one signal and route per trial, round-robin. */
export function killTrials(
  seed: number,
  count: number,
  spanMs: number,
  kinds: readonly (readonly [KillSignal, KillRoute])[] = KILL_KINDS,
): KillTrial[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const [signal, route] = kinds[i % kinds.length]!;
    return { seed: seed + i, signal, route, killAtMs: Math.floor(random() * spanMs) };
  });
}

export async function runKillTrial(bed: KillBed, trial: KillTrial): Promise<KillOutcome> {
  const workspace = await killWorkspace(bed);
  let receivedAt: number | undefined;
  let lastRevertAt: number | undefined;
  const result = await runChaosGate(bed, workspace, {
    cancelAfterMs: trial.killAtMs,
    cancelWith: trial.signal,
    skipPost: trial.route === 'reaper',
    onLine: (line) => {
      if (receivedAt === undefined && /Received SIG(INT|TERM)/.test(line)) receivedAt = performance.now();
      else if (receivedAt !== undefined && /(: reverted: |Reverted and verified [1-9])/.test(line))
        lastRevertAt = performance.now();
    },
  });
  const ledger: Record<string, number> = {};
  try {
    for (const e of JSON.parse(result.state['ledger'] || '[]') as { state: string }[])
      ledger[e.state] = (ledger[e.state] ?? 0) + 1;
  } catch {
    ledger['unreadable'] = 1;
  }
  let inEffectAtKill = 0;
  for (const line of result.main.log) {
    if (/Received SIG(INT|TERM)/.test(line)) break;
    if (/^kill-points: injected: /.test(line)) inEffectAtKill++;
    if (/^kill-points: (reverted|revert incomplete|revert failed): /.test(line)) inEffectAtKill--;
  }
  const noExpiry = trial.signal === 'SIGKILL' ? await withoutExpiry(bed) : [];
  if (trial.route === 'reaper') await reapAfterExpiry(bed);
  const left = await leftovers(bed);
  if (left.length) await resetBed(bed);
  return {
    ...trial,
    ledger,
    inEffectAtKill,
    signalsSent: result.main.signalsSent,
    left,
    noExpiry,
    postLog: result.post?.log ?? [],
    ...(receivedAt !== undefined && lastRevertAt !== undefined && inEffectAtKill > 0
      ? { revertMs: lastRevertAt - receivedAt }
      : {}),
  };
}
