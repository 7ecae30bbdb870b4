/**
 * Where a queue worker stores each batch's results before the batch counts as completed: ConfigMaps beside the
 * queue, in the namespace the queue already needs. A worker's own result file is written once, when it has drained
 * the queue, and reaches the merge only through the job's artifact upload; a worker killed outright (SIGKILL, a lost
 * runner) after completing batches would take their results with it, and the merge could only say that those tests
 * ran nowhere. With the batch stored first, a batch the queue counts as completed always has results the merge can
 * read (recoverDeadWorkers); a worker that dies between storing and completing loses its lease and the batch runs
 * again elsewhere, so nothing is lost either way.
 *
 * Each batch is one or more ConfigMaps `<queue>-b<lease id>-<part>` (gzip of the batch's JUnit, split below the
 * ConfigMap size limit), labelled like the queue with component=queue-result and owned by the queue ConfigMap
 * (ownerReference with its uid): deleting the queue (the merge's clean-up, a reaper) deletes them through the
 * garbage collector, and they carry the queue's expiry annotations.
 *
 * The merge reads them as untrusted: labels, name, owner annotation, plan and item indices are checked, the parts
 * must be complete, the JUnit is decompressed with a cap and parsed with the usual limits. Labels, names and
 * annotations can be copied by anyone who may write ConfigMaps in the namespace, so a batch is used only when its
 * ownerReference names the uid of this run's queue ConfigMap, read and checked as the clean-up checks it
 * (queueAttempt): a forged batch of the same name and marks, or one left by an earlier queue of the name, is not.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { neutralize, UserError, type Logger } from '@gauntlet/action-kit';
import {
  collectionPath,
  formatKubeError,
  isConflict,
  labelSelector,
  objectPath,
  types,
  type KubeClient,
  type KubeList,
  type KubeObject,
  type KubeRequest,
} from '@gauntlet/kube';
import { writeJUnitXml, XmlError, type JUnitReport, type Plan } from '@gauntlet/sharding';
import { readJUnit } from '../../junit-read.js';
import { allItems, itemKeys } from '../../plan-io.js';
import type { ShardResult } from '../../results.js';
import { buildResult } from '../../shard-result.js';
import { reportForItems } from './worker.js';
import { MANAGER } from '../kubernetes/manifests.js';
import type { RunIdentity } from '../../run-identity.js';
import { queueAttempt } from './cleanup.js';
import { QueueAnnotations, QueueLabels, queueMetadata, queueName, queueOwner } from './configmap-store.js';

export const QUEUE_RESULT_COMPONENT = 'queue-result';
export const BATCH_KEY = 'batch.json';
export const JUNIT_KEY = 'junit.xml.gz';
const BATCH_FORMAT = 'gauntlet-queue-batch';
/** Raw gzip bytes per ConfigMap: below the 1 MiB limit on data, with room for the metadata. */
export const PART_BYTES = 768 * 1024;
/** At most this many parts (48 MiB of gzip) per batch; a larger JUnit is an error naming the batch. */
export const MAX_PARTS = 64;
const MAX_JUNIT_BYTES = 64 * 1024 * 1024;

/** What a stored batch says about itself (batch.json). */
export interface StoredBatch {
  readonly format: typeof BATCH_FORMAT;
  readonly planId: string;
  /** 1-based worker index. */
  readonly worker: number;
  readonly lease: number;
  /** Plan item indices the batch ran. */
  readonly items: readonly number[];
  readonly durationMs: number;
  readonly part: number;
  readonly parts: number;
}

export function batchName(identity: RunIdentity, lease: number, part: number): string {
  return `${queueName(identity)}-b${lease}-${part}`;
}

export function batchSelector(identity: RunIdentity): string {
  return labelSelector()
    .eq(QueueLabels.managedBy, MANAGER)
    .eq(QueueLabels.component, QUEUE_RESULT_COMPONENT)
    .eq(QueueLabels.runId, String(identity.runId))
    .eq(QueueLabels.runAttempt, String(identity.runAttempt))
    .eq(QueueLabels.plan, identity.planId)
    .toString();
}

