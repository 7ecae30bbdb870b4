/**
 * The experiment model: what an experiment file says once it is validated. Every fault has a duration (a fault
 * with no end is refused), a target drawn from the experiment's named targets, and a type whose backend is loaded
 * only when a run uses it.
 */
export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'ReplicaSet';

export interface TargetSpec {
  readonly name: string;
  /** Namespace of the target; the run's default namespace when absent. Checked against the allow-list. */
  readonly namespace?: string;
  readonly kind: WorkloadKind;
  /** matchLabels of the pods (kind Pod) or workloads; required unless `names` lists objects. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly names?: readonly string[];
}

export type ToxicType = 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data' | 'down';

export type AppAction =
  | { readonly kind: 'command'; readonly argv: readonly string[]; readonly timeoutMs: number }
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly method: string;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly timeoutMs: number;
    };

interface FaultBase {
  /** `steps[0].faults[1]`-style id, unique in the experiment; names cluster objects with the run id. */
  readonly id: string;
  readonly durationMs: number;
}

export type FaultSpec =
  | (FaultBase & {
      readonly type: 'pod-delete';
      readonly target: string;
      readonly mode: 'graceful' | 'forced';
      /** Delete again at this interval for the duration; undefined deletes once. */
      readonly intervalMs?: number;
    })
  | (FaultBase & { readonly type: 'pod-failure'; readonly target: string })
  | (FaultBase & { readonly type: 'scale-down'; readonly target: string; readonly replicas: number })
  | (FaultBase & {
      readonly type: 'network-partition';
      readonly target: string;
      /** The peers cut off; every other pod of the namespace when absent. */
      readonly from?: string;
      readonly direction: 'ingress' | 'egress' | 'both';
    })
  | (FaultBase & { readonly type: 'dns-failure'; readonly target: string })
  | (FaultBase & { readonly type: 'resource-exhaustion'; readonly namespace?: string })
  | (FaultBase & {
      readonly type: 'toxiproxy';
      /** Existing proxy on the test bed or toxiproxy-url, or the Service routed through one in the cluster. */
      readonly proxy: string;
      readonly toxic: ToxicType;
      readonly stream: 'downstream' | 'upstream';
      readonly toxicity: number;
      readonly attributes: Readonly<Record<string, number>>;
    })
  | (FaultBase & {
      readonly type: 'chaos-mesh' | 'litmus';
      /** The resource as written (kind and spec); the backend forces its selectors and duration. */
      readonly resource: Readonly<Record<string, unknown>>;
    })
  | (FaultBase & {
      readonly type: 'istio-fault';
      readonly host: string;
      readonly namespace?: string;
      readonly delay?: { readonly fixedDelayMs: number; readonly percentage: number };
      readonly abort?: { readonly httpStatus: number; readonly percentage: number };
    })
  | (FaultBase & { readonly type: 'app'; readonly on: AppAction; readonly off: AppAction })
  | (FaultBase & { readonly type: 'node-cordon'; readonly nodes: readonly string[] })
  | (FaultBase & { readonly type: 'event'; readonly event: PluginDefinition });

/**
 * The body of an `event:` probe or a `type: event` fault, kept as written: the events plug-in (chaos-gate's
 * @gauntlet/events reader) validates it before any write, and its errors name `origin` and `path` as ours do.
 */
export interface PluginDefinition {
  readonly origin: string;
  readonly path: string;
  readonly value: Readonly<Record<string, unknown>>;
}

export type FaultType = FaultSpec['type'];

export interface StepSpec {
  /** Faults of one step run in parallel; steps run one after another. */
  readonly faults: readonly FaultSpec[];
}

export type ProbeSpec =
  | {
      readonly name: string;
      readonly kind: 'http';
      readonly url: string;
      readonly method: string;
      readonly expectStatus: readonly number[];
      readonly timeoutMs: number;
    }
  | { readonly name: string; readonly kind: 'ready'; readonly target: string; readonly minReady?: number }
  | {
      readonly name: string;
      readonly kind: 'command';
      readonly argv: readonly string[];
      readonly expectExit: number;
      readonly timeoutMs: number;
    }
  | {
      readonly name: string;
      readonly kind: 'prometheus';
      readonly query: string;
      readonly op: '<' | '<=' | '>' | '>=' | '==';
      readonly threshold: number;
    }
  | { readonly name: string; readonly kind: 'event'; readonly event: PluginDefinition };

export interface BlastRadiusSpec {
  readonly maxTargets?: number;
  /** 0..100 of the matching candidates; see blast-radius.ts for the rounding rule. */
  readonly maxPercentage?: number;
}

export interface ExperimentSpec {
  readonly name: string;
  readonly origin: string;
  readonly description?: string;
  readonly targets: readonly TargetSpec[];
  readonly steps: readonly StepSpec[];
  readonly steadyState: {
    /** Names of SLOs (from the slo file) that must hold; 'all' for every one; empty for probes only. */
    readonly slos: readonly string[] | 'all';
    readonly probes: readonly ProbeSpec[];
  };
  /** Extra halt probes checked during the faults, besides the steady-state ones. */
  readonly haltProbes: readonly ProbeSpec[];
  readonly blastRadius: BlastRadiusSpec;
  readonly recoveryTimeoutMs: number;
  /** Library experiment this came from, for the report. */
  readonly library?: string;
  /** The file's format when it is not ours (a Chaos Toolkit experiment), for the report. */
  readonly format?: 'chaos-toolkit';
  /** What chaos-gate does differently from what the file asked (logged), e.g. a Chaos Toolkit runtime strategy. */
  readonly notes?: readonly string[];
}
