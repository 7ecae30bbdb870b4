// The local Kubernetes control plane: kwokctl --runtime binary with our cached binaries, bound to
// 127.0.0.1, plus the fake nodes. kwokctl starts etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok-controller as detached processes and records their pids in its workdir.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { dump as yamlDump } from 'js-yaml';
import type { Binaries } from './binaries.js';
import { defaultFakeNodes, fakeNodeObject, type FakeNodeSpec } from './fake-nodes.js';
import { composeStagesYaml } from './kwok-stages.js';
import { isProcessAlive, killProcessGroup, runCommand } from './processes.js';
import { waitUntil, withProgress, type Logger } from './progress.js';
import type { ClusterState } from './state.js';
import { loadKubeConfig, rawRequest, upstreamFromKubeConfig } from './upstream.js';

export const defaultClusterName = 'gauntlet';

/** Environment for kwokctl: our workdir (never ~/.kwok), our kubectl first on PATH, no inherited KWOK_* knobs. */
function kwokEnv(bins: Binaries, workdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KWOK_')) env[k] = v;
  env.KWOK_WORKDIR = workdir;
  env.PATH = `${bins.kubeBinDir}:${process.env.PATH ?? ''}`;
  return env;
}

function kwokctlConfigYaml(bins: Binaries): string {
  const config = {
    kind: 'KwokctlConfiguration',
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    options: {
      // Explicit: kwokctl would otherwise probe docker first, and a docker CLI without an engine exists here.
      runtime: 'binary',
      bindAddress: '127.0.0.1',
      kubeVersion: `v${bins.k8sVersion}`,
      kubeBinaryPrefix: bins.kubeBinDir,
      // kubeBinaryPrefix alone does not move kubectl when set from env; be explicit for every binary.
      kubeApiserverBinary: join(bins.kubeBinDir, 'kube-apiserver'),
      kubeControllerManagerBinary: join(bins.kubeBinDir, 'kube-controller-manager'),
      kubeSchedulerBinary: join(bins.kubeBinDir, 'kube-scheduler'),
      kubectlBinary: join(bins.kubeBinDir, 'kubectl'),
      etcdBinary: bins.etcd,
      kwokControllerBinary: bins.kwok,
      quietPull: true,
    },
    // One controller-manager and one scheduler: leader election only adds a way to die. On a loaded 2-core machine
    // a lease renewal missed its 5 s deadline, the controller-manager exited ("leaderelection lost"), and the
    // cluster kept answering /readyz with no controller left to create ReplicaSets.
    componentsPatches: ['kube-controller-manager', 'kube-scheduler'].map((name) => ({
      name,
      extraArgs: [{ key: 'leader-elect', value: 'false' }],
    })),
  };
  return yamlDump(config, { lineWidth: -1 });
}

/** Kills every process kwokctl recorded for the cluster (used when `kwokctl delete` fails or state is stale). */
async function killRecordedPids(workdir: string, name: string): Promise<void> {
  const pidsDir = join(workdir, 'clusters', name, 'pids');
  if (!existsSync(pidsDir)) return;
  for (const f of readdirSync(pidsDir)) {
    const pid = Number(readFileSync(join(pidsDir, f), 'utf8').trim());
    // The pid file is named after the component (etcd.pid, kube-apiserver.pid, kwok-controller.pid -> kwok).
    const exe = f.replace(/\.pid$/, '').replace(/^kwok-controller$/, 'kwok');
    if (isProcessAlive(pid, exe)) await killProcessGroup(pid, exe);
  }
}

/** Components whose death leaves an API server that still answers /readyz but a cluster that does nothing. */
const REQUIRED_PROCESSES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'];

/** Whether every process kwokctl started for the cluster is still alive. */
export function clusterProcessesAlive(workdir: string, name = defaultClusterName): boolean {
  const pidsDir = join(workdir, 'clusters', name, 'pids');
  return REQUIRED_PROCESSES.every((component) => {
    const file = join(pidsDir, `${component}.pid`);
    if (!existsSync(file)) return false;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return isProcessAlive(pid, component === 'kwok-controller' ? 'kwok' : component);
  });
}

