/**
 * What a shard really costs, learned from the shards' own wall times.
 *
 * A runner's JUnit times are not what a file costs on a shard. Vitest's leave out import, transform and collection
 * (a file whose module set-up takes 1.5 s reports 0.004 s) and typecheck files report 0 s; runners that run files
 * in parallel workers (vitest, jest) finish a shard in a fraction of the summed times. Planning with those times
 * alone put many "cheap" files on one shard, and the plan from timings lost to the plan from counts (issue 13:
 * 7.0 s against 3.1 s). So every command run of every shard is kept as a sample — its wall time, how many files it
 * ran, and the JUnit seconds of those files — and the planner uses
 *
 *     cost of a run  =  perRun  +  perFile × files  +  perTest × tests  +  scale × JUnit seconds
 *
 * (the per-test cost is the runner's own work around each test — collection, hooks, reporting — which pytest's JUnit
 * leaves out: a file of 51,523 parametrised tests reported 36 s and ran 110 s on a loaded machine)
 *
 * fitted by least squares with every coefficient ≥ 0 (each subset of the three solved exactly, the best by BIC, so
 * three samples never fit three parameters; ties go to the per-file cost, see PARAMS). Until samples exist, and as a candidate model always, the unexplained
 * wall time is spread over the files that ran (scale 1, perRun 0): what JUnit does not see is charged per file, never
 * dropped. Every file therefore costs at least perFile: nothing plans as 0 s once a run has been measured.
 *
 * The arithmetic is plain IEEE doubles on the stored (rounded) samples in their stored order, so every shard that
 * recomputes the plan gets the same model.
 */

/** One command run of one shard (a batch, a retry, or the whole shard). */
export interface CommandRunSample {
  /** Wall time of the command, seconds. */
  readonly wallSeconds: number;
  /** Distinct files the run was given. */
  readonly files: number;
  /** Sum of the JUnit file-level seconds of those files (the values the store holds). */
  readonly testSeconds: number;
  /** Test cases the run reported; absent in samples that did not count them (then no per-test cost is fitted). */
  readonly tests?: number;
  /**
   * The files themselves (canonical keys), for per-file calibration. Travels in partials only: the store keeps
   * counts, and what was learned per file is kept as each file's correction.
   */
  readonly fileKeys?: readonly string[];
}

export interface CostModel {
  /** Fixed cost of one command run (runner start-up, global set-up, a typecheck pass), seconds. */
  readonly perRunSeconds: number;
  /** Cost of each file beyond its JUnit time (import, transform, collection, worker start), seconds. */
  readonly perFileSeconds: number;
  /** Cost of each test case beyond its JUnit time, seconds. */
  readonly perTestSeconds: number;
  /** Wall seconds per JUnit second (below 1 when the runner runs files in parallel). */
  readonly testTimeScale: number;
  /** Samples the model was fitted on (0 = the identity model: JUnit times as they are). */
  readonly samples: number;
  /** Median |predicted − actual| / actual over the samples, as a fraction; absent for the identity model. */
  readonly medianError?: number;
}

/** JUnit times as they are: what plans used before any run was measured. */
export const IDENTITY_COST_MODEL: CostModel = {
  perRunSeconds: 0,
  perFileSeconds: 0,
  perTestSeconds: 0,
  testTimeScale: 1,
  samples: 0,
};

/** Samples kept in the store (newest last): enough for a stable fit, few enough to follow a changing suite. */
export const MAX_COST_SAMPLES = 48;

/**
 * A scale above this is not a runner's real cost but a fit to noise (tiny JUnit times that happen to correlate with
 * wall time); such candidates are dropped.
 */
const MAX_SCALE = 1.5;

type Param = 'perRun' | 'perFile' | 'scale' | 'perTest';
/**
 * Candidate order, which decides ties: when every run had the same number of files (the first, count-based plan
 * gives every shard about as many), a per-run and a per-file cost explain the data equally well, and the per-file
 * one is kept. It is the safe reading (it spreads files; a per-run cost changes no balance), and the next plan's
 * shards, with different file counts, tell the two apart.
 */
const PARAMS: readonly Param[] = ['perFile', 'perRun', 'scale', 'perTest'];

