/**
 * Why a workload is not ready: its conditions, its pods' container states (image pulls, crash loops, OOM kills),
 * recent events for it and its pods, and log tails where the API serves them. Everything here is untrusted text
 * (event messages and logs are written by whoever controls the workload), capped in size; the report escapes it.
 * Pods are matched client-side from one list of the namespace, so no selector is built from manifest text.
 */
import { labelSelectorMatches, type LabelSelectorSpec } from './selector.js';
import type { KubeClient, KubeObject } from './client.js';
import { formatKubeError } from './errors.js';
import type { Verdict } from './readiness.js';
import { collectionPath, objectPath, types } from './resources.js';

export interface ContainerDiagnosis {
  name: string;
  state: string;
  reason?: string;
  message?: string;
  restarts: number;
  lastTermination?: string;
}

export interface PodDiagnosis {
  name: string;
  phase: string;
  conditions: string[];
  containers: ContainerDiagnosis[];
}

export interface EventDiagnosis {
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

export interface LogTail {
  pod: string;
  container: string;
  previous: boolean;
  text: string;
}

export interface Diagnosis {
  target: string;
  verdict: Verdict;
  conditions: string[];
  pods: PodDiagnosis[];
  events: EventDiagnosis[];
  logs: LogTail[];
  /** Set when a piece could not be read (e.g. logs not served). */
  notes: string[];
}

export interface DiagnoseOptions {
  maxPodsPerTarget?: number;
  maxEventsPerTarget?: number;
  maxLogTails?: number;
  logTailLines?: number;
  logLimitBytes?: number;
  signal?: AbortSignal;
}

const cap = (text: unknown, max: number): string => {
  const value = typeof text === 'string' ? text : '';
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
};

/** Client-side evaluation of a metav1.LabelSelector (an empty selector matches nothing here, never everything). */
export function selectorMatches(
  selector: LabelSelectorSpec | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  return labelSelectorMatches(selector, labels, { empty: 'nothing', unknownOperator: 'no-match' });
}

function podSelectorOf(object: KubeObject | undefined): LabelSelectorSpec | undefined {
  if (!object) return undefined;
  const spec = (object.spec ?? {}) as { selector?: LabelSelectorSpec | Record<string, string> };
  if (object.kind === 'Service') {
    const selector = spec.selector as Record<string, string> | undefined;
    return selector && Object.keys(selector).length > 0 ? { matchLabels: selector } : undefined;
  }
  if (object.kind === 'Job') {
    const uid = object.metadata?.uid;
    return uid ? { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } } : spec.selector;
  }
  return spec.selector;
}

function diagnosePod(pod: KubeObject): PodDiagnosis {
  const status = (pod.status ?? {}) as {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<Record<string, unknown>>;
    initContainerStatuses?: Array<Record<string, unknown>>;
  };
  const containers: ContainerDiagnosis[] = [];
  for (const cs of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const state = (cs.state ?? {}) as Record<string, { reason?: string; message?: string; exitCode?: number }>;
    const [stateName, detail] = Object.entries(state)[0] ?? ['unknown', {}];
    const last = ((cs.lastState ?? {}) as { terminated?: { reason?: string; exitCode?: number } }).terminated;
    containers.push({
      name: cap(cs.name, 63),
      state:
        stateName === 'terminated' && typeof detail?.exitCode === 'number'
          ? `terminated, exit ${detail.exitCode}`
          : stateName,
      ...(detail?.reason ? { reason: cap(detail.reason, 100) } : {}),
      ...(detail?.message ? { message: cap(detail.message, 300) } : {}),
      restarts: typeof cs.restartCount === 'number' ? cs.restartCount : 0,
      ...(last ? { lastTermination: `${cap(last.reason ?? 'terminated', 60)} (exit ${last.exitCode ?? '?'})` } : {}),
    });
  }
  return {
    name: cap(pod.metadata?.name, 253),
    phase: cap(status.phase ?? 'Unknown', 40) + (status.reason ? ` (${cap(status.reason, 60)})` : ''),
    conditions: (status.conditions ?? [])
      .filter((c) => c.status !== 'True')
      .map(
        (c) =>
          `${cap(c.type, 40)}=${cap(c.status, 10)}${c.reason ? ` ${cap(c.reason, 60)}` : ''}${c.message ? `: ${cap(c.message, 200)}` : ''}`,
      ),
    containers,
  };
}