export async function clusterHealthy(kubeconfig: string, workdir?: string): Promise<boolean> {
  try {
    if (!existsSync(kubeconfig)) return false;
    if (
      workdir !== undefined &&
      existsSync(join(workdir, 'clusters', defaultClusterName)) &&
      !clusterProcessesAlive(workdir)
    )
      return false;
    const up = await upstreamFromKubeConfig(loadKubeConfig(kubeconfig));
    const r = await rawRequest(up, 'GET', '/readyz', 3_000);
    up.agent.destroy();
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function deleteCluster(
  bins: Binaries | undefined,
  runDir: string,
  name = defaultClusterName,
  log?: Logger,
): Promise<void> {
  const workdir = join(runDir, 'kwok');
  if (!existsSync(join(workdir, 'clusters', name))) return;
  if (bins) {
    const r = await runCommand(
      bins.kwokctl,
      ['delete', 'cluster', '--name', name, '--kubeconfig', join(runDir, 'kubeconfig')],
      { env: kwokEnv(bins, workdir), timeoutMs: 120_000 },
    );
    if (r.code !== 0)
      log?.(`kwokctl delete cluster failed (exit ${r.code}); killing recorded pids: ${r.stderr.trim().slice(-500)}`);
  }
  await killRecordedPids(workdir, name);
  rmSync(join(workdir, 'clusters', name), { recursive: true, force: true });
}

export async function createFakeNodes(kc: KubeConfig, nodes: FakeNodeSpec[] = defaultFakeNodes): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const [i, spec] of nodes.entries()) {
    try {
      await core.createNode({ body: fakeNodeObject(spec, i) });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e; // already there: `up` is idempotent
    }
  }
}

export async function startCluster(
  bins: Binaries,
  runDir: string,
  log: Logger,
  name = defaultClusterName,
): Promise<ClusterState> {
  const workdir = join(runDir, 'kwok');
  mkdirSync(workdir, { recursive: true });
  // A crashed earlier run may have left processes and a half-created cluster; clear them first.
  await deleteCluster(bins, runDir, name, log);
  const configFile = join(runDir, 'kwokctl.yaml');
  const stagesFile = join(runDir, 'kwok-stages.yaml');
  writeFileSync(configFile, kwokctlConfigYaml(bins));
  writeFileSync(stagesFile, composeStagesYaml(bins.kwokStageDir));
  const kubeconfig = join(runDir, 'kubeconfig');
  rmSync(kubeconfig, { force: true });
  log(`kubernetes: creating kwok cluster "${name}" (v${bins.k8sVersion}, workdir ${workdir})`);
  const r = await withProgress(log, 'kwokctl create cluster', () =>
    runCommand(
      bins.kwokctl,
      [
        'create',
        'cluster',
        '--name',
        name,
        '--config',
        configFile,
        '--config',
        stagesFile,
        '--kubeconfig',
        kubeconfig,
        '--wait',
        '3m',
      ],
      { env: kwokEnv(bins, workdir), timeoutMs: 5 * 60_000 },
    ),
  );
  if (r.code !== 0) {
    const logs = join(workdir, 'clusters', name, 'logs');
    await deleteCluster(bins, runDir, name, log);
    throw new Error(
      `kwokctl create cluster failed (exit ${r.code}); component logs in ${logs}:\n${(r.stderr + r.stdout).trim().slice(-4000)}`,
    );
  }
  const kc = loadKubeConfig(kubeconfig);
  const server = kc.getCurrentCluster()?.server ?? '';
  await waitUntil('kube-apiserver /readyz', async () => clusterHealthy(kubeconfig), { timeoutMs: 120_000, log });
  await createFakeNodes(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil(
    'fake nodes Ready',
    async () => {
      const nodes = await core.listNode();
      const ready = nodes.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length >= defaultFakeNodes.length;
    },
    { timeoutMs: 120_000, log },
  );
  // Pods can only be created once the service-account controller made the "default" account; wait for it
  // here so the first test doesn't race the controller-manager.
  await waitUntil(
    'default service account',
    async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    },
    { timeoutMs: 120_000, log },
  );
  return { name, kubeconfig, kwokWorkdir: workdir, apiServerUrl: server };
}
