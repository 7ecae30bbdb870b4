/**
 * Watches the shard pods start while the Job runs, so a pod that never starts is explained at once instead of at
 * the deadline: every few seconds it reads the run's pods and the Job's FailedCreate events, logs each new problem
 * (FailedCreate, FailedScheduling, image pulls, container configuration) as a warning, and says the run must stop
 * when a problem cannot clear by itself (Pod Security, an invalid image name, a root image under runAsNonRoot) or
 * has lasted `kube-pending-timeout` (unschedulable, image pull, quota).
 */
import { errorMessage, formatDuration, neutralize, type Logger } from '@gauntlet/action-kit';
import {
  collectionPath,
  describeStartProblem,
  failedCreateProblem,
  podStartProblem,
  types,
  type KubeClient,
  type KubeObject,
  type StartProblem,
} from '@gauntlet/kube';
import { ROOT_LABEL } from './manifests.js';

export interface StartMonitorOptions {
  readonly api: KubeClient;
  readonly namespace: string;
  /** The Job (and root) name. */
  readonly name: string;
  readonly jobUid: string;
  readonly pendingTimeoutMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface FatalStart {
  readonly problem: StartProblem;
  /** Plain text: why the run stops, for the log, the report and each shard that did not run. */
  readonly cause: string;
}

const time = (value: unknown): number => {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : 0;
};

export class StartMonitor {
  private readonly seen = new Set<string>();
  private eventsReadable = true;
  /** Every distinct problem seen, in order (for the report). */
  readonly problems: StartProblem[] = [];

  constructor(private readonly options: StartMonitorOptions) {}

  /** One look at the pods and events: logs new problems, returns the one that ends the run, if any. */
  async check(signal?: AbortSignal): Promise<FatalStart | undefined> {
    const { api, namespace, name, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    const pods = (
      await api.list(collectionPath(types.pod, namespace), { labelSelector: `${ROOT_LABEL}=${name}` }, signal)
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
    const current: StartProblem[] = [];
    for (const pod of pods) {
      const problem = podStartProblem(pod);
      if (problem) current.push(problem);
    }
    for (const event of await this.failedCreates(signal)) {
      const problem = failedCreateProblem(event);
      if (!problem) continue;
      // A refusal that can clear (quota) is current only while no pod has been created since its last occurrence.
      const last = time(event['lastTimestamp']) || time(event['eventTime']) || (problem.sinceMs ?? 0);
      const newestPod = Math.max(0, ...pods.map((p) => time(p.metadata?.creationTimestamp)));
      if (problem.permanent || last >= newestPod) current.push(problem);
    }
    for (const problem of current) {
      // One warning per distinct cause, not per pod: 64 unschedulable shards are one problem.
      const key = `${problem.reason}\0${problem.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.problems.push(problem);
      logger.warning(`Shard pods are not starting: ${neutralize(describeStartProblem(problem))}`);
    }
    const permanent = current.find((p) => p.permanent);
    if (permanent)
      return { problem: permanent, cause: `${describeStartProblem(permanent)} (this cannot clear by itself)` };
    const stuck = current
      .filter((p) => p.sinceMs !== undefined && now - p.sinceMs >= this.options.pendingTimeoutMs)
      .sort((a, b) => a.sinceMs! - b.sinceMs!)[0];
    if (stuck) {
      return {
        problem: stuck,
        cause: `${describeStartProblem(stuck)} (for more than kube-pending-timeout, ${formatDuration(this.options.pendingTimeoutMs)})`,
      };
    }
    return undefined;
  }

  private async failedCreates(signal?: AbortSignal): Promise<KubeObject[]> {
    if (!this.eventsReadable) return [];
    try {
      const list = await this.options.api.list(
        collectionPath(types.event, this.options.namespace),
        { fieldSelector: `involvedObject.uid=${this.options.jobUid},reason=FailedCreate` },
        signal,
      );
      return list.items;
    } catch (error) {
      if (signal?.aborted) throw error;
      this.eventsReadable = false;
      this.options.logger.warning(
        `Cannot list events in ${this.options.namespace} (${neutralize(errorMessage(error))}): pods refused at creation (Pod Security, quota) show only as shards without a result. Grant list on events to see why at once.`,
      );
      return [];
    }
  }
}

/**
 * Runs `monitor.check` every `intervalMs` until `signal` aborts; resolves with the first fatal problem (and stops),
 * or undefined once aborted. A failed look is logged at debug level and retried: the watch of the Job decides the run.
 */
export async function monitorStart(
  monitor: StartMonitor,
  signal: AbortSignal,
  logger: Logger,
  intervalMs = 3_000,
): Promise<FatalStart | undefined> {
  while (!signal.aborted) {
    try {
      const fatal = await monitor.check(signal);
      if (fatal) return fatal;
    } catch (error) {
      if (signal.aborted) break;
      logger.debug(`could not read the shard pods' state (${neutralize(errorMessage(error))})`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  return undefined;
}
