/**
 * Waiting for a namespace's workloads to become ready: one list+watch per kind (not per object), a polling fallback
 * when a watch fails with anything but 410 Gone, one overall deadline, a progress callback at a fixed interval, and
 * a fresh list before any verdict is final — success, failure or timeout is always decided on fresh data.
 */
import type { Logger } from '@gauntlet/action-kit';
import { UserError, formatDuration, silentLogger } from '@gauntlet/action-kit';
import { isAbortError } from '@gauntlet/action-kit';
import type { KubeClient, KubeObject } from './client.js';
import { formatKubeError, KubeApiError } from './errors.js';
import { type Verdict, type WaitableKind, createBlock, serviceEndpoints, workloadReadiness } from './readiness.js';
import { CREATE_EVENT_KINDS, currentFailedCreate } from './start-problems.js';
import { type ResourceType, collectionPath, types } from './resources.js';

export interface WaitTarget {
  kind: WaitableKind;
  name: string;
  /** For Services: the applied object (its selector decides whether endpoints are needed). */
  object?: KubeObject;
}

export interface TargetStatus {
  target: WaitTarget;
  verdict: Verdict;
  /** The last object seen, for diagnostics. */
  object?: KubeObject;
}

export interface WaitResult {
  ok: boolean;
  timedOut: boolean;
  statuses: TargetStatus[];
}

export interface WaiterOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /** How often onProgress is called while waiting (default 8 s, so a line at least every 10 s). */
  progressIntervalMs?: number;
  onProgress?: (statuses: TargetStatus[]) => void;
  /** Relist interval in polling mode. */
  pollIntervalMs?: number;
  /** Server-side timeout of each watch request. */
  watchTimeoutSeconds?: number;
  /** Client-side idle cut of a watch stream. */
  watchIdleTimeoutMs?: number;
  /** How long every request may fail at the transport level before the wait ends with KubeUnreachableError (20 s). */
  unreachableAfterMs?: number;
}

/** The API server stopped answering while we waited: its own error, with its address, not "not ready". */
export class KubeUnreachableError extends UserError {
  constructor(
    readonly server: string,
    readonly code: string,
    readonly forMs: number,
  ) {
    super(
      `lost the API server at ${server}: every request failed (${code}) for ${formatDuration(forMs)}, so readiness cannot be known`,
    );
    this.name = 'KubeUnreachableError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const TRACKED_TYPE: Record<WaitableKind, ResourceType> = {
  Deployment: types.deployment,
  StatefulSet: types.statefulSet,
  DaemonSet: types.daemonSet,
  Job: types.job,
  Service: types.endpointSlice,
};

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

interface TrackerScope {
  /** List (and watch) query, e.g. a field selector. */
  query?: Record<string, string>;
  /** Poll only (a collection the action may list but not watch). */
  pollOnly?: boolean;
}

/** Keeps an up-to-date map of one collection in a namespace, by list+watch, or by polling after a watch failure. */
class CollectionTracker {
  readonly objects = new Map<string, KubeObject>();
  mode: 'watch' | 'poll';
  synced = false;
  relists = 0;
  rewatches = 0;
  private resourceVersion: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly type: ResourceType,
    private readonly namespace: string,
    private readonly options: WaiterOptions,
    private readonly onChange: () => void,
    private readonly signal: AbortSignal,
    private readonly scope: TrackerScope = {},
  ) {
    this.mode = scope.pollOnly ? 'poll' : 'watch';
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) => {
      if (!isAbortError(error))
        (this.options.logger ?? silentLogger).warning(
          `watching ${this.type.plural} stopped: ${formatKubeError(error)}`,
        );
    });
  }

  async stopped(): Promise<void> {
    await this.running;
  }

  /** A fresh list, replacing what the watch had; used before every final verdict. */
  async relist(): Promise<void> {
    const list = await this.client.list(collectionPath(this.type, this.namespace), this.scope.query ?? {}, this.signal);
    this.objects.clear();
    for (const item of list.items) {
      const name = item.metadata?.name;
      if (name) this.objects.set(name, withKind(item, this.type));
    }
    this.resourceVersion = list.metadata?.resourceVersion;
    this.synced = true;
    this.relists++;
    this.onChange();
  }

  private async loop(): Promise<void> {
    const clock = this.client.clock;
    let needList = true;
    let quickEnds = 0;
    while (!this.signal.aborted) {
      try {
        if (needList || this.mode === 'poll') {
          await this.relist();
          needList = false;
        }
        if (this.mode === 'poll') {
          await clock.sleep(this.options.pollIntervalMs ?? 2_000, this.signal);
          continue;
        }
        const started = clock.now();
        const end = await this.client.watch(
          collectionPath(this.type, this.namespace),
          {
            ...this.scope.query,
            resourceVersion: this.resourceVersion,
            timeoutSeconds: this.options.watchTimeoutSeconds ?? 60,
          },
          (event) => {
            const name = event.object.metadata?.name;
            if (!name) return;
            if (event.type === 'DELETED') this.objects.delete(name);
            else this.objects.set(name, withKind(event.object, this.type));
            this.onChange();
          },
          {
            signal: this.signal,
            ...(this.options.watchIdleTimeoutMs ? { idleTimeoutMs: this.options.watchIdleTimeoutMs } : {}),
          },
        );
        this.rewatches++;
        if (end.reason === 'gone') {
          needList = true; // our resourceVersion is too old: relist, then watch again
          continue;
        }
        this.resourceVersion = end.resourceVersion ?? this.resourceVersion;
        // A stream that ends at once, again and again, must not become a busy loop.
        quickEnds = end.events === 0 && clock.now() - started < 1_000 ? quickEnds + 1 : 0;
        if (quickEnds > 0) await clock.sleep(Math.min(2_000, 100 * 2 ** quickEnds), this.signal);
      } catch (error) {
        if (isAbortError(error) || this.signal.aborted) throw error;
        if (error instanceof KubeApiError && error.status === 410) {
          needList = true;
          continue;
        }
        if (this.mode === 'watch') {
          (this.options.logger ?? silentLogger).debug(
            `watch on ${this.type.plural} failed (${formatKubeError(error)}); polling instead`,
          );
          this.mode = 'poll';
        } else {
          (this.options.logger ?? silentLogger).debug(
            `listing ${this.type.plural} failed (${formatKubeError(error)}); retrying`,
          );
          await clock.sleep(this.options.pollIntervalMs ?? 2_000, this.signal);
        }
      }
    }
  }
}

