/**
 * Per-shard timing partials. Each shard writes the durations it measured; a later job merges every shard's partial
 * into the store. Partials travel through artifacts, so they are validated exactly like the store. A re-run shard
 * uploads a second partial for the same shard index: only the highest attempt counts, so a retry neither doubles
 * nor mixes observations.
 */
import type { Logger } from '@gauntlet/action-kit';
import { compareCodeUnits, timingKey } from './test-id.js';
import { roundSeconds } from './smoothing.js';
import type { CommandRunSample } from './cost-model.js';
import { parseRunSamples, updateTimingStore, type TimingStore, type UpdateOptions } from './timing-store.js';
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

export const TIMING_PARTIAL_FORMAT = 'gauntlet-timings-partial';
export const TIMING_PARTIAL_VERSION = 1;

export interface TimingPartial {
  /** The plan this shard ran, if known; partials of other plans are still valid timing observations. */
  readonly planId?: string;
  /** 1-based shard index and total. */
  readonly shard: number;
  readonly shardTotal: number;
  /** Run attempt (GITHUB_RUN_ATTEMPT); higher wins for the same shard. */
  readonly attempt: number;
  /** Seconds from job start to the first test, if measured: the per-shard fixed cost. */
  readonly overheadSeconds?: number;
  /** Seconds per test key. Skipped tests must be left out (their 0 s would make them look free). */
  readonly tests: ReadonlyMap<string, number>;
  /** The shard's command runs (wall time, files, JUnit seconds), for the cost model. */
  readonly runs?: readonly CommandRunSample[];
}

/** Deterministic JSON for a partial (keys sorted by code units). */
export function serializeTimingPartial(partial: TimingPartial): string {
  const tests: Record<string, number> = {};
  for (const key of [...partial.tests.keys()].sort(compareCodeUnits))
    tests[key] = roundSeconds(partial.tests.get(key)!);
  const body: Record<string, unknown> = {
    format: TIMING_PARTIAL_FORMAT,
    version: TIMING_PARTIAL_VERSION,
    ...(partial.planId === undefined ? {} : { planId: partial.planId }),
    shard: partial.shard,
    shardTotal: partial.shardTotal,
    attempt: partial.attempt,
    ...(partial.overheadSeconds === undefined ? {} : { overheadSeconds: roundSeconds(partial.overheadSeconds) }),
    ...(partial.runs?.length
      ? {
          runs: partial.runs.map((r) => [
            roundSeconds(r.wallSeconds),
            r.files,
            roundSeconds(r.testSeconds),
            ...(r.tests === undefined ? [] : [r.tests]),
            ...(r.fileKeys ? [r.fileKeys] : []),
          ]),
        }
      : {}),
    tests,
  };
  return `${JSON.stringify(body, null, 1)}\n`;
}

/** Parses and validates a partial; returns undefined (with one warning) when it is unusable. Never throws. */
export function parseTimingPartial(
  data: string | Uint8Array,
  logger: Logger,
  options?: { source?: string; limits?: Partial<TimingLimits> },
): TimingPartial | undefined {
  const limits = { ...DEFAULT_TIMING_LIMITS, ...options?.limits };
  const issues = new TimingIssues(options?.source ?? 'timing partial');
  const result = parse(data, limits, issues);
  issues.flush(logger);
  return result;
}

