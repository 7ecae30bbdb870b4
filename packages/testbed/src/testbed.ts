// up / down / status for the whole test bed. Each component is handled on its own, so a dead Prometheus
// is restarted without recreating the cluster, and callers (the vitest set-up) can ask for a subset.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries, readBinaries } from './binaries.js';
import { clusterHealthy, clusterProcessesAlive, deleteCluster, startCluster } from './kwok-cluster.js';
import { runStateDir } from './paths.js';
import { prometheusHealthy, startPrometheus, stopPrometheus } from './prometheus.js';
import { isProcessAlive } from './processes.js';
import { stderrLogger, type Logger } from './progress.js';
import { readState, withStateLock, writeState, type TestbedState } from './state.js';
import { startToxiproxy, stopToxiproxy, toxiproxyHealthy } from './toxiproxy.js';
import { brokerHealthy, startBroker, stopBroker, type BrokerKind } from './brokers/index.js';
import { chaosMeshHealthy, startChaosMesh, stopChaosMesh } from './chaos-mesh.js';

export type Component = 'cluster' | 'prometheus' | 'toxiproxy' | BrokerKind | 'chaos-mesh';
/** What `up()` starts by default (and the vitest global set-up): brokers are started only on request. */
export const allComponents: readonly Component[] = ['cluster', 'prometheus', 'toxiproxy'];
export const brokerComponents: readonly BrokerKind[] = ['nats', 'rabbitmq', 'kafka'];
const isBroker = (c: Component): c is BrokerKind => (brokerComponents as readonly string[]).includes(c);
/** Started only on request, like the brokers: Chaos Mesh's controller-manager (ensureChaosMesh). */
export const onRequestComponents: readonly Component[] = [...brokerComponents, 'chaos-mesh'];

export interface UpOptions {
  /** Which components to bring up (default: all). */
  components?: readonly Component[];
  log?: Logger;
  /**
   * Register `holder` (a pid) as a user of the test bed; components this call starts are stopped by
   * `release()` once no live holder remains. Without it (env:up, scripts) the components stay up until
   * `down()`, including ones an earlier test run started.
   */
  holder?: number;
}

export interface UpResult {
  state: TestbedState;
  /** Components this call started (the rest were already running and healthy). */
  started: Component[];
}

async function healthy(state: TestbedState, c: Component): Promise<boolean> {
  switch (c) {
    case 'cluster':
      return !!state.cluster && (await clusterHealthy(state.cluster.kubeconfig, join(runStateDir(), 'kwok')));
    case 'prometheus':
      return (
        !!state.prometheus &&
        isProcessAlive(state.prometheus.pid, 'prometheus') &&
        (await prometheusHealthy(state.prometheus.url))
      );
    case 'toxiproxy':
      return (
        !!state.toxiproxy &&
        isProcessAlive(state.toxiproxy.pid, 'toxiproxy-server') &&
        (await toxiproxyHealthy(state.toxiproxy.url))
      );
    case 'chaos-mesh':
      return chaosMeshHealthy(state.chaosMesh, state.cluster);
    default:
      return brokerHealthy(state, c);
  }
}

/** Whether the processes recorded for a component are still alive (it may only be slow to answer). */
function recordedAlive(state: TestbedState, c: Component): boolean {
  switch (c) {
    case 'cluster':
      return !!state.cluster && clusterProcessesAlive(join(runStateDir(), 'kwok'));
    case 'prometheus':
      return !!state.prometheus && isProcessAlive(state.prometheus.pid, 'prometheus');
    case 'toxiproxy':
      return !!state.toxiproxy && isProcessAlive(state.toxiproxy.pid, 'toxiproxy-server');
    default:
      return false;
  }
}

/** How long a live component that does not answer its health check is waited for before it is restarted. */
export const SLOW_COMPONENT_GRACE_MS = 30_000;

/**
 * Healthy, or alive and answering within the grace period. On a loaded 2-core machine a health check can miss its
 * 2–3 s timeout; restarting a live Prometheus then moved it to a new port with an empty TSDB under every other
 * test run that shares the bed (their URLs went dead mid-run). A dead or unrecorded component is not waited for.
 */
