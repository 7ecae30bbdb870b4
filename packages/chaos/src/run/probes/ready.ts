import { errorMessage } from '@gauntlet/action-kit';
import type { KubeClient } from '@gauntlet/kube';
import type { ProbeSpec, TargetSpec } from '../../experiment/model.js';
import { isReadyPod, podsOfTarget } from '../../faults/targets.js';
import type { Observation } from '../guard.js';

type ReadyProbe = Extract<ProbeSpec, { kind: 'ready' }>;

export interface ReadyProbeContext {
  readonly client: KubeClient;
  readonly defaultNamespace: string;
  readonly targets: ReadonlyMap<string, TargetSpec>;
}

/**
 * Kubernetes readiness of a target's pods. With minReady: steady at or above it, breached below. Without: steady
 * when every live pod is Ready (and there is one), degraded when some are not, breached when none is. An API error
 * is unknown (no data), never steady.
 */
export async function readyProbe(
  probe: ReadyProbe,
  ctx: ReadyProbeContext,
  signal?: AbortSignal,
): Promise<Observation> {
  const target = ctx.targets.get(probe.target);
  if (!target) return { state: 'unknown', reason: `probe ${probe.name}: no target named '${probe.target}'` };
  let pods;
  try {
    pods = await podsOfTarget(ctx.client, target, target.namespace ?? ctx.defaultNamespace, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    return {
      state: 'unknown',
      reason: `probe ${probe.name}: cannot list the pods of ${probe.target}: ${errorMessage(error)}`,
    };
  }
  const ready = pods.filter(isReadyPod).length;
  const seen = `${ready} of ${pods.length} pod(s) of ${probe.target} ready`;
  if (probe.minReady !== undefined) {
    return ready >= probe.minReady
      ? { state: 'steady', reason: `probe ${probe.name}: ${seen} (at least ${probe.minReady})` }
      : { state: 'breached', reason: `probe ${probe.name}: ${seen}, fewer than minReady ${probe.minReady}` };
  }
  if (ready === 0) return { state: 'breached', reason: `probe ${probe.name}: ${seen}` };
  return ready === pods.length
    ? { state: 'steady', reason: `probe ${probe.name}: ${seen}` }
    : { state: 'degraded', reason: `probe ${probe.name}: ${seen}` };
}
