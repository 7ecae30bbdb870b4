/**
 * The timing store: smoothed seconds per test key (`file` or `file::name`), versioned JSON, plus the smoothed
 * per-shard fixed cost used to choose the shard count. Keys are canonicalised on load, so a store written on Windows
 * (backslashes) or by a tool that prefixes `./` still matches. The serialised form sorts keys by code units and has
 * no timestamps, so the same store always produces the same bytes (and the same cache hash).
 */
import type { Logger } from '@gauntlet/action-kit';
import { calibrateFiles, fitCostModel, MAX_COST_SAMPLES, type CommandRunSample } from './cost-model.js';
import { compareCodeUnits, timingKey } from './test-id.js';
import { DEFAULT_ALPHA, DEFAULT_MAX_MISSED_RUNS, DEFAULT_RESET_FACTOR, roundSeconds, smooth } from './smoothing.js';
import {
  byteLength,
  checkKey,
  checkSeconds,
  DEFAULT_TIMING_LIMITS,
  isRecord,
  parseTolerantJson,
  TimingIssues,
  type TimingLimits,
} from './timing-validation.js';

export const TIMING_STORE_FORMAT = 'gauntlet-timings';
export const TIMING_STORE_VERSION = 1;

export interface TimingEntry {
  /** Smoothed duration in seconds. */
  readonly seconds: number;
  /** Number of runs that contributed. */
  readonly samples: number;
  /** Consecutive runs in which the test was not seen; the entry is pruned after DEFAULT_MAX_MISSED_RUNS. */
  readonly missedRuns: number;
}

export interface TimingStore {
  readonly entries: ReadonlyMap<string, TimingEntry>;
  /** Smoothed fixed cost per shard (job start to first test), when runs reported it. */
  readonly shardOverhead?: TimingEntry;
  /** The latest command runs (oldest first, at most MAX_COST_SAMPLES): what the cost model is fitted on. */
  readonly runs?: readonly CommandRunSample[];
  /** Per-file corrections to the cost model, seconds (cost-model.ts calibrateFiles); absent = none yet. */
  readonly fileCorrections?: ReadonlyMap<string, number>;
}

export interface LoadOptions {
  /** Names the data in warnings (a path or cache key); untrusted, neutralised before logging. */
  readonly source?: string;
  readonly limits?: Partial<TimingLimits>;
}

export function emptyTimingStore(): TimingStore {
  return { entries: new Map() };
}

function limitsOf(options: LoadOptions | undefined): TimingLimits {
  return { ...DEFAULT_TIMING_LIMITS, ...options?.limits };
}

/**
 * Parses a timing store. Accepts the gauntlet format and, for convenience, a flat `{ "test id": seconds }` map
 * (pytest-split `.test_durations`, Knapsack reports). Never throws: unusable input gives an empty store, bad entries
 * are dropped, and each kind of problem is logged once as a warning.
 */
export function parseTimingStore(data: string | Uint8Array, logger: Logger, options?: LoadOptions): TimingStore {
  const issues = new TimingIssues(options?.source ?? 'timing store');
  const store = parseTimingStoreWith(data, limitsOf(options), issues);
  issues.flush(logger);
  return store;
}

function parseTimingStoreWith(data: string | Uint8Array, limits: TimingLimits, issues: TimingIssues): TimingStore {
  if (byteLength(data) > limits.maxBytes) {
    issues.add('oversize');
    return emptyTimingStore();
  }
  const text = typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: false }).decode(data);
  const json = parseTolerantJson(text);
  if (json === undefined) {
    issues.add('corrupt');
    return emptyTimingStore();
  }
  if (!isRecord(json)) {
    issues.add('shape', typeof json);
    return emptyTimingStore();
  }
  if (json['format'] === TIMING_STORE_FORMAT) return parseGauntletStore(json, limits, issues);
  return storeFromFlatMap(flatDurations(json, limits, issues));
}