function feature(sample: CommandRunSample, p: Param): number {
  return p === 'perRun'
    ? 1
    : p === 'perFile'
      ? sample.files
      : p === 'perTest'
        ? (sample.tests ?? 0)
        : sample.testSeconds;
}

/** Solves the normal equations of `params` by Gaussian elimination; undefined when singular. */
function leastSquares(samples: readonly CommandRunSample[], params: readonly Param[]): number[] | undefined {
  const k = params.length;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (const s of samples) {
    for (let i = 0; i < k; i++) {
      const fi = feature(s, params[i]!);
      for (let j = 0; j < k; j++) a[i]![j]! += fi * feature(s, params[j]!);
      a[i]![k]! += fi * s.wallSeconds;
    }
  }
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    const scale = Math.max(1e-12, ...a.map((row) => Math.abs(row[col]!)));
    if (Math.abs(a[pivot]![col]!) < 1e-9 * scale) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= k; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, i) => row[k]! / row[i]!);
}

export function predictRunSeconds(model: CostModel, sample: Omit<CommandRunSample, 'wallSeconds'>): number {
  return (
    model.perRunSeconds +
    model.perFileSeconds * sample.files +
    model.perTestSeconds * (sample.tests ?? 0) +
    model.testTimeScale * sample.testSeconds
  );
}

function sse(model: CostModel, samples: readonly CommandRunSample[]): number {
  let e = 0;
  for (const s of samples) e += (predictRunSeconds(model, s) - s.wallSeconds) ** 2;
  return e;
}

function medianRelativeError(model: CostModel, samples: readonly CommandRunSample[]): number {
  const errors = samples
    .filter((s) => s.wallSeconds > 0)
    .map((s) => Math.abs(predictRunSeconds(model, s) - s.wallSeconds) / s.wallSeconds)
    .sort((a, b) => a - b);
  return errors.length ? errors[(errors.length - 1) >> 1]! : 0;
}

/** The residual model: JUnit times as they are, the wall time they do not explain spread over the files run. */
function residualModel(samples: readonly CommandRunSample[]): CostModel {
  let residual = 0;
  let files = 0;
  for (const s of samples) {
    residual += Math.max(0, s.wallSeconds - s.testSeconds);
    files += s.files;
  }
  return {
    perRunSeconds: 0,
    perFileSeconds: files > 0 ? residual / files : 0,
    perTestSeconds: 0,
    testTimeScale: 1,
    samples: 0,
  };
}

/** BIC difference that counts as strong evidence (Kass & Raftery 1995: 6–10 is "strong"). */
export const BLIND_EVIDENCE = 6;

/** True when the model gives no file any cost of its own. */
function blind(model: CostModel): boolean {
  return model.perFileSeconds === 0 && model.testTimeScale === 0 && model.perTestSeconds === 0;
}

/** Fits the cost model to command-run samples (see the module comment). No samples: the identity model. */
export function fitCostModel(samples: readonly CommandRunSample[]): CostModel {
  const usable = samples.filter(
    (s) => Number.isFinite(s.wallSeconds) && s.wallSeconds >= 0 && s.files >= 1 && s.testSeconds >= 0,
  );
  const n = usable.length;
  if (n === 0) return IDENTITY_COST_MODEL;
  let mean = 0;
  for (const s of usable) mean += s.wallSeconds / n;
  // A floor under the error so that an exact fit does not win by -Infinity, and ties resolve to fewer parameters.
  const floor = n * (0.01 * mean) ** 2 + 1e-12;
  const score = (m: CostModel, params: number): number =>
    n * Math.log((sse(m, usable) + floor) / n) + params * Math.log(n);

  let best = residualModel(usable);
  let bestScore = score(best, 1);
  // The best model that gives files a cost (the residual model always does, unless JUnit explains everything).
  let spread = best;
  let spreadScore = bestScore;
  const counted = usable.every((s) => s.tests !== undefined);
  for (let mask = 1; mask < 1 << PARAMS.length; mask++) {
    const params = PARAMS.filter((_, i) => mask & (1 << i));
    if (n < params.length + 1 || (!counted && params.includes('perTest'))) continue;
    const solution = leastSquares(usable, params);
    if (!solution || solution.some((v) => !Number.isFinite(v) || v < 0)) continue;
    const value = (p: Param): number => {
      const at = params.indexOf(p);
      return at < 0 ? 0 : solution[at]!;
    };
    const candidate: CostModel = {
      perRunSeconds: value('perRun'),
      perFileSeconds: value('perFile'),
      perTestSeconds: value('perTest'),
      testTimeScale: value('scale'),
      samples: 0,
    };
    if (candidate.testTimeScale > MAX_SCALE) continue;
    const s = score(candidate, params.length);
    if (s < bestScore - 1e-9) {
      best = candidate;
      bestScore = s;
    }
    if (!blind(candidate) && s < spreadScore - 1e-9) {
      spread = candidate;
      spreadScore = s;
    }
  }
  // A model that charges every file nothing (only a per-run cost) balances nothing: the next plan is arbitrary. It
  // is kept only on strong evidence (BIC better by BLIND_EVIDENCE) over the best model that charges files; a few
  // runs with similar file counts under a noisy load do not give it (zustand on a loaded machine: 3 runs of 4–5
  // files fitted 17.9 s per run and 0 per file, and the next plan from timings lost to the count plan).
  if (blind(best) && !blind(spread) && spreadScore - bestScore < BLIND_EVIDENCE) best = spread;
  return { ...best, samples: n, medianError: medianRelativeError(best, usable) };
}

