/**
 * Turning what a finished Indexed Job left behind into shard results for the merge: each pod is one attempt of its
 * index (in creation order), and its result is what it stored in its shard's result ConfigMap. A pod that failed
 * without storing anything (OOM kill, image pull failure, deadline) is an attempt that ended in error, with the
 * reason Kubernetes gave; an index with no pod at all is a missing shard. Nothing here is ever a pass by default.
 */
import { gunzipSync } from 'node:zlib';
import { neutralize, type Logger } from '@gauntlet/action-kit';
import type { KubeObject } from '@gauntlet/kube';
import { XmlError, type JUnitReport, type Plan } from '@gauntlet/sharding';
import { commandSuite, failingCases, syntheticReport } from '../../execute.js';
import { readJUnit } from '../../junit-read.js';
import { itemKeys } from '../../plan-io.js';
import type { ShardResult } from '../../results.js';
import { buildResult } from '../../shard-result.js';
import { INDEX_ANNOTATION } from './manifests.js';
import { parseMetaLine } from './run-script.js';

const MAX_JUNIT_BYTES = 64 * 1024 * 1024;

interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  startTime?: string;
  containerStatuses?: {
    name?: string;
    state?: {
      terminated?: { exitCode?: number; reason?: string; message?: string };
      waiting?: { reason?: string; message?: string };
    };
  }[];
}

function podIndex(pod: KubeObject): number | undefined {
  const raw = pod.metadata?.annotations?.[INDEX_ANNOTATION] ?? pod.metadata?.labels?.[INDEX_ANNOTATION];
  const n = Number(raw);
  return raw !== undefined && Number.isSafeInteger(n) && n >= 0 ? n + 1 : undefined;
}

