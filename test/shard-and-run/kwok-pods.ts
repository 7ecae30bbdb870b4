/**
 * The container runtime kwok does not have. On the test bed, pods never run: kwok's stages only move them through
 * their phases. This plays the part of each shard pod's container, exactly as far as the action depends on it:
 * for every Running shard pod it runs the pod's real command (/gauntlet/run.sh from the run's ConfigMap, with the
 * pod's own environment) on this machine, and that script stores the result through the real API server with the
 * pod's own service-account token (so the Role the action created is what allows it). A non-zero exit then fails
 * the pod through kwok's failure stage, as a failing container would; otherwise kwok completes it after its delay.
 * A pod without a kwok completion delay (a workflow that knows nothing of kwok, e.g. under act) is held Running
 * while its command runs and completed when it exits, as a container would be: kwok's default of 1 s would end it
 * before any real test command stored its result.
 *
 * On a real cluster (not kwok) this is not used: the pods run the same script in their image.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  collectionPath,
  KubeClient,
  loadKubeConfig,
  objectPath,
  types,
  type KubeConfig,
  type KubeObject,
} from '@gauntlet/kube';
import { stageKeys } from '@gauntlet/testbed';

export const KWOK_FAIL_LABEL = 'pod-container-running-failed.stage.kwok.x-k8s.io';
const POD_COMPLETE_DELAY = stageKeys.podCompleteDelay;

export interface SimulatedPod {
  name: string;
  index: number;
  /** Earlier failed pods of the same index (0 for the first attempt). */
  failures: number;
  node?: string;
  exitCode: number;
  output: string;
}

export type Behaviour = (pod: { name: string; index: number; failures: number }) => 'run' | 'oom';

interface ContainerEnv {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}

function fieldValue(pod: KubeObject, fieldPath: string): string {
  if (fieldPath === 'metadata.name') return pod.metadata?.name ?? '';
  if (fieldPath === 'metadata.namespace') return pod.metadata?.namespace ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return pod.metadata?.annotations?.[annotation[1]!] ?? '';
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return pod.metadata?.labels?.[label[1]!] ?? '';
  return '';
}

export class ShardPodSimulator {
  readonly pods: SimulatedPod[] = [];
  private readonly handled = new Set<string>();
  private readonly running: Promise<void>[] = [];
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;

  private constructor(
    private readonly api: KubeClient,
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly workdir: string,
    private readonly behaviour: Behaviour,
  ) {}

  static async start(
    kubeconfig: string,
    namespace: string,
    workdir: string,
    behaviour: Behaviour = () => 'run',
  ): Promise<ShardPodSimulator> {
    const kc = (await loadKubeConfig({ path: kubeconfig, registerSecret: () => undefined })).kubeConfig;
    const api = await KubeClient.create(kc, { userAgent: 'gauntlet-test/kwok-pods' });
    const sim = new ShardPodSimulator(api, kc, namespace, workdir, behaviour);
    sim.loop = sim.watch();
    return sim;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop?.catch(() => undefined);
    await Promise.allSettled(this.running);
    this.api.close();
  }