/** Weight of one run's error in a file's correction: halfway each time, like the timings' EWMA. */
export const CALIBRATION_RATE = 0.5;

/** A correction never exceeds this (seconds) either way: one absurd run cannot poison a file for long. */
const MAX_CORRECTION_SECONDS = 3600;

/**
 * Per-file calibration: what the model cannot see. A uniform per-file cost is right on average, but one file's
 * import takes 2 s and another's 0.2 s, and a type-test file reports 0 s while its typecheck takes seconds. Each
 * command run whose files are known is compared with what the model (with the current corrections) predicted for
 * it, and its error is shared equally among its files (rate CALIBRATION_RATE). Runs group files differently from
 * plan to plan (the corrections move them), so repeated runs tell the files apart — a relaxed Kaczmarz iteration
 * on the per-run equations. Corrections are bounded below so that no file's cost goes under 0.
 *
 * `fileSeconds` gives a file's modelled cost before correction (scale × JUnit + per-file cost).
 */
export function calibrateFiles(
  corrections: ReadonlyMap<string, number>,
  runs: readonly CommandRunSample[],
  model: CostModel,
  fileSeconds: (file: string) => number,
): Map<string, number> {
  const out = new Map(corrections);
  if (model.samples === 0) return out;
  for (const run of runs) {
    const files = run.fileKeys;
    if (!files || files.length === 0) continue;
    let predicted = model.perRunSeconds;
    for (const f of files) predicted += fileSeconds(f) + (out.get(f) ?? 0);
    const share = (CALIBRATION_RATE * (run.wallSeconds - predicted)) / files.length;
    for (const f of files) {
      const next = (out.get(f) ?? 0) + share;
      const bounded = Math.min(MAX_CORRECTION_SECONDS, Math.max(-fileSeconds(f), next));
      out.set(f, Math.round(bounded * 1e6) / 1e6);
    }
  }
  return out;
}

const fmt = (seconds: number): string =>
  seconds >= 10
    ? `${seconds.toFixed(1)} s`
    : seconds >= 0.1
      ? `${seconds.toFixed(2)} s`
      : `${(seconds * 1000).toFixed(0)} ms`;

/** One line for logs and reports. */
export function describeCostModel(model: CostModel): string {
  if (model.samples === 0) return 'no measured runs yet: JUnit times as they are';
  const parts = [
    `${fmt(model.perFileSeconds)} per file`,
    ...(model.perTestSeconds > 0 ? [`${(model.perTestSeconds * 1000).toFixed(2)} ms per test`] : []),
    `${fmt(model.perRunSeconds)} per command run`,
    `JUnit times × ${model.testTimeScale.toFixed(2)}`,
  ];
  const error = model.medianError === undefined ? '' : `, median error ${(model.medianError * 100).toFixed(0)} %`;
  return `${parts.join(', ')} (fitted on ${model.samples} command run${model.samples === 1 ? '' : 's'}${error})`;
}