function parseGauntletStore(json: Record<string, unknown>, limits: TimingLimits, issues: TimingIssues): TimingStore {
  if (json['version'] !== TIMING_STORE_VERSION) {
    issues.add('version');
    return emptyTimingStore();
  }
  const tests = json['tests'];
  if (!isRecord(tests)) {
    issues.add('shape', 'tests');
    return emptyTimingStore();
  }
  const entries = new Map<string, TimingEntry>();
  for (const [rawKey, value] of Object.entries(tests)) {
    if (entries.size >= limits.maxEntries) {
      issues.add('too-many', rawKey);
      continue;
    }
    if (!checkKey(rawKey, limits, issues)) continue;
    const entry = parseEntry(value, rawKey, limits, issues);
    if (entry) entries.set(timingKey(rawKey), entry);
  }
  const overhead =
    json['shardOverhead'] === undefined
      ? undefined
      : parseEntry(json['shardOverhead'], 'shardOverhead', limits, issues);
  const runs = json['runs'] === undefined ? [] : parseRunSamples(json['runs'], limits, issues);
  const corrections =
    json['fileCorrections'] === undefined
      ? new Map<string, number>()
      : parseCorrections(json['fileCorrections'], limits, issues);
  return withExtras(entries, overhead, runs, corrections);
}

/** `{ file: seconds }`, where seconds may be negative (down to minus the file's modelled cost). */
function parseCorrections(value: unknown, limits: TimingLimits, issues: TimingIssues): Map<string, number> {
  const out = new Map<string, number>();
  if (!isRecord(value)) {
    issues.add('shape', 'fileCorrections');
    return out;
  }
  for (const [rawKey, seconds] of Object.entries(value)) {
    if (out.size >= limits.maxEntries) {
      issues.add('too-many', rawKey);
      continue;
    }
    if (!checkKey(rawKey, limits, issues)) continue;
    const magnitude = checkSeconds(typeof seconds === 'number' ? Math.abs(seconds) : seconds, rawKey, limits, issues);
    if (magnitude !== undefined) out.set(timingKey(rawKey), seconds as number);
  }
  return out;
}

/** A store from its parts, leaving out the optional ones that are empty. */
export function withExtras(
  entries: ReadonlyMap<string, TimingEntry>,
  shardOverhead: TimingEntry | undefined,
  runs: readonly CommandRunSample[] | undefined,
  fileCorrections?: ReadonlyMap<string, number>,
): TimingStore {
  return {
    entries,
    ...(shardOverhead ? { shardOverhead } : {}),
    ...(runs && runs.length ? { runs } : {}),
    ...(fileCorrections && fileCorrections.size ? { fileCorrections } : {}),
  };
}

/**
 * Command-run samples, `[[wallSeconds, files, testSeconds], …]`, validated like any timing value; a bad sample is
 * dropped (one warning per kind), and only the newest MAX_COST_SAMPLES are kept.
 */
export function parseRunSamples(value: unknown, limits: TimingLimits, issues: TimingIssues): CommandRunSample[] {
  if (!Array.isArray(value)) {
    issues.add('shape', 'runs');
    return [];
  }
  const out: CommandRunSample[] = [];
  for (const raw of (value as unknown[]).slice(-MAX_COST_SAMPLES)) {
    if (!Array.isArray(raw) || raw.length < 3 || raw.length > 5) {
      issues.add('shape', 'runs');
      continue;
    }
    const [w, f, t, ...rest] = raw as unknown[];
    // Then optionally the test count, then (partials only) the file list.
    const count = typeof rest[0] === 'number' ? rest.shift() : undefined;
    const extra = rest[0];
    if (rest.length > 1 || (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0))) {
      issues.add('shape', 'runs');
      continue;
    }
    const wallSeconds = checkSeconds(w, 'runs', limits, issues);
    const testSeconds = checkSeconds(t, 'runs', limits, issues);
    if (wallSeconds === undefined || testSeconds === undefined) continue;
    if (typeof f !== 'number' || !Number.isSafeInteger(f) || f < 1 || f > limits.maxEntries) {
      issues.add('shape', 'runs');
      continue;
    }
    const keys = fileKeysOf(extra, f, limits, issues);
    if (keys === null) continue;
    out.push({
      wallSeconds,
      files: f,
      testSeconds,
      ...(count === undefined ? {} : { tests: count as number }),
      ...(keys ? { fileKeys: keys } : {}),
    });
  }
  return out;
}

