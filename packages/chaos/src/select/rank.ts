/**
 * Target selection that explains itself. Every applicable (workload, fault) pair of the dependency graph gets a
 * score from four parts, each in [0, 1], with fixed weights printed in the report:
 *
 * - criticality: half fan-in (distinct callers, over the graph's largest), half proximity to the workloads behind
 *   the SLO-guarded services (1 / (1 + hops) along call edges from them; unreachable 0);
 * - traffic: log(1 + request rate into the workload's Services) over the largest (0 without rates);
 * - staleness: time since the pair was last really tested, over 7 days, at most 1 (never tested: 1);
 * - failure: a Thompson draw from Beta(failures + 1, passes + 1), seeded by the run and the pair, so a pair that
 *   found weaknesses before is drawn high more often, a pair never tried is explored, and a re-run replays.
 *
 * Then the top k, best first, within the time budget, at most one fault per workload. Every pair comes back with
 * its parts, reasons and, when not picked, why not.
 */
import { seededRandom, seedFrom, type Random } from '@gauntlet/action-kit';
import type { DependencyGraph, GraphWorkload } from './graph.js';
import { pairKey, type SelectionHistory } from './history.js';

export const SELECTABLE_FAULTS = ['pod-delete', 'scale-down', 'network-partition', 'dns-failure'] as const;
export type SelectableFault = (typeof SELECTABLE_FAULTS)[number];

export const SCORE_WEIGHTS = { criticality: 0.35, traffic: 0.15, staleness: 0.25, failure: 0.25 } as const;
const STALE_AFTER_MS = 7 * 24 * 3_600_000;

export interface RankOptions {
  readonly graph: DependencyGraph;
  /** Services the SLOs guard. */
  readonly guarded: readonly string[];
  /** Requests per second by Service name (Prometheus), when known. */
  readonly traffic?: ReadonlyMap<string, number>;
  readonly history: SelectionHistory;
  readonly nowMs: number;
  readonly seed: string;
  readonly k: number;
  readonly budgetMs: number;
  /** Estimated time of one experiment without history (fault duration plus recovery). */
  readonly defaultDurationMs: number;
  readonly faults?: readonly SelectableFault[];
}

export interface RankedPair {
  readonly target: GraphWorkload;
  readonly fault: SelectableFault;
  readonly key: string;
  readonly score: number;
  readonly parts: { criticality: number; traffic: number; staleness: number; failure: number };
  readonly reasons: readonly string[];
  readonly estimatedMs: number;
  readonly picked: boolean;
  readonly whyNot?: string;
}

export interface Selection {
  readonly ranked: readonly RankedPair[];
  readonly picked: readonly RankedPair[];
  readonly seed: string;
  readonly weights: typeof SCORE_WEIGHTS;
}

/** Gamma(shape) for a whole shape: the sum of `shape` exponentials. */
function gamma(random: Random, shape: number): number {
  let sum = 0;
  for (let i = 0; i < shape; i++) sum -= Math.log(1 - random());
  return sum;
}