async function healthyOrSlow(state: TestbedState, c: Component, log: Logger): Promise<boolean> {
  if (await healthy(state, c)) return true;
  const deadline = Date.now() + SLOW_COMPONENT_GRACE_MS;
  let said = false;
  while (recordedAlive(state, c) && Date.now() < deadline) {
    if (!said) log(`${c}: alive but not answering its health check; waiting up to ${SLOW_COMPONENT_GRACE_MS / 1000} s`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    if (await healthy(state, c)) return true;
  }
  return false;
}

/**
 * Brings the requested components up, reusing healthy running ones. Safe to call repeatedly and after a
 * crash: stale entries (dead pids, unhealthy cluster) are torn down and restarted.
 */
export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const log = opts.log ?? stderrLogger;
  const wanted = opts.components ?? allComponents;
  const runDir = runStateDir();
  mkdirSync(runDir, { recursive: true });
  return withStateLock(async () => {
    const state = readState();
    const started: Component[] = [];
    const toStart: Component[] = [];
    for (const c of wanted) {
      if (await healthyOrSlow(state, c, log)) log(`${c}: already running`);
      else toStart.push(c);
    }
    if (opts.holder !== undefined) {
      state.holders = [...liveHolders(state).filter((p) => p !== opts.holder), opts.holder];
      state.autoStop = [...new Set([...(state.autoStop ?? []), ...toStart])];
    } else {
      // An explicit `up` (env:up) keeps whatever it asked for running, even if a test run started it.
      state.autoStop = (state.autoStop ?? []).filter((c) => !wanted.includes(c));
    }
    writeState(state);
    if (toStart.length === 0) return { state, started };
    // Brokers need no Go binaries and start in parallel (Kafka's JVM and RabbitMQ's Erlang node take seconds).
    const brokers = toStart.filter(isBroker);
    const brokerStarts = Promise.allSettled(
      brokers.map(async (b) => {
        await stopBroker(state, b);
        await startBroker(state, b, runDir, log);
        started.push(b);
      }),
    );
    const core = toStart.filter((c) => !isBroker(c) && c !== 'chaos-mesh');
    const bins = core.length ? await ensureBinaries(log) : undefined;
    for (const c of core) {
      if (!bins) break;
      // Whatever is recorded for this component is dead or unhealthy: clean it up before restarting.
      if (c === 'cluster') {
        await deleteCluster(bins, runDir, state.cluster?.name, log);
        delete state.cluster;
        writeState(state);
        state.cluster = await startCluster(bins, runDir, log);
      } else if (c === 'prometheus') {
        await stopPrometheus(state.prometheus);
        delete state.prometheus;
        writeState(state);
        state.prometheus = await startPrometheus(bins, runDir, log);
      } else {
        await stopToxiproxy(state.toxiproxy);
        delete state.toxiproxy;
        writeState(state);
        state.toxiproxy = await startToxiproxy(bins, runDir, log);
      }
      writeState(state); // after each component, so a failure later still lets `down` find this one
      started.push(c);
    }
    if (toStart.includes('chaos-mesh')) {
      const kubectl = join((bins ?? (await ensureBinaries(log))).kubeBinDir, 'kubectl');
      if (!state.cluster)
        throw new Error('chaos-mesh needs the cluster: up({ components: ["cluster", "chaos-mesh"] })');
      await stopChaosMesh(state.chaosMesh);
      delete state.chaosMesh;
      writeState(state);
      state.chaosMesh = await startChaosMesh(kubectl, state.cluster, runDir, log);
      writeState(state);
      started.push('chaos-mesh');
    }
    const failed = (await brokerStarts).filter((r) => r.status === 'rejected');
    writeState(state);
    if (failed[0]) throw failed[0].reason;
    return { state, started };
  });
}

function liveHolders(state: TestbedState): number[] {
  return (state.holders ?? []).filter((pid) => isProcessAlive(pid));
}