/** A sample's optional file list (partials only): undefined when absent, null when unusable. */
function fileKeysOf(
  value: unknown,
  count: number,
  limits: TimingLimits,
  issues: TimingIssues,
): string[] | undefined | null {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== count || value.some((k) => typeof k !== 'string')) {
    issues.add('shape', 'runs');
    return null;
  }
  const keys: string[] = [];
  for (const k of value as string[]) {
    if (!checkKey(k, limits, issues)) return null;
    keys.push(timingKey(k));
  }
  return keys;
}

/** Samples as stored: seconds rounded to microseconds, without their file lists. */
export function serializeRunSamples(runs: readonly CommandRunSample[]): string {
  return runs
    .map(
      (r) =>
        `[${roundSeconds(r.wallSeconds)}, ${r.files}, ${roundSeconds(r.testSeconds)}${r.tests === undefined ? '' : `, ${r.tests}`}]`,
    )
    .join(', ');
}

/** An entry is `[seconds, samples, missedRuns]`; a bare number is accepted as one sample. */
function parseEntry(value: unknown, key: string, limits: TimingLimits, issues: TimingIssues): TimingEntry | undefined {
  if (Array.isArray(value)) {
    const tuple = value as unknown[];
    const seconds = checkSeconds(tuple[0], key, limits, issues);
    if (seconds === undefined) return undefined;
    const samples = tuple[1];
    const missed = tuple[2] ?? 0;
    if (!isCount(samples) || !isCount(missed)) {
      issues.add('shape', key);
      return undefined;
    }
    return { seconds, samples: Math.max(1, samples), missedRuns: missed };
  }
  const seconds = checkSeconds(value, key, limits, issues);
  return seconds === undefined ? undefined : { seconds, samples: 1, missedRuns: 0 };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates a flat `{ key: seconds }` map and canonicalises its keys. Keys that collide after normalisation (e.g.
 * `a\b.py` and `a/b.py`) keep the larger duration: over-estimating one test costs less than under-estimating it.
 */
export function flatDurations(
  json: Record<string, unknown>,
  limits: TimingLimits,
  issues: TimingIssues,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [rawKey, value] of Object.entries(json)) {
    if (out.size >= limits.maxEntries) {
      issues.add('too-many', rawKey);
      continue;
    }
    if (!checkKey(rawKey, limits, issues)) continue;
    const seconds = checkSeconds(value, rawKey, limits, issues);
    if (seconds === undefined) continue;
    const key = timingKey(rawKey);
    out.set(key, Math.max(seconds, out.get(key) ?? 0));
  }
  return out;
}

/** A store holding one sample per key. */
export function storeFromFlatMap(durations: ReadonlyMap<string, number>): TimingStore {
  const entries = new Map<string, TimingEntry>();
  for (const [key, seconds] of durations)
    entries.set(key, { seconds: roundSeconds(seconds), samples: 1, missedRuns: 0 });
  return { entries };
}

/** Deterministic JSON: fixed field order, keys sorted by code units, seconds rounded to milliseconds. */
export function serializeTimingStore(store: TimingStore): string {
  const keys = [...store.entries.keys()].sort(compareCodeUnits);
  const lines = keys.map((key) => {
    const e = store.entries.get(key)!;
    return `    ${JSON.stringify(key)}: [${roundSeconds(e.seconds)}, ${e.samples}, ${e.missedRuns}]`;
  });
  const overhead = store.shardOverhead
    ? `  "shardOverhead": [${roundSeconds(store.shardOverhead.seconds)}, ${store.shardOverhead.samples}, 0],\n`
    : '';
  const runs = store.runs?.length ? `  "runs": [${serializeRunSamples(store.runs)}],\n` : '';
  const corrections = store.fileCorrections?.size
    ? `  "fileCorrections": {${[...store.fileCorrections.keys()]
        .sort(compareCodeUnits)
        .map((k) => `\n    ${JSON.stringify(k)}: ${roundSeconds(store.fileCorrections!.get(k)!)}`)
        .join(',')}\n  },\n`
    : '';
  return (
    `{\n  "format": "${TIMING_STORE_FORMAT}",\n  "version": ${TIMING_STORE_VERSION},\n` +
    `  "smoothing": "ewma",\n${overhead}${runs}${corrections}` +
    `  "tests": {${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}}\n}\n`
  );
}