/** A Beta(a, b) draw for whole a, b ≥ 1. */
export function betaDraw(random: Random, a: number, b: number): number {
  const x = gamma(random, a);
  const y = gamma(random, b);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** Hops from the guarded workloads along call edges (a guarded workload is 0). */
function distances(graph: DependencyGraph, guarded: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const queue: string[] = [];
  for (const service of guarded) {
    for (const w of graph.services.get(service) ?? []) {
      if (!out.has(w)) {
        out.set(w, 0);
        queue.push(w);
      }
    }
  }
  while (queue.length) {
    const at = queue.shift()!;
    for (const e of graph.edges) {
      if (e.from === at && !out.has(e.to)) {
        out.set(e.to, out.get(at)! + 1);
        queue.push(e.to);
      }
    }
  }
  return out;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function ago(ms: number): string {
  const hours = ms / 3_600_000;
  return hours < 48 ? `${Math.max(0, Math.round(hours))} h ago` : `${Math.round(hours / 24)} d ago`;
}

export function rankPairs(options: RankOptions): Selection {
  const { graph, history, nowMs } = options;
  const faults = options.faults ?? SELECTABLE_FAULTS;
  const callers = new Map<string, Set<string>>();
  const callees = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    (callers.get(e.to) ?? callers.set(e.to, new Set()).get(e.to)!).add(e.from);
    (callees.get(e.from) ?? callees.set(e.from, new Set()).get(e.from)!).add(e.to);
  }
  const maxFanIn = Math.max(0, ...[...callers.values()].map((s) => s.size));
  const hops = distances(graph, options.guarded);
  const trafficOf = (w: string): { rps: number; via: string[] } => {
    let rps = 0;
    const via: string[] = [];
    for (const [service, backends] of graph.services) {
      const r = options.traffic?.get(service);
      if (backends.includes(w) && r !== undefined && Number.isFinite(r) && r > 0) {
        rps += r;
        via.push(service);
      }
    }
    return { rps, via };
  };
  const maxTraffic = Math.max(0, ...graph.workloads.map((w) => trafficOf(w.name).rps));

  const ranked: Omit<RankedPair, 'picked' | 'whyNot'>[] = [];
  for (const target of graph.workloads) {
    if (Object.keys(target.podLabels).length === 0) continue; // a target is never "everything"
    const fanIn = callers.get(target.name)?.size ?? 0;
    const outDegree = callees.get(target.name)?.size ?? 0;
    for (const fault of faults) {
      if (fault === 'scale-down' && target.replicas < 1) continue;
      if (fault === 'network-partition' && fanIn === 0) continue;
      if (fault === 'dns-failure' && outDegree === 0) continue;
      const key = pairKey(target.name, fault);
      const past = history.pairs[key] ?? { passes: 0, failures: 0 };
      const reasons: string[] = [];
      const fanInPart = maxFanIn ? fanIn / maxFanIn : 0;
      const d = hops.get(target.name);
      const proximity = d === undefined ? 0 : 1 / (1 + d);
      reasons.push(
        fanIn
          ? `fan-in ${fanIn} (called by ${[...callers.get(target.name)!].sort().join(', ')})`
          : 'fan-in 0 (no caller found)',
      );
      reasons.push(
        d === undefined
          ? 'not on a path from an SLO-guarded service'
          : d === 0
            ? 'behind an SLO-guarded service'
            : `${d} hop${d === 1 ? '' : 's'} from an SLO-guarded service`,
      );
      const t = trafficOf(target.name);
      const trafficPart = maxTraffic > 0 ? Math.log1p(t.rps) / Math.log1p(maxTraffic) : 0;
      reasons.push(
        options.traffic === undefined
          ? 'no request rates'
          : t.via.length
            ? `${round(t.rps)} req/s into ${t.via.join(', ')}`
            : 'no requests seen',
      );
      const staleness =
        past.lastTestedAtMs === undefined ? 1 : Math.min(1, Math.max(0, nowMs - past.lastTestedAtMs) / STALE_AFTER_MS);
      reasons.push(
        past.lastTestedAtMs === undefined ? 'never tested' : `last tested ${ago(nowMs - past.lastTestedAtMs)}`,
      );
      const failure = betaDraw(seededRandom(seedFrom(`${options.seed}/${key}`)), past.failures + 1, past.passes + 1);
      reasons.push(
        `${past.failures} failure(s) in ${past.failures + past.passes} run(s), Thompson draw ${round(failure)}`,
      );
      const criticality = 0.5 * fanInPart + 0.5 * proximity;
      const parts = {
        criticality: round(criticality),
        traffic: round(trafficPart),
        staleness: round(staleness),
        failure: round(failure),
      };
      const score =
        SCORE_WEIGHTS.criticality * criticality +
        SCORE_WEIGHTS.traffic * trafficPart +
        SCORE_WEIGHTS.staleness * staleness +
        SCORE_WEIGHTS.failure * failure;
      ranked.push({
        target,
        fault,
        key,
        score: round(score),
        parts,
        reasons,
        estimatedMs: past.meanDurationMs ?? options.defaultDurationMs,
      });
    }
  }
  ranked.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));

  let spent = 0;
  const usedTargets = new Set<string>();
  const out: RankedPair[] = [];
  for (const pair of ranked) {
    let whyNot: string | undefined;
    if (usedTargets.has(pair.target.name)) whyNot = 'its workload is already picked (one fault per workload)';
    else if (out.filter((p) => p.picked).length >= options.k) whyNot = `k = ${options.k} already picked`;
    else if (spent + pair.estimatedMs > options.budgetMs)
      whyNot = `over the time budget (${Math.round((spent + pair.estimatedMs) / 1000)} s of ${Math.round(options.budgetMs / 1000)} s)`;
    if (!whyNot) {
      spent += pair.estimatedMs;
      usedTargets.add(pair.target.name);
    }
    out.push({ ...pair, picked: !whyNot, ...(whyNot ? { whyNot } : {}) });
  }
  return { ranked: out, picked: out.filter((p) => p.picked), seed: options.seed, weights: SCORE_WEIGHTS };
}

/**
 * A picked pair as an experiment document, validated like a hand-written one. Pod faults select the workload's
 * pod template labels (one pod for pod-delete); scale-down names the workload and takes one replica away.
 */
export function experimentDocumentFor(pair: RankedPair, durationSeconds: number): Record<string, unknown> {
  const name = `auto-${pair.fault}-${pair.target.name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
  const target =
    pair.fault === 'scale-down'
      ? { name: 'target', kind: pair.target.kind, names: [pair.target.name] }
      : { name: 'target', kind: 'Pod', selector: { ...pair.target.podLabels } };
  const fault: Record<string, unknown> = { type: pair.fault, target: 'target', duration: `${durationSeconds}s` };
  if (pair.fault === 'scale-down') fault['replicas'] = Math.max(0, pair.target.replicas - 1);
  return {
    apiVersion: 'gauntlet.dev/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name, description: `picked: ${pair.reasons.join('; ')}` },
    spec: {
      targets: [target],
      steps: [{ faults: [fault] }],
      // The target's own readiness besides the SLOs: a picked experiment always has something to observe.
      steadyState: { slos: 'all', probes: [{ name: 'target-ready', ready: { target: 'target' } }] },
      ...(pair.fault === 'pod-delete' ? { blastRadius: { maxTargets: 1 } } : {}),
    },
  };
}