function isTroubled(pod: PodDiagnosis): boolean {
  return pod.containers.some(
    (c) =>
      c.restarts > 0 ||
      c.state.startsWith('terminated') ||
      (c.state === 'waiting' && c.reason !== 'ContainerCreating' && c.reason !== 'PodInitializing'),
  );
}

/** Diagnoses the given unready targets with three list requests (pods, events) plus a few log reads. */
export async function diagnose(
  client: KubeClient,
  namespace: string,
  unready: ReadonlyArray<{ target: string; verdict: Verdict; object?: KubeObject }>,
  options: DiagnoseOptions = {},
): Promise<Diagnosis[]> {
  if (unready.length === 0) return [];
  const notes: string[] = [];
  const [pods, events] = await Promise.all([
    client.list(collectionPath(types.pod, namespace), {}, options.signal).catch((error: unknown) => {
      notes.push(`pods could not be listed: ${formatKubeError(error)}`);
      return { items: [] as KubeObject[] };
    }),
    client.list(collectionPath(types.event, namespace), { limit: 500 }, options.signal).catch((error: unknown) => {
      notes.push(`events could not be listed: ${formatKubeError(error)}`);
      return { items: [] as KubeObject[] };
    }),
  ]);
  let logBudget = options.maxLogTails ?? 3;
  const results: Diagnosis[] = [];
  for (const item of unready) {
    const object = item.object;
    const conditions = (
      (
        (object?.status ?? {}) as {
          conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
        }
      ).conditions ?? []
    ).map(
      (c) =>
        `${cap(c.type, 40)}=${cap(c.status, 10)}${c.reason ? ` ${cap(c.reason, 60)}` : ''}${c.message ? `: ${cap(c.message, 300)}` : ''}`,
    );
    const selector = podSelectorOf(object);
    const matched = pods.items.filter((pod) => selectorMatches(selector, pod.metadata?.labels));
    const podDiagnoses = matched.slice(0, options.maxPodsPerTarget ?? 5).map(diagnosePod);
    const names = new Set([object?.metadata?.name, ...matched.map((p) => p.metadata?.name)].filter(Boolean));
    const relevant = events.items
      .filter((event) => names.has((event.involvedObject as { name?: string } | undefined)?.name))
      .sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || eventTime(b) - eventTime(a))
      .slice(0, options.maxEventsPerTarget ?? 8)
      .map((event) => {
        const involved = (event.involvedObject ?? {}) as { kind?: string; name?: string };
        return {
          type: cap(event.type, 20),
          reason: cap(event.reason, 80),
          object: `${cap(involved.kind, 40).toLowerCase()}/${cap(involved.name, 253)}`,
          message: cap(event.message, 400),
          count: typeof event.count === 'number' ? event.count : 1,
        };
      });
    const logs: LogTail[] = [];
    const diagnosisNotes = [...notes];
    for (const pod of podDiagnoses.filter(isTroubled)) {
      for (const container of pod.containers) {
        if (logBudget <= 0) break;
        const terminated = container.state.startsWith('terminated');
        if (container.restarts === 0 && !terminated) continue;
        logBudget--;
        const previous = container.restarts > 0 && !terminated;
        try {
          const text = await client.request<string>({
            method: 'GET',
            path: objectPath(types.pod, namespace, pod.name, 'log'),
            query: {
              container: container.name,
              tailLines: options.logTailLines ?? 20,
              limitBytes: options.logLimitBytes ?? 4_096,
              ...(previous ? { previous: true } : {}),
            },
            text: true,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          logs.push({
            pod: pod.name,
            container: container.name,
            previous,
            text: cap(text, options.logLimitBytes ?? 4_096),
          });
        } catch (error) {
          diagnosisNotes.push(`logs of ${pod.name}/${container.name} are not available: ${formatKubeError(error)}`);
        }
      }
    }
    results.push({
      target: item.target,
      verdict: item.verdict,
      conditions,
      pods: podDiagnoses,
      events: relevant,
      logs,
      notes: diagnosisNotes,
    });
  }
  return results;
}

function eventTime(event: KubeObject): number {
  const e = event as { lastTimestamp?: string; eventTime?: string; metadata?: { creationTimestamp?: string } };
  return Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
}
