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
  /**
   * A fault that lives only in the main step's process (an events relay, a chaotic producer): what it is, for the
   * report. Its backend's in-process `revert` hook ends it; it dies with the process, so the post step and the
   * reaper have nothing to undo for it beyond what `created`/`scaled`/`toxics` list.
   */
  readonly inProcess?: string;
  /**
   * Written as a server-side dry run (dryRun=All): nothing persisted, so a revert writes nothing either (a restore
   * sent for real would overwrite whatever changed the object since, in a run that promised to persist nothing).
   */
  readonly dryRun?: boolean;
  state: 'planned' | 'injected' | 'reverted' | 'failed';
}

export interface Verification {
  readonly ok: boolean;
  /** What was seen: `NetworkPolicy x uid … exists`, `replicas 3 (was 3)`. */
  readonly detail: string;
}

export interface FaultOutcome extends Verification {
  /** Not ok because no verdict came (rather than a failing one). */
  readonly inconclusive?: boolean;
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
  /**
   * In-process revert hook (faults whose state is in this process: relays, proxies, wrapped clients). Called on
   * every path out, before the ledger-driven revert of the entry, with the fault's context; returns what it did.
   */
  revert?(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<string[]>;
  /**
   * The fault's own verdict, for backends whose tool judges its run (a LitmusChaos ChaosResult): asked once the
   * step's duration has passed with nothing else deciding, before the revert. Not ok fails the experiment (or,
   * with `inconclusive`, makes it inconclusive: no verdict is never a pass) with the detail as its reason.
   */
  outcome?(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<FaultOutcome>;
  /** Checked after `revert`, besides the entry's own check: nothing of the fault still runs or holds messages. */
  verifyReverted?(fault: F, entry: LedgerEntry, ctx: FaultContext): Promise<Verification>;
}

/** Reverting needs only the client and the entry: the post step and the reaper have nothing else. */
export interface RevertContext {
  readonly client: KubeClient;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}
