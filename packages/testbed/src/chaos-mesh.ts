// Chaos Mesh's real chaos-controller-manager against the test bed's cluster (test-only). Built lazily from its
// Go module by scripts/build-chaos-mesh.sh the first time a test asks for it, then cached. PodChaos pod-kill
// and pod-failure act through the API (delete the pod; swap its images for a pause image and back), so they
// work on kwok; NetworkChaos, StressChaos and the rest need chaos-daemon on real nodes, so on the test bed they
// go only as far as the controller's own status (records Selected, and injection failing without a daemon).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir, testbedCacheDir } from './paths.js';
import { freeLoopbackPort } from './ports.js';
import { isProcessAlive, killProcessGroup, runChecked, runCommand, spawnDaemon } from './processes.js';
import { stderrLogger, waitUntil, type Logger } from './progress.js';
import { holderPid } from './brokers/index.js';
import { loopbackCertificate } from './self-signed-cert.js';
import type { ClusterState } from './state.js';

export const chaosMeshVersion = process.env.CHAOS_MESH_VERSION ?? 'v0.9.1-0.20260902003049-47411975a8cb';
const buildScript = join(packageDir, 'scripts', 'build-chaos-mesh.sh');
/** The namespace the controller believes it runs in (it keeps nothing there on the test bed). */
export const chaosMeshNamespace = 'chaos-mesh';

export interface ChaosMeshState {
  pid: number;
  version: string;
  metricsUrl: string;
  /** The API server it was started against: a recreated cluster needs a new controller. */
  apiServerUrl: string;
  logFile: string;
}

function chaosMeshDir(): string {
  return join(testbedCacheDir(), `chaos-mesh-${chaosMeshVersion}`);
}

/** Builds the controller-manager if it is not cached (minutes cold; the script logs every 10 s). */
export async function ensureChaosMeshBinary(log: Logger): Promise<string> {
  const dir = chaosMeshDir();
  if (existsSync(join(dir, '.complete'))) return dir;
  log(`chaos-mesh: not cached in ${dir}; building it from its Go module (several minutes cold)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [buildScript], {
      stdio: ['ignore', 'ignore', 2],
      env: { ...process.env, CHAOS_MESH_VERSION: chaosMeshVersion },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${buildScript} exited with ${code}`))));
  });
  if (!existsSync(join(dir, '.complete'))) throw new Error(`${buildScript} finished but ${dir} is incomplete`);
  return dir;
}

export async function chaosMeshHealthy(
  state: ChaosMeshState | undefined,
  cluster: ClusterState | undefined,
): Promise<boolean> {
  if (!state || !cluster || state.apiServerUrl !== cluster.apiServerUrl) return false;
  if (!isProcessAlive(state.pid, 'chaos-controller-manager')) return false;
  try {
    const res = await fetch(state.metricsUrl, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Installs Chaos Mesh's CRDs (server-side apply, idempotent) and starts the controller-manager on loopback. */
export async function startChaosMesh(
  kubectl: string,
  cluster: ClusterState,
  runDir: string,
  log: Logger,
): Promise<ChaosMeshState> {
  const dir = await ensureChaosMeshBinary(log);
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  log('chaos-mesh: applying CRDs');
  await runChecked(
    kubectl,
    ['apply', '--server-side', '--field-manager=gauntlet-testbed', '-f', join(dir, 'crd.yaml')],
    { env, timeoutMs: 180_000 },
  );
  await runChecked(
    kubectl,
    [
      'wait',
      '--for=condition=Established',
      '--timeout=120s',
      'crd/podchaos.chaos-mesh.org',
      'crd/networkchaos.chaos-mesh.org',
    ],
    { env, timeoutMs: 150_000 },
  );
  const ns = await runCommand(kubectl, ['create', 'namespace', chaosMeshNamespace], { env });
  if (ns.code !== 0 && !/AlreadyExists/.test(ns.stderr))
    throw new Error(`kubectl create namespace: ${ns.stderr.trim()}`);

  const home = join(runDir, 'chaos-mesh');
  const certs = join(home, 'certs');
  mkdirSync(certs, { recursive: true });
  // The webhook server wants a serving pair even though no webhook is registered with the API server.
  const pair = await loopbackCertificate();
  writeFileSync(join(certs, 'tls.crt'), pair.cert);
  writeFileSync(join(certs, 'tls.key'), pair.key, { mode: 0o600 });
  writeFileSync(join(certs, 'ca.crt'), pair.cert);
  const [metricsPort, webhookPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const logFile = join(home, 'controller-manager.log');
  const pid = spawnDaemon({
    command: join(dir, 'chaos-controller-manager'),
    args: [],
    logFile,
    cwd: home,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      KUBECONFIG: cluster.kubeconfig,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(webhookPort),
      PPROF_ADDR: '0',
      CERTS_DIR: certs,
      ENABLE_LEADER_ELECTION: 'false',
      SECURITY_MODE: 'false',
      NAMESPACE: chaosMeshNamespace,
      CLUSTER_SCOPED: 'true',
    },
  });
  const state: ChaosMeshState = {
    pid,
    version: readFileSync(join(dir, 'VERSION'), 'utf8').trim(),
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    apiServerUrl: cluster.apiServerUrl,
    logFile,
  };
  log(`chaos-mesh: controller-manager ${state.version} starting (pid ${pid}, log ${logFile})`);
  await waitUntil(
    'chaos-controller-manager metrics',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`chaos-controller-manager exited; see ${logFile}`);
      return chaosMeshHealthy(state, cluster);
    },
    { timeoutMs: 120_000, log },
  );
  return state;
}

export async function stopChaosMesh(state: ChaosMeshState | undefined): Promise<void> {
  if (state) await killProcessGroup(state.pid, 'chaos-controller-manager');
}

export interface ChaosMeshFacts {
  readonly version: string;
  readonly metricsUrl: string;
  readonly logFile: string;
}

/**
 * Brings Chaos Mesh's controller-manager up against the test bed's cluster (building it first when cold),
 * with its CRDs installed; reuses a healthy running one. Under vitest it is registered to the run's holder,
 * so the global teardown stops it with the rest. Only for the local kwok cluster.
 */
export async function ensureChaosMesh(log: Logger = stderrLogger): Promise<ChaosMeshFacts> {
  const { up } = await import('./testbed.js');
  const { state } = await up({ components: ['cluster', 'chaos-mesh'], log, holder: holderPid() });
  if (!state.chaosMesh) throw new Error('chaos-mesh did not start');
  return { version: state.chaosMesh.version, metricsUrl: state.chaosMesh.metricsUrl, logFile: state.chaosMesh.logFile };
}