export interface UpdateOptions {
  /** EWMA weight of the new observation (default DEFAULT_ALPHA). */
  readonly alpha?: number;
  /** Prune entries not seen in this many consecutive runs (default DEFAULT_MAX_MISSED_RUNS). */
  readonly maxMissedRuns?: number;
  /** Step-change band of the smoothing (default DEFAULT_RESET_FACTOR); Infinity = plain EWMA. */
  readonly resetFactor?: number;
}

/**
 * Folds one run's observations (seconds per key, already validated) into the store. Observed keys are smoothed;
 * unobserved keys age and are pruned after `maxMissedRuns`. Returns a new store; the input is not modified.
 */
export function updateTimingStore(
  store: TimingStore,
  observations: ReadonlyMap<string, number>,
  options?: UpdateOptions & {
    readonly shardOverheadSeconds?: number;
    /** This run's command runs, appended to the store's (the oldest beyond MAX_COST_SAMPLES fall out). */
    readonly runs?: readonly CommandRunSample[];
  },
): TimingStore {
  const alpha = options?.alpha ?? DEFAULT_ALPHA;
  const maxMissed = options?.maxMissedRuns ?? DEFAULT_MAX_MISSED_RUNS;
  const reset = options?.resetFactor ?? DEFAULT_RESET_FACTOR;
  const entries = new Map<string, TimingEntry>();
  for (const [key, old] of store.entries) {
    if (observations.has(key)) continue;
    if (old.missedRuns + 1 > maxMissed) continue;
    entries.set(key, { ...old, missedRuns: old.missedRuns + 1 });
  }
  for (const [key, seconds] of observations) {
    const old = store.entries.get(key);
    entries.set(key, {
      seconds: roundSeconds(smooth(old?.seconds, seconds, alpha, reset)),
      samples: (old?.samples ?? 0) + 1,
      missedRuns: 0,
    });
  }
  const observedOverhead = options?.shardOverheadSeconds;
  const old = store.shardOverhead;
  const shardOverhead =
    observedOverhead === undefined
      ? old
      : {
          seconds: roundSeconds(smooth(old?.seconds, observedOverhead, alpha, reset)),
          samples: (old?.samples ?? 0) + 1,
          missedRuns: 0,
        };
  const runs = [...(store.runs ?? []), ...(options?.runs ?? [])].slice(-MAX_COST_SAMPLES).map((r) => ({
    wallSeconds: roundSeconds(r.wallSeconds),
    files: r.files,
    testSeconds: roundSeconds(r.testSeconds),
    ...(r.tests === undefined ? {} : { tests: r.tests }),
  }));
  // Corrections follow their files: pruned with them.
  const corrections = new Map<string, number>();
  for (const [file, seconds] of store.fileCorrections ?? []) if (entries.has(file)) corrections.set(file, seconds);
  const kept = withExtras(entries, shardOverhead, runs, corrections);
  if (!options?.runs?.some((r) => r.fileKeys?.length)) return kept;
  // Per-file calibration against the model fitted with this run's samples included.
  const model = fitCostModel(runs);
  const scale = model.testTimeScale;
  const testsOf = testCountsByFile(entries);
  const fileSeconds = (file: string): number =>
    scale * (entries.get(file)?.seconds ?? 0) + model.perFileSeconds + model.perTestSeconds * (testsOf.get(file) ?? 0);
  return withExtras(entries, shardOverhead, runs, calibrateFiles(corrections, options.runs, model, fileSeconds));
}

/** Test-level entries per file: how many tests each file had when last run. */
export function testCountsByFile(entries: ReadonlyMap<string, TimingEntry>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of entries.keys()) {
    const at = key.indexOf('::');
    if (at > 0) counts.set(key.slice(0, at), (counts.get(key.slice(0, at)) ?? 0) + 1);
  }
  return counts;
}