  private async watch(): Promise<void> {
    const collection = collectionPath(types.pod, this.namespace);
    const query = { labelSelector: 'gauntlet.dev/managed-by=shard-and-run' };
    while (!this.controller.signal.aborted) {
      try {
        const list = await this.api.list(collection, query, this.controller.signal);
        for (const pod of list.items) this.consider(pod);
        await this.api.watch(
          collection,
          { ...query, resourceVersion: list.metadata?.resourceVersion, timeoutSeconds: 60 },
          (event) => {
            if (event.type === 'ADDED' || event.type === 'MODIFIED') this.consider(event.object);
          },
          { signal: this.controller.signal },
        );
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private consider(pod: KubeObject): void {
    const name = pod.metadata?.name ?? '';
    const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
    if (phase !== 'Running' || this.handled.has(name) || pod.metadata?.deletionTimestamp) return;
    this.handled.add(name);
    this.running.push(
      this.runPod(pod).catch(
        (error: unknown) => void this.pods.push({ name, index: -1, failures: -1, exitCode: -1, output: String(error) }),
      ),
    );
  }

  private async patchPod(name: string, body: unknown): Promise<void> {
    await this.api.request({
      method: 'PATCH',
      path: objectPath(types.pod, this.namespace, name),
      body,
      contentType: 'application/merge-patch+json',
    });
  }

  private async runPod(pod: KubeObject): Promise<void> {
    const name = pod.metadata!.name!;
    const annotations = pod.metadata?.annotations ?? {};
    const index = Number(annotations['batch.kubernetes.io/job-completion-index']);
    const failures = Number(annotations['batch.kubernetes.io/job-index-failure-count'] ?? '0');
    const spec = pod['spec'] as {
      serviceAccountName: string;
      nodeName?: string;
      containers: { env?: ContainerEnv[] }[];
    };
    // Hold the pod (kwok re-reads the delay annotation on every change) until the command exits; see the header.
    const hold = annotations[POD_COMPLETE_DELAY] === undefined;
    if (hold) await this.patchPod(name, { metadata: { annotations: { [POD_COMPLETE_DELAY]: '24h' } } });
    const record = (exitCode: number, output: string) =>
      this.pods.push({ name, index, failures, exitCode, output, ...(spec.nodeName ? { node: spec.nodeName } : {}) });

    if (this.behaviour({ name, index, failures }) === 'oom') {
      await this.patchPod(name, {
        metadata: {
          labels: { [KWOK_FAIL_LABEL]: 'true' },
          annotations: { [`${KWOK_FAIL_LABEL}/exit-code`]: '137', [`${KWOK_FAIL_LABEL}/reason`]: 'OOMKilled' },
        },
      });
      record(137, 'killed before it stored anything');
      return;
    }

    // The pod's filesystem: the run's ConfigMap at /gauntlet, the service account at its usual place, a private /tmp.
    const root = await mkdtemp(path.join(os.tmpdir(), `pod-${name}-`));
    const gauntletDir = path.join(root, 'gauntlet');
    const saDir = path.join(root, 'sa');
    const tmp = path.join(root, 'tmp');
    await Promise.all([mkdir(gauntletDir), mkdir(saDir), mkdir(tmp)]);
    const cm = await this.api.get(
      objectPath(types.configMap, this.namespace, pod.metadata!.labels!['gauntlet.dev/shard-run']!),
    );
    for (const [key, value] of Object.entries((cm['data'] ?? {}) as Record<string, string>))
      await writeFile(path.join(gauntletDir, key), value);
    const token = await this.api.request<{ status: { token: string } }>({
      method: 'POST',
      path: objectPath(types.serviceAccount, this.namespace, spec.serviceAccountName, 'token'),
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    });
    const cluster = this.kc.getCurrentCluster()!;
    const ca = cluster.caData
      ? Buffer.from(cluster.caData, 'base64').toString('utf8')
      : await readFile(cluster.caFile!, 'utf8');
    await writeFile(path.join(saDir, 'token'), token.status.token);
    await writeFile(path.join(saDir, 'ca.crt'), ca);
    await writeFile(path.join(saDir, 'namespace'), this.namespace);

    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root, TMPDIR: tmp };
    for (const e of spec.containers[0]?.env ?? []) {
      const value =
        e.value ?? (e.valueFrom?.fieldRef?.fieldPath ? fieldValue(pod, e.valueFrom.fieldRef.fieldPath) : '');
      // The pod's /tmp is private: a variable of the pod naming a file there (GAUNTLET_JUNIT, a reporter's output
      // file set in pod-env) names the same file under this pod's tmp.
      env[e.name] = value.startsWith('/tmp/') ? path.join(tmp, value.slice('/tmp/'.length)) : value;
    }
    const server = new URL(cluster.server);
    Object.assign(env, {
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port || '443',
      GAUNTLET_DIR: gauntletDir,
      GAUNTLET_SA_DIR: saDir,
      GAUNTLET_UPLOAD_PAUSES: '0 1',
    });

    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn('sh', [path.join(gauntletDir, 'run.sh')], {
        cwd: this.workdir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (c) => resolve({ code: c ?? 1, output: out }));
    });
    if (code !== 0) {
      await this.patchPod(name, {
        metadata: {
          labels: { [KWOK_FAIL_LABEL]: 'true' },
          annotations: { [`${KWOK_FAIL_LABEL}/exit-code`]: String(code) },
        },
      });
    } else if (hold) {
      await this.patchPod(name, { metadata: { annotations: { [POD_COMPLETE_DELAY]: '0s' } } });
    }
    record(code, output);
  }
}