/** The queue ConfigMap the batches belong to (their owner), as the store last read it. */
export interface QueueOwnerRef {
  readonly name: string;
  readonly uid: string;
}

export class QueueResultStore {
  constructor(
    private readonly api: BatchWriteApi,
    private readonly namespace: string,
    private readonly identity: RunIdentity,
    private readonly owner: () => QueueOwnerRef | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores one batch's results; resolves only once every part is written. */
  async put(batch: {
    worker: number;
    lease: number;
    items: readonly number[];
    durationMs: number;
    report: JUnitReport;
  }): Promise<void> {
    const gz = gzipSync(Buffer.from(writeJUnitXml(batch.report), 'utf8'));
    const parts = Math.max(1, Math.ceil(gz.length / PART_BYTES));
    if (parts > MAX_PARTS) {
      throw new UserError(
        `batch ${batch.lease}'s JUnit is ${(gz.length / 1048576).toFixed(1)} MiB compressed, more than the ${MAX_PARTS} ConfigMaps a batch may take; use smaller batches (more workers) or less test output`,
      );
    }
    const owner = this.owner();
    const meta = queueMetadata(this.identity, this.now());
    for (let part = 0; part < parts; part++) {
      const stored: StoredBatch = {
        format: BATCH_FORMAT,
        planId: this.identity.planId,
        worker: batch.worker,
        lease: batch.lease,
        items: [...batch.items],
        durationMs: Math.max(0, Math.round(batch.durationMs)),
        part,
        parts,
      };
      const name = batchName(this.identity, batch.lease, part);
      const body: KubeObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: this.namespace,
          labels: { ...meta.labels, [QueueLabels.component]: QUEUE_RESULT_COMPONENT },
          annotations: meta.annotations,
          ...(owner
            ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.name, uid: owner.uid }] }
            : {}),
        },
        data: { [BATCH_KEY]: JSON.stringify(stored) },
        binaryData: { [JUNIT_KEY]: gz.subarray(part * PART_BYTES, (part + 1) * PART_BYTES).toString('base64') },
      };
      try {
        await this.api.request({ method: 'POST', path: collectionPath(types.configMap, this.namespace), body });
      } catch (error) {
        // Already there: an earlier try of this very write (a retried request). Replace it.
        if (!isConflict(error)) throw error;
        await this.api.request({ method: 'PUT', path: objectPath(types.configMap, this.namespace, name), body });
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const index = (v: unknown, below: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < below;

/**
 * batch.json of a listed ConfigMap, checked against this run and plan and owned by the queue ConfigMap of uid
 * `queueUid`; a reason string when it is not usable.
 */
export function readStoredBatch(
  cm: KubeObject,
  identity: RunIdentity,
  plan: Plan,
  queueUid: string,
): StoredBatch | string {
  const meta = cm.metadata ?? {};
  const labels = meta.labels ?? {};
  const owned = (meta.ownerReferences ?? []).some(
    (r) => r.kind === 'ConfigMap' && r.name === queueName(identity) && r.uid === queueUid,
  );
  if (!owned) return 'it is not owned by this run’s queue ConfigMap (no ownerReference with its uid)';
  if (labels[QueueLabels.managedBy] !== MANAGER || labels[QueueLabels.component] !== QUEUE_RESULT_COMPONENT)
    return 'its labels are not a queue batch’s';
  if (labels[QueueLabels.runId] !== String(identity.runId) || labels[QueueLabels.plan] !== identity.planId)
    return 'its labels name another run or plan';
  if (labels[QueueLabels.runAttempt] !== String(identity.runAttempt)) return 'its labels name another attempt';
  if (meta.annotations?.[QueueAnnotations.owner] !== queueOwner(identity))
    return `annotation ${QueueAnnotations.owner} does not match`;
  let value: unknown;
  try {
    value = JSON.parse((cm['data'] as Record<string, string> | undefined)?.[BATCH_KEY] ?? '');
  } catch {
    return `${BATCH_KEY} is not JSON`;
  }
  if (!isRecord(value) || value['format'] !== BATCH_FORMAT) return `${BATCH_KEY} is not a stored batch`;
  if (value['planId'] !== identity.planId) return 'it belongs to another plan';
  const { worker, lease, part, parts, items, durationMs } = value;
  if (!index(worker, plan.shardCount + 1) || worker === 0) return 'invalid worker';
  if (!index(lease, Number.MAX_SAFE_INTEGER) || lease === 0) return 'invalid lease';
  if (!index(parts, MAX_PARTS + 1) || parts === 0 || !index(part, parts)) return 'invalid part';
  const itemCount = allItems(plan).length;
  if (!Array.isArray(items) || items.length === 0 || items.some((i) => !index(i, itemCount))) return 'invalid items';
  if (!index(durationMs, 7 * 86_400_000)) return 'invalid duration';
  if (meta.name !== batchName(identity, lease, part)) return 'its name is not the one its lease and part give';
  return value as unknown as StoredBatch;
}

export interface RecoverOptions {
  readonly namespace: string;
  readonly identity: RunIdentity;
  readonly plan: Plan;
  /** The results the merge read (every attempt). */
  readonly results: readonly ShardResult[];
  readonly cwd: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Results for the workers of this attempt that sent none (killed outright, or their upload was lost), from the
 * batches they stored: only items no result file covers, each item once (lowest lease first). Never throws for
 * what it reads: an unusable object is a warning and is skipped.
 */
/** The calls recovery makes (a KubeClient, or a fake in unit tests). */
export interface BatchListApi {
  list(path: string, query?: KubeRequest['query'], signal?: AbortSignal): Promise<KubeList>;
  getOptional(path: string, signal?: AbortSignal): Promise<KubeObject | undefined>;
}

/** The calls storing makes. */
export interface BatchWriteApi {
  request(request: KubeRequest): Promise<unknown>;
}

export async function recoverDeadWorkers(api: BatchListApi, options: RecoverOptions): Promise<ShardResult[]> {
  const { identity, plan, logger, namespace } = options;
  const ofPlan = options.results.filter((r) => r.meta.planId === plan.id && r.meta.attempt <= identity.runAttempt);
  const reported = new Set(ofPlan.map((r) => r.meta.shard));
  const silent: number[] = [];
  for (let w = 1; w <= plan.shardCount; w++) if (!reported.has(w)) silent.push(w);
  if (silent.length === 0) return [];
  // The owner every batch must name: this run's queue, as it is now.
  const queue = await api.getOptional(objectPath(types.configMap, namespace, queueName(identity)), options.signal);
  const checked = queue ? queueAttempt(queue, identity) : { reason: 'it is not there' };
  if ('reason' in checked || checked.attempt !== identity.runAttempt || !queue?.metadata?.uid) {
    logger.warning(
      `The queue ConfigMap ${queueName(identity)} in namespace ${namespace} cannot be used to prove the stored batches ours (${'reason' in checked ? checked.reason : 'another attempt'}); none is read.`,
    );
    return [];
  }
  const queueUid = queue.metadata.uid;
  const listed = await api.list(
    collectionPath(types.configMap, namespace),
    { labelSelector: batchSelector(identity) },
    options.signal,
  );
  // Lease → its parts, keeping only batches of silent workers.
  const batches = new Map<number, { head: StoredBatch; parts: Map<number, KubeObject> }>();
  for (const cm of listed.items) {
    const read = readStoredBatch(cm, identity, plan, queueUid);
    const name = neutralize(cm.metadata?.name ?? '(unnamed)');
    if (typeof read === 'string') {
      logger.warning(`Stored queue batch ${name} in namespace ${namespace} is not used: ${read}.`);
      continue;
    }
    if (!silent.includes(read.worker)) continue;
    const entry = batches.get(read.lease) ?? { head: read, parts: new Map<number, KubeObject>() };
    if (entry.head.worker !== read.worker || entry.head.parts !== read.parts) {
      logger.warning(`Stored queue batch ${name}: its parts disagree about the batch; not used.`);
      continue;
    }
    entry.parts.set(read.part, cm);
    batches.set(read.lease, entry);
  }
  const covered = new Set(ofPlan.flatMap((r) => r.meta.tests));
  const items = allItems(plan);
  const taken = new Set<number>();
  const byWorker = new Map<number, { items: number[]; reports: JUnitReport[]; durationMs: number; batches: number }>();
  for (const [lease, { head, parts }] of [...batches].sort((a, b) => a[0] - b[0])) {
    if (parts.size !== head.parts) {
      logger.warning(`Stored queue batch ${lease} of worker ${head.worker} is incomplete; not used.`);
      continue;
    }
    const report = decodeParts(head, parts, options.cwd);
    if (typeof report === 'string') {
      logger.warning(`Stored queue batch ${lease} of worker ${head.worker}: ${report}; not used.`);
      continue;
    }
    const mine = head.items.filter((i) => !taken.has(i) && itemKeys([items[i]!]).some((k) => !covered.has(k)));
    if (mine.length === 0) continue;
    for (const i of mine) taken.add(i);
    const w = byWorker.get(head.worker) ?? { items: [], reports: [], durationMs: 0, batches: 0 };
    w.items.push(...mine);
    w.reports.push(
      reportForItems(
        report,
        mine.map((i) => items[i]!),
      ),
    );
    w.durationMs += head.durationMs;
    w.batches++;
    byWorker.set(head.worker, w);
  }
  const now = Date.now();
  const out: ShardResult[] = [];
  for (const [worker, w] of [...byWorker].sort((a, b) => a[0] - b[0])) {
    const credited = w.items.sort((a, b) => a - b).map((i) => items[i]!);
    const message = `worker ${worker} sent no result; ${w.batches} batch${w.batches === 1 ? '' : 'es'} it stored in the cluster before completing ${w.batches === 1 ? 'it' : 'them'} were read back`;
    logger.info(
      `Queue worker ${worker} sent no result: ${message.slice(message.indexOf(';') + 2)} (${credited.length} items).`,
    );
    out.push({
      ...buildResult({
        planId: plan.id,
        shard: worker,
        shardTotal: plan.shardCount,
        attempt: identity.runAttempt,
        source: 'queue',
        status: 'cancelled',
        exitCode: null,
        startedMs: now,
        finishedMs: now,
        durationSeconds: w.durationMs / 1000,
        tests: itemKeys(credited),
        report: { suites: w.reports.flatMap((r) => r.suites) },
        message,
      }),
      origin: `the stored batches of worker ${worker} in namespace ${namespace}`,
    });
  }
  return out;
}

function decodeParts(head: StoredBatch, parts: ReadonlyMap<number, KubeObject>, cwd: string): JUnitReport | string {
  const chunks: Buffer[] = [];
  for (let p = 0; p < head.parts; p++) {
    const b64 = (parts.get(p)?.['binaryData'] as Record<string, string> | undefined)?.[JUNIT_KEY];
    if (typeof b64 !== 'string') return `part ${p} has no ${JUNIT_KEY}`;
    chunks.push(Buffer.from(b64, 'base64'));
  }
  let xml: string;
  try {
    xml = gunzipSync(Buffer.concat(chunks), { maxOutputLength: MAX_JUNIT_BYTES }).toString('utf8');
  } catch {
    return 'its JUnit is not valid gzip data (or larger than 64 MiB)';
  }
  try {
    return readJUnit(xml, cwd);
  } catch (error) {
    if (error instanceof XmlError) return `its JUnit is unreadable (${neutralize(error.message)})`;
    throw error;
  }
}

/** The merge's entry: connect, recover, close. A failure to reach the cluster is a warning, never a failed merge. */
export async function recoverFromCluster(
  connectApi: () => Promise<KubeClient>,
  options: RecoverOptions,
): Promise<ShardResult[]> {
  let api: KubeClient | undefined;
  try {
    api = await connectApi();
    return await recoverDeadWorkers(api, options);
  } catch (error) {
    options.logger.warning(
      `Could not read the queue's stored batches in namespace ${options.namespace} (${formatKubeError(error)}); workers that sent no result are counted as missing.`,
    );
    return [];
  } finally {
    api?.close();
  }
}