function created(pod: KubeObject): number {
  const t = Date.parse(pod.metadata?.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** Why a pod ended without a stored result, from its status (plain text; escaped wherever it is shown). */
export function podFailureReason(pod: KubeObject): string {
  const status = (pod['status'] ?? {}) as PodStatus;
  const container = status.containerStatuses?.find((c) => c.name === 'tests') ?? status.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const waiting = container?.state?.waiting;
  const parts: string[] = [];
  if (status.phase) parts.push(`pod ${status.phase.toLowerCase()}`);
  if (terminated)
    parts.push(`container ${terminated.reason ?? 'terminated'} with exit code ${terminated.exitCode ?? '?'}`);
  else if (waiting?.reason) parts.push(`container ${waiting.reason}`);
  if (status.reason) parts.push(status.reason);
  const message = terminated?.message ?? waiting?.message ?? status.message;
  if (message) parts.push(message.slice(0, 300));
  return `${parts.join(', ') || 'pod ended'}; it stored no result`;
}

function decodeJUnit(base64: string, cwd: string): JUnitReport | string {
  let xml: string;
  try {
    xml = gunzipSync(Buffer.from(base64, 'base64'), { maxOutputLength: MAX_JUNIT_BYTES }).toString('utf8');
  } catch {
    return 'its stored JUnit is not valid gzip data';
  }
  try {
    return readJUnit(xml, cwd);
  } catch (error) {
    if (error instanceof XmlError) return `its stored JUnit is unreadable (${error.message})`;
    throw error;
  }
}

export interface CollectInput {
  readonly plan: Plan;
  readonly pods: readonly KubeObject[];
  /** Result ConfigMaps by 1-based shard index. */
  readonly results: ReadonlyMap<number, KubeObject>;
  /** Where JUnit paths are made relative to (the working directory, as in the pod). */
  readonly cwd: string;
  readonly logger: Logger;
  /** Why the run ended before every shard finished (the deadline, pods that cannot start), for shards without a result. */
  readonly unfinishedCause?: string;
}

/** A pod name as the Job controller makes them (a key of a result ConfigMap that is not one is ignored). */
const POD_NAME = /^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/;

/**
 * The pods of our Job: controlled by the Job of uid `jobUid`. The label the pods are listed by can be put on any pod
 * by whoever may create pods in the namespace; the controller's ownerReference (its uid) cannot be forged for a Job
 * that did not create the pod without also knowing that uid, and a Job re-created under the name has another one.
 */
export function podsOfJob(pods: readonly KubeObject[], jobUid: string): KubeObject[] {
  return pods.filter((pod) =>
    (pod.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Job' && r.controller === true && r.uid === jobUid),
  );
}

export function collectResults(input: CollectInput): ShardResult[] {
  const { plan, logger } = input;
  const byIndex = new Map<number, KubeObject[]>();
  for (const pod of input.pods) {
    const index = podIndex(pod);
    if (index === undefined || index > plan.shardCount) continue;
    const list = byIndex.get(index) ?? [];
    list.push(pod);
    byIndex.set(index, list);
  }
  const out: ShardResult[] = [];
  for (let index = 1; index <= plan.shardCount; index++) {
    const items = plan.shards[index - 1]!.items;
    const keys = itemKeys(items);
    const cm = input.results.get(index);
    const data = (cm?.['data'] ?? {}) as Record<string, string>;
    const binary = (cm?.['binaryData'] ?? {}) as Record<string, string>;
    // Every attempt of the index: its pods, and results stored by pods that are gone (the Job controller deletes
    // running pods at its deadline; what they stored before still counts). In the order they started.
    const listed = byIndex.get(index) ?? [];
    const listedNames = new Set(listed.map((p) => p.metadata?.name ?? ''));
    const orphans: KubeObject[] = Object.keys(data)
      .filter((key) => key.endsWith('.meta'))
      .map((key) => key.slice(0, -'.meta'.length))
      .filter((podName) => POD_NAME.test(podName) && !listedNames.has(podName))
      .map((podName) => {
        const start = parseMetaLine(data[`${podName}.meta`]!)?.start ?? 0;
        return { metadata: { name: podName, creationTimestamp: new Date(start * 1000).toISOString() } };
      });
    const pods = [...listed, ...orphans].sort(
      (a, b) => created(a) - created(b) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1),
    );
    if (pods.length === 0 && input.unfinishedCause !== undefined) {
      const now = Date.now();
      out.push({
        ...buildResult({
          planId: plan.id,
          shard: index,
          shardTotal: plan.shardCount,
          attempt: 1,
          source: 'kubernetes',
          tests: keys,
          status: 'error',
          exitCode: null,
          startedMs: now,
          finishedMs: now,
          durationSeconds: 0,
          report: { suites: [] },
          message: `no pod ran: ${input.unfinishedCause}`,
        }),
        origin: `shard ${index}`,
      });
      continue;
    }
    pods.forEach((pod, i) => {
      const name = pod.metadata?.name ?? '';
      const attempt = i + 1;
      const gone = !listedNames.has(name);
      const podCreated = gone ? 0 : created(pod);
      const phase = ((pod['status'] ?? {}) as PodStatus).phase;
      const metaLine = data[`${name}.meta`];
      const meta = metaLine === undefined ? undefined : parseMetaLine(metaLine);
      const common = {
        planId: plan.id,
        shard: index,
        shardTotal: plan.shardCount,
        attempt,
        source: 'kubernetes' as const,
        tests: keys,
      };
      if (!meta) {
        const unfinished = phase !== 'Succeeded' && phase !== 'Failed';
        const message =
          metaLine !== undefined
            ? 'its stored summary is malformed'
            : unfinished
              ? `pod ${phase?.toLowerCase() ?? 'unknown'}: it did not finish${input.unfinishedCause ? ` (${input.unfinishedCause})` : ''}`
              : podFailureReason(pod);
        out.push({
          ...buildResult({
            ...common,
            status: 'error',
            exitCode: null,
            startedMs: podCreated || Date.now(),
            finishedMs: podCreated || Date.now(),
            durationSeconds: 0,
            report: { suites: [] },
            message,
          }),
          origin: `pod ${name}`,
        });
        return;
      }
      const startedMs = meta.start * 1000;
      const finishedMs = Math.max(startedMs, meta.end * 1000);
      const durationMs = finishedMs - startedMs;
      let report: JUnitReport;
      let message: string | undefined;
      let status: 'completed' | 'error' = 'completed';
      const stored = binary[`${name}.junit.gz`];
      if (meta.junit === 'present' && stored !== undefined) {
        const decoded = decodeJUnit(stored, input.cwd);
        if (typeof decoded === 'string') {
          status = 'error';
          message = decoded;
          report = { suites: [] };
        } else report = decoded;
      } else {
        if (meta.junit === 'oversize') {
          logger.warning(
            `Shard ${index} pod ${neutralize(name)}: its JUnit was too large to store; its verdict comes from the exit code only.`,
          );
        }
        report = syntheticReport(
          items,
          durationMs,
          meta.exit === 0 ? undefined : `the test command exited with code ${meta.exit}`,
        );
      }
      if (status === 'completed' && meta.exit !== 0 && failingCases(report).length === 0) {
        report = { suites: [...report.suites, commandSuite({ exitCode: meta.exit, signal: null, tail: [] })] };
      }
      out.push({
        ...buildResult({
          ...common,
          status,
          exitCode: meta.exit,
          startedMs,
          finishedMs,
          durationSeconds: durationMs / 1000,
          report,
          ...(message === undefined ? {} : { message }),
          ...(podCreated > 0 && startedMs >= podCreated ? { overheadSeconds: (startedMs - podCreated) / 1000 } : {}),
          recordTimings: meta.junit === 'present' || meta.exit === 0,
        }),
        origin: `pod ${name}`,
      });
    });
  }
  return out;
}