function withKind(object: KubeObject, type: ResourceType): KubeObject {
  // Items in a list carry no kind; the predicates dispatch on it.
  return object.kind ? object : { ...object, kind: type.kind };
}

/** Watches the kinds it is asked about in one namespace; `until` can be called several times (seed jobs, then workloads). */
export class NamespaceWaiter {
  private readonly trackers = new Map<ResourceType, CollectionTracker>();
  /** FailedCreate events, polled (provision may list events, not watch them) while a StatefulSet, DaemonSet or Job is awaited. */
  private createEvents: CollectionTracker | undefined;
  private readonly controller = new AbortController();
  private wake: (() => void) | undefined;
  private version = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly options: WaiterOptions = {},
  ) {
    options.signal?.addEventListener('abort', () => this.controller.abort(options.signal?.reason), { once: true });
  }

  /** Starts tracking the kinds the given targets need (idempotent). */
  track(targets: readonly WaitTarget[]): void {
    if (!this.createEvents && targets.some((t) => CREATE_EVENT_KINDS.has(t.kind))) {
      this.createEvents = new CollectionTracker(
        this.client,
        types.event,
        this.namespace,
        this.options,
        () => this.changed(),
        this.controller.signal,
        { query: { fieldSelector: 'reason=FailedCreate' }, pollOnly: true },
      );
      this.createEvents.start();
    }
    for (const target of targets) {
      const type = TRACKED_TYPE[target.kind];
      if (this.trackers.has(type)) continue;
      if (target.kind === 'Service' && !needsEndpoints(target)) continue;
      const tracker = new CollectionTracker(
        this.client,
        type,
        this.namespace,
        this.options,
        () => this.changed(),
        this.controller.signal,
      );
      this.trackers.set(type, tracker);
      tracker.start();
    }
  }

  /** Statistics for tests and logs. */
  get trackerStats(): Array<{ plural: string; mode: string; relists: number; rewatches: number }> {
    return [...this.trackers.entries()].map(([type, t]) => ({
      plural: type.plural,
      mode: t.mode,
      relists: t.relists,
      rewatches: t.rewatches,
    }));
  }

  private changed(): void {
    this.version++;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  evaluate(targets: readonly WaitTarget[]): TargetStatus[] {
    return targets.map((target) => {
      if (target.kind === 'Service') {
        const service = target.object ?? {
          kind: 'Service',
          metadata: { name: target.name },
          spec: { selector: { unknown: 'true' } },
        };
        if (!needsEndpoints(target)) return { target, verdict: serviceEndpoints(service, []), object: service };
        const tracker = this.trackers.get(types.endpointSlice);
        const slices = [...(tracker?.objects.values() ?? [])].filter(
          (slice) => slice.metadata?.labels?.[SERVICE_NAME_LABEL] === target.name,
        );
        if (!tracker?.synced)
          return { target, verdict: { state: 'progressing', message: 'listing endpoints' }, object: service };
        return { target, verdict: serviceEndpoints(service, slices), object: service };
      }
      const tracker = this.trackers.get(TRACKED_TYPE[target.kind]);
      const object = tracker?.objects.get(target.name);
      if (!tracker?.synced) return { target, verdict: { state: 'progressing', message: 'listing' } };
      if (!object) return { target, verdict: { state: 'progressing', message: 'not found yet' } };
      const verdict = workloadReadiness(object);
      // Their controllers say a pod cannot be created only in an event: a refusal there is the cause, not a slow rollout.
      if (verdict.state === 'progressing' && CREATE_EVENT_KINDS.has(target.kind) && this.createEvents?.synced) {
        const refusal = currentFailedCreate(object, this.createEvents.objects.values());
        if (refusal !== undefined) return { target, verdict: createBlock(object, refusal), object };
      }
      return { target, verdict, object };
    });
  }

  /**
   * Resolves when every target is ready (ok), when one has failed terminally (Job failed, progress deadline), or at
   * the deadline (timedOut). Each of these is confirmed by a fresh list first.
   */
  async until(targets: readonly WaitTarget[], deadline: number): Promise<WaitResult> {
    this.track(targets);
    const clock = this.client.clock;
    const interval = this.options.progressIntervalMs ?? 8_000;
    let nextProgress = clock.now() + interval;
    for (;;) {
      if (this.controller.signal.aborted) throw abortErrorFrom(this.controller.signal);
      const outage = this.client.unreachable();
      // Both a time and a count: one reset in a burst of retries is not an outage.
      if (outage && outage.forMs >= (this.options.unreachableAfterMs ?? 20_000) && outage.failures >= 5)
        throw new KubeUnreachableError(outage.server, outage.code, outage.forMs);
      const seen = this.version;
      let statuses = this.evaluate(targets);
      const done = statuses.every((s) => s.verdict.state === 'ready');
      const failed = statuses.some((s) => s.verdict.state === 'failed');
      const timedOut = clock.now() >= deadline;
      if (done || failed || timedOut) {
        await this.refresh(targets);
        statuses = this.evaluate(targets);
        const ok = statuses.every((s) => s.verdict.state === 'ready');
        if (ok || statuses.some((s) => s.verdict.state === 'failed') || timedOut)
          return { ok, timedOut: !ok && timedOut, statuses };
        continue;
      }
      if (clock.now() >= nextProgress) {
        if (outage)
          (this.options.logger ?? silentLogger).warning(
            `the API server at ${outage.server} is not answering (${outage.code}) for ${formatDuration(outage.forMs)}; the last known state follows`,
          );
        this.options.onProgress?.(statuses);
        nextProgress = clock.now() + interval;
      }
      if (this.version !== seen) continue;
      const sleepFor = Math.max(
        0,
        Math.min(nextProgress, deadline, outage ? clock.now() + 2_000 : deadline) - clock.now(),
      );
      const wait = new AbortController();
      const woken = new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      try {
        await Promise.race([
          woken,
          clock.sleep(sleepFor, AbortSignal.any([wait.signal, this.controller.signal])).catch(() => undefined),
        ]);
      } finally {
        wait.abort();
      }
    }
  }

  /** Fresh lists of every kind the targets need, tolerating failures (the watch data stands then). */
  private async refresh(targets: readonly WaitTarget[]): Promise<void> {
    const needed = new Set<ResourceType>();
    for (const target of targets)
      if (target.kind !== 'Service' || needsEndpoints(target)) needed.add(TRACKED_TYPE[target.kind]);
    await Promise.all(
      [...needed].map(async (type) => {
        try {
          await this.trackers.get(type)?.relist();
        } catch (error) {
          if (isAbortError(error)) throw error;
          (this.options.logger ?? silentLogger).debug(`fresh list of ${type.plural} failed: ${formatKubeError(error)}`);
        }
      }),
    );
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(
      [...this.trackers.values(), ...(this.createEvents ? [this.createEvents] : [])].map((t) => t.stopped()),
    );
  }
}

function needsEndpoints(target: WaitTarget): boolean {
  if (target.kind !== 'Service') return true;
  const spec = (target.object?.spec ?? {}) as { type?: string; selector?: Record<string, string> };
  return spec.type !== 'ExternalName' && Object.keys(spec.selector ?? {}).length > 0;
}

function abortErrorFrom(signal: AbortSignal): Error {
  const error = new Error(signal.reason instanceof Error ? signal.reason.message : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}
