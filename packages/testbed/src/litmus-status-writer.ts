// TEST-ONLY stand-in for the LitmusChaos operator: it is NOT LitmusChaos. The test bed has Litmus's CRDs
// (crds/litmuschaos.yaml) but no operator, runner or experiment images, so this writer plays their part on
// the API only, for the apply, status and restore paths of chaos-gate's Litmus backend:
//   - an active ChaosEngine gets status.engineStatus "initialized", each experiment Running/Awaited, and a
//     ChaosResult "<engine>-<experiment>" with experimentStatus Running/Awaited;
//   - pod-delete really deletes one pod matching spec.appinfo.applabel in appinfo.appns (only in the
//     namespaces it was given), so process-backed pods lose capacity as they would;
//   - after the experiment's TOTAL_CHAOS_DURATION (capped by maxDurationMs) both become Completed with the
//     verdict `verdict()` returns (default Pass);
//   - engineState "stop" makes the engine "stopped" and the results Stopped.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { silentLogger, sleep, type Logger } from './progress.js';

const group = { group: 'litmuschaos.io', version: 'v1alpha1' };

interface Experiment {
  name: string;
  spec?: { components?: { env?: Array<{ name: string; value?: string }> } };
}
interface ChaosEngine {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string };
  spec?: {
    engineState?: string;
    appinfo?: { appns?: string; applabel?: string; appkind?: string };
    experiments?: Experiment[];
  };
  status?: { engineStatus?: string; experiments?: Array<Record<string, string>> };
}

export type LitmusVerdict = 'Pass' | 'Fail';

export interface LitmusStatusWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespaces: readonly string[];
  /** The verdict each finished experiment gets (default Pass). */
  readonly verdict?: (engine: string, experiment: string) => LitmusVerdict;
  /** Upper bound of an experiment's run, whatever TOTAL_CHAOS_DURATION says (default 5 s). */
  readonly maxDurationMs?: number;
  readonly log?: Logger;
}

export interface LitmusStatusWriter {
  close(): Promise<void>;
}

export function startLitmusStatusWriter(options: LitmusStatusWriterOptions): LitmusStatusWriter {
  const custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const log = options.log ?? silentLogger;
  const started = new Map<string, number>(); // engine uid → ms when it was initialized
  let stopped = false;

  const now = (): string => new Date().toISOString();
  const durationOf = (e: Experiment): number => {
    const env = e.spec?.components?.env?.find((v) => v.name === 'TOTAL_CHAOS_DURATION')?.value;
    const seconds = Number(env ?? '1');
    return Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, options.maxDurationMs ?? 5_000);
  };

  const writeResult = async (engine: ChaosEngine, e: Experiment, phase: string, verdict: string): Promise<void> => {
    const ns = engine.metadata.namespace;
    const name = `${engine.metadata.name}-${e.name}`.slice(0, 253);
    const status = {
      experimentStatus: {
        phase,
        verdict,
        failStep: verdict === 'Fail' ? 'test-bed verdict' : 'N/A',
        probeSuccessPercentage: verdict === 'Pass' ? '100' : '0',
      },
    };
    try {
      const existing = (await custom.getNamespacedCustomObject({
        ...group,
        namespace: ns,
        plural: 'chaosresults',
        name,
      })) as {
        status?: unknown;
      };
      existing.status = status;
      await custom.replaceNamespacedCustomObjectStatus({
        ...group,
        namespace: ns,
        plural: 'chaosresults',
        name,
        body: existing,
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      const created = (await custom.createNamespacedCustomObject({
        ...group,
        namespace: ns,
        plural: 'chaosresults',
        body: {
          apiVersion: 'litmuschaos.io/v1alpha1',
          kind: 'ChaosResult',
          metadata: { name, labels: { chaosUID: engine.metadata.uid ?? '' } },
          spec: { engine: engine.metadata.name, experiment: e.name },
        },
      })) as Record<string, unknown>;
      created.status = status;
      await custom.replaceNamespacedCustomObjectStatus({
        ...group,
        namespace: ns,
        plural: 'chaosresults',
        name,
        body: created,
      });
    }
  };

  const writeEngine = async (
    engine: ChaosEngine,
    engineStatus: string,
    status: string,
    verdict: string,
  ): Promise<void> => {
    engine.status = {
      engineStatus,
      experiments: (engine.spec?.experiments ?? []).map((e) => ({
        name: e.name,
        runner: `${engine.metadata.name}-runner`,
        experimentPod: `${e.name}-testbed`,
        status,
        verdict,
        lastUpdateTime: now(),
      })),
    };
    await custom.replaceNamespacedCustomObjectStatus({
      ...group,
      namespace: engine.metadata.namespace,
      plural: 'chaosengines',
      name: engine.metadata.name,
      body: engine,
    });
  };

  const podDelete = async (engine: ChaosEngine): Promise<void> => {
    const ns = engine.spec?.appinfo?.appns ?? engine.metadata.namespace;
    const selector = engine.spec?.appinfo?.applabel;
    if (!options.namespaces.includes(ns) || !selector) return; // never outside the namespaces it was given
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
    const victim = list.items.find((p) => !p.metadata?.deletionTimestamp);
    if (!victim?.metadata?.name) return;
    await core.deleteNamespacedPod({ name: victim.metadata.name, namespace: ns, gracePeriodSeconds: 0 });
    log(`litmus-status-writer: pod-delete removed ${ns}/${victim.metadata.name}`);
  };

  const step = async (engine: ChaosEngine): Promise<void> => {
    const uid = engine.metadata.uid ?? '';
    const experiments = engine.spec?.experiments ?? [];
    const state = engine.status?.engineStatus;
    if (engine.spec?.engineState === 'stop') {
      if (state === 'stopped') return;
      await writeEngine(engine, 'stopped', 'Stopped', 'Stopped');
      for (const e of experiments) await writeResult(engine, e, 'Stopped', 'Stopped');
      started.delete(uid);
      return;
    }
    if (state === 'completed' || state === 'stopped') return;
    if (!started.has(uid)) {
      started.set(uid, Date.now());
      await writeEngine(engine, 'initialized', 'Running', 'Awaited');
      for (const e of experiments) {
        await writeResult(engine, e, 'Running', 'Awaited');
        if (e.name === 'pod-delete') await podDelete(engine);
      }
      return;
    }
    const longest = Math.max(0, ...experiments.map(durationOf));
    if (Date.now() - (started.get(uid) ?? 0) < longest) return;
    const verdicts = experiments.map((e) => options.verdict?.(engine.metadata.name, e.name) ?? 'Pass');
    await writeEngine(engine, 'completed', 'Completed', verdicts.includes('Fail') ? 'Fail' : 'Pass');
    for (const [i, e] of experiments.entries()) await writeResult(engine, e, 'Completed', verdicts[i] ?? 'Pass');
  };

  const loop = (async () => {
    while (!stopped) {
      for (const namespace of options.namespaces) {
        try {
          const list = (await custom.listNamespacedCustomObject({ ...group, namespace, plural: 'chaosengines' })) as {
            items: ChaosEngine[];
          };
          for (const engine of list.items) await step(engine);
        } catch (e) {
          // A conflict or a vanished object: the next pass reads fresh state.
          log(`litmus-status-writer: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      await sleep(250);
    }
  })();

  return {
    close: async () => {
      stopped = true;
      await loop;
    },
  };
}