/**
 * Ends `holder`'s use of the test bed. When no other live test run holds it, stops the components
 * test runs started (never ones started by env:up or used from outside). With `keep`, only unregisters.
 */
export async function release(holder: number, opts: { log?: Logger; keep?: boolean } = {}): Promise<Component[]> {
  const log = opts.log ?? stderrLogger;
  const toStop = await withStateLock(async () => {
    const state = readState();
    state.holders = liveHolders(state).filter((p) => p !== holder);
    const stop = state.holders.length === 0 && !opts.keep ? (state.autoStop ?? []) : [];
    if (state.holders.length > 0) log(`test bed still used by pid ${state.holders.join(', ')}: leaving it running`);
    writeState(state);
    return stop;
  });
  if (toStop.length) await down({ components: toStop, log });
  return toStop;
}

export interface DownOptions {
  components?: readonly Component[];
  log?: Logger;
}

/** Stops the requested components (default: all). Never fails on already-stopped or half-started ones. */
export async function down(opts: DownOptions = {}): Promise<void> {
  const log = opts.log ?? stderrLogger;
  const wanted = opts.components ?? [...allComponents, ...onRequestComponents];
  const runDir = runStateDir();
  await withStateLock(async () => {
    const state = readState();
    state.autoStop = (state.autoStop ?? []).filter((c) => !wanted.includes(c));
    if (wanted.includes('chaos-mesh') && state.chaosMesh) {
      await stopChaosMesh(state.chaosMesh);
      delete state.chaosMesh;
      writeState(state);
      log('chaos-mesh: stopped');
    }
    for (const b of wanted.filter(isBroker)) {
      if (!state[b]) continue;
      await stopBroker(state, b);
      writeState(state);
      log(`${b}: stopped`);
    }
    if (wanted.includes('toxiproxy')) {
      await stopToxiproxy(state.toxiproxy);
      delete state.toxiproxy;
      writeState(state);
      log('toxiproxy: stopped');
    }
    if (wanted.includes('prometheus')) {
      await stopPrometheus(state.prometheus);
      delete state.prometheus;
      writeState(state);
      log('prometheus: stopped');
    }
    if (wanted.includes('cluster')) {
      // Even without a state entry: a crash between kwokctl create and writeState leaves a workdir behind.
      await deleteCluster(readBinaries(), runDir, state.cluster?.name, log);
      delete state.cluster;
      writeState(state);
      log('cluster: deleted');
    }
  });
}

export interface ComponentStatus {
  running: boolean;
}

export interface StatusReport {
  stateDir: string;
  kubeconfig?: string;
  apiServerUrl?: string;
  prometheusUrl?: string;
  prometheusTargetsDir?: string;
  toxiproxyUrl?: string;
  natsUrl?: string;
  rabbitmqUrl?: string;
  rabbitmqManagementUrl?: string;
  kafkaBootstrap?: string;
  healthy: Record<Component, boolean>;
}

export async function status(): Promise<StatusReport> {
  const state = readState();
  const [cluster, prometheus, toxiproxy, nats, rabbitmq, kafka, chaosMesh] = await Promise.all(
    [...allComponents, ...onRequestComponents].map((c) => healthy(state, c)),
  );
  return {
    stateDir: runStateDir(),
    kubeconfig: state.cluster?.kubeconfig,
    apiServerUrl: state.cluster?.apiServerUrl,
    prometheusUrl: state.prometheus?.url,
    prometheusTargetsDir: state.prometheus?.targetsDir,
    toxiproxyUrl: state.toxiproxy?.url,
    natsUrl: state.nats?.url,
    rabbitmqUrl: state.rabbitmq?.url,
    rabbitmqManagementUrl: state.rabbitmq?.managementUrl,
    kafkaBootstrap: state.kafka?.bootstrap,
    healthy: {
      cluster: !!cluster,
      prometheus: !!prometheus,
      toxiproxy: !!toxiproxy,
      nats: !!nats,
      rabbitmq: !!rabbitmq,
      kafka: !!kafka,
      'chaos-mesh': !!chaosMesh,
    },
  };
}
