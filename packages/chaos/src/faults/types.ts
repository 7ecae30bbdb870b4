import type { KubeClient } from '@gauntlet/kube';
import type { FaultSpec, TargetSpec } from '../experiment/model.js';

/** Labels and annotations on every cluster object a run creates or changes, so a reaper can find them. */
export const CHAOS_LABELS = {
  run: 'gauntlet.dev/chaos-run',
  fault: 'gauntlet.dev/chaos-fault',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;
export const CHAOS_ANNOTATIONS = {
  expires: 'gauntlet.dev/chaos-expires',
  /** JSON of what a changed object looked like before (for the reaper's exact restore). */
  restore: 'gauntlet.dev/chaos-restore',
} as const;
export const MANAGED_BY = 'gauntlet-chaos';

/** A cluster object the fault created: deleted by uid, and only when it carries our run label. */
export interface CreatedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
  uid?: string;
}

/** A workload whose replicas we changed: restored exactly, compared after. */
export interface ScaledObject {
  readonly kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly replicasBefore: number;
  readonly replicasDuring: number;
}

/** A toxic we added on a Toxiproxy API: deleted by name; its name carries the run's mark and expiry for the reaper. */
export interface ToxicRecord {
  readonly apiUrl: string;
  readonly proxy: string;
  readonly name: string;
}

/**
 * One fault as recorded in the action's state before anything is written. Everything a revert needs is here, so
 * the post step (a new process) and the reaper can revert it without the experiment file.
 */
export interface LedgerEntry {
  readonly runId: string;
  readonly experiment: string;
  readonly faultId: string;
  readonly type: FaultSpec['type'];
  readonly namespace: string;
  readonly expiresAt: string;
  readonly created: CreatedObject[];
  readonly scaled: ScaledObject[];
  /** Pods deleted (names and uids), for the report; their controllers bring them back. */
  readonly deletedPods: { name: string; uid: string }[];
  /** Ready pods of the target before the fault: recovery needs at least as many again. */
  readonly readyBefore?: number;
  readonly target?: TargetSpec;
  /** Toxiproxy toxics (deleted by name on revert). */
  readonly toxics?: ToxicRecord[];
  state: 'planned' | 'injected' | 'reverted' | 'failed';
}

export interface Verification {
  readonly ok: boolean;
  /** What was seen: `NetworkPolicy x uid … exists`, `replicas 3 (was 3)`. */
  readonly detail: string;
}

export interface FaultContext {
  readonly client: KubeClient;
  readonly runId: string;
  readonly experiment: string;
  readonly targets: ReadonlyMap<string, TargetSpec>;
  readonly defaultNamespace: string;
  /** Server-side dry run: every write is sent with dryRun=All, nothing persists. */
  readonly dryRun: boolean;
  /** Target objects allowed for this fault after the blast-radius limits (names), chosen before any write. */
  readonly limitTargets: (candidates: readonly string[], target: TargetSpec) => string[];
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly now: () => number;
  /** The Toxiproxy API (the test bed's, or the action's toxiproxy-url), for toxiproxy faults. */
  readonly toxiproxyUrl?: string;
}

/**
 * The life cycle every fault backend implements. `plan` reads only (targets, the state before) and returns the
 * ledger entry, which the caller saves before `inject`. `revert` and `verifyReverted` work from the entry alone.
 */
export interface FaultBackend<F extends FaultSpec = FaultSpec> {
  plan(fault: F, ctx: FaultContext): Promise<LedgerEntry>;
  inject(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<void>;
  verifyInjected(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<Verification>;
  /** Called every guard interval while the fault is in effect (repeated pod deletes). */
  tick?(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<void>;
  describe(fault: F, entry: LedgerEntry): string;
}

/** Reverting needs only the client and the entry: the post step and the reaper have nothing else. */
export interface RevertContext {
  readonly client: KubeClient;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}