function parse(data: string | Uint8Array, limits: TimingLimits, issues: TimingIssues): TimingPartial | undefined {
  if (byteLength(data) > limits.maxBytes) {
    issues.add('oversize');
    return undefined;
  }
  const json = parseTolerantJson(typeof data === 'string' ? data : new TextDecoder().decode(data));
  if (json === undefined) {
    issues.add('corrupt');
    return undefined;
  }
  if (!isRecord(json) || json['format'] !== TIMING_PARTIAL_FORMAT || !isRecord(json['tests'])) {
    issues.add('shape', 'partial');
    return undefined;
  }
  if (json['version'] !== TIMING_PARTIAL_VERSION) {
    issues.add('version');
    return undefined;
  }
  const shard = json['shard'];
  const shardTotal = json['shardTotal'];
  const attempt = json['attempt'] ?? 1;
  if (!isPositiveInt(shard) || !isPositiveInt(shardTotal) || shard > shardTotal || !isPositiveInt(attempt)) {
    issues.add('shape', 'shard/shardTotal/attempt');
    return undefined;
  }
  const tests = new Map<string, number>();
  for (const [rawKey, value] of Object.entries(json['tests'])) {
    if (tests.size >= limits.maxEntries) {
      issues.add('too-many', rawKey);
      continue;
    }
    if (!checkKey(rawKey, limits, issues)) continue;
    const seconds = checkSeconds(value, rawKey, limits, issues);
    if (seconds !== undefined) tests.set(timingKey(rawKey), seconds);
  }
  const overheadSeconds =
    json['overheadSeconds'] === undefined
      ? undefined
      : checkSeconds(json['overheadSeconds'], 'overheadSeconds', limits, issues);
  const planId = typeof json['planId'] === 'string' ? json['planId'] : undefined;
  const runs = json['runs'] === undefined ? [] : parseRunSamples(json['runs'], limits, issues);
  return {
    ...(runs.length ? { runs } : {}),
    ...(planId === undefined ? {} : { planId }),
    shard,
    shardTotal,
    attempt,
    ...(overheadSeconds === undefined ? {} : { overheadSeconds }),
    tests,
  };
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

export interface MergeResult {
  readonly store: TimingStore;
  /** Shard indices (1-based) of the newest shard total that sent no partial: their tests kept their old timings. */
  readonly missingShards: readonly number[];
}

/**
 * Merges one run's partials into the store. Per shard index only the highest attempt is used. If two partials
 * report the same test (a plan change between attempts), the larger duration is kept. The shard overhead
 * observation is the median of the shards' reported overheads.
 */
export function mergeTimingPartials(
  store: TimingStore,
  partials: readonly TimingPartial[],
  logger: Logger,
  options?: UpdateOptions,
): MergeResult {
  const latest = new Map<string, TimingPartial>();
  for (const p of partials) {
    const id = `${p.shardTotal}/${p.shard}`;
    const seen = latest.get(id);
    if (!seen || p.attempt > seen.attempt) latest.set(id, p);
  }
  const observations = new Map<string, number>();
  const overheads: number[] = [];
  const runs: CommandRunSample[] = [];
  for (const id of [...latest.keys()].sort(compareCodeUnits)) {
    const p = latest.get(id)!;
    runs.push(...(p.runs ?? []));
    for (const [key, seconds] of p.tests) observations.set(key, Math.max(seconds, observations.get(key) ?? 0));
    if (p.overheadSeconds !== undefined) overheads.push(p.overheadSeconds);
  }
  overheads.sort((a, b) => a - b);
  const overhead = overheads.length ? overheads[(overheads.length - 1) >> 1] : undefined;

  const newestTotal = Math.max(0, ...partials.map((p) => p.shardTotal));
  const missingShards: number[] = [];
  for (let i = 1; i <= newestTotal; i++) if (!latest.has(`${newestTotal}/${i}`)) missingShards.push(i);
  if (missingShards.length) {
    logger.warning(
      `Timing partials missing for shard(s) ${missingShards.join(', ')} of ${newestTotal}; their tests keep their previous timings.`,
    );
  }
  if (latest.size === 0) logger.info('No timing partials to merge; the timing store is unchanged.');
  const next =
    latest.size === 0
      ? store
      : updateTimingStore(store, observations, {
          ...options,
          ...(overhead === undefined ? {} : { shardOverheadSeconds: overhead }),
          runs,
        });
  return { store: next, missingShards };
}
