/**
 * Where a plan's timings come from and where a merge's go: the Actions cache (validated on load, like any file a
 * pull request may have influenced), optionally overlaid by a timing file the user keeps (pytest-split
 * `.test_durations`, a Knapsack report, a JUnit report or a gauntlet store).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeTrust, type Logger } from '@gauntlet/action-kit';
import {
  emptyTimingStore,
  fitCostModel,
  type CostModel,
  importTimings,
  mergeTimingPartials,
  parseTimingStore,
  serializeTimingStore,
  type TimingPartial,
  type TimingStore,
} from '@gauntlet/sharding';
import type { RunContext } from './context.js';
import { workspaceFiles } from './junit-read.js';
import type { TimingInputs } from './inputs.js';
import {
  actionsTimingCache,
  noTimingCache,
  timingKeyPrefix,
  type CacheLibrary,
  type TimingCache,
} from './timings-cache.js';

const MAX_TIMING_FILE_BYTES = 16 * 1024 * 1024;

export function timingCacheFor(
  inputs: TimingInputs,
  ctx: RunContext,
  workingDirectory: string,
  logger: Logger,
  library?: () => Promise<CacheLibrary>,
): TimingCache {
  if (!inputs.useCache) return noTimingCache;
  const directory = path.relative(ctx.workspace, workingDirectory).replace(/\\/g, '/') || '.';
  return actionsTimingCache({
    prefix: timingKeyPrefix({ repository: `${ctx.owner}/${ctx.repo}`, directory, key: inputs.key }),
    workspace: ctx.workspace,
    timeoutMs: inputs.cacheTimeoutMs,
    logger,
    run: { runId: ctx.runId, runAttempt: ctx.runAttempt },
    ...(library ? { library } : {}),
  });
}

/** The timing store for planning. Never throws for bad data: unusable timings mean estimates. */
export async function loadTimingStore(
  inputs: TimingInputs,
  cache: TimingCache,
  logger: Logger,
  workingDirectory: string,
): Promise<TimingStore> {
  const cached = await cache.restore();
  let store =
    cached === undefined ? emptyTimingStore() : parseTimingStore(cached, logger, { source: 'the timings cache entry' });
  if (inputs.file !== undefined) {
    const overlay = await readTimingFile(inputs.file, logger, workingDirectory);
    if (overlay) {
      const entries = new Map(store.entries);
      for (const [key, entry] of overlay.entries) entries.set(key, entry);
      store = { ...store, entries };
    }
  }
  return store;
}

async function readTimingFile(file: string, logger: Logger, cwd: string): Promise<TimingStore | undefined> {
  const source = path.basename(file);
  try {
    const info = await stat(file);
    if (info.size > MAX_TIMING_FILE_BYTES) {
      logger.warning(
        `The timings file ${JSON.stringify(source)} is larger than ${MAX_TIMING_FILE_BYTES} bytes and was ignored.`,
      );
      return undefined;
    }
    return importTimings(await readFile(file), logger, { source, isFile: workspaceFiles(cwd) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      logger.info(`No timings file ${JSON.stringify(source)} yet; tests are planned with estimates.`);
    else
      logger.warning(`Could not read the timings file ${JSON.stringify(source)} (${code ?? 'error'}); it was ignored.`);
    return undefined;
  }
}

export interface TimingUpdate {
  readonly trusted: boolean;
  readonly reason: string;
  readonly saved: 'saved' | 'skipped' | 'failed' | 'untrusted' | 'nothing';
  readonly missingShards: readonly number[];
  /**
   * The cost model calibrated with this run's command runs: on the saved store's samples when the store was
   * updated (what the next plan uses), else on this run's alone (shown, not kept).
   */
  readonly costModel?: { readonly model: CostModel; readonly kept: boolean };
}

function thisRunModel(partials: readonly TimingPartial[]): TimingUpdate['costModel'] {
  const model = fitCostModel(partials.flatMap((p) => p.runs ?? []));
  return model.samples === 0 ? undefined : { model, kept: false };
}

/**
 * Folds the shards' partials into the store and saves it, on trusted runs only. A pull request's run restores the
 * store (so its report can compare) but never writes it.
 */
export async function updateTimingStore(
  inputs: TimingInputs,
  ctx: RunContext,
  cache: TimingCache,
  partials: readonly TimingPartial[],
  logger: Logger,
): Promise<TimingUpdate> {
  const trust = writeTrust(ctx, { writes: 'timings', trustedRefs: inputs.trustedRefs });
  const alone = thisRunModel(partials);
  const withModel = alone ? { costModel: alone } : {};
  if (!inputs.useCache) return { ...trust, saved: 'skipped', missingShards: [], ...withModel };
  if (!trust.trusted) {
    logger.info(`Timings are not saved: ${trust.reason}.`);
    return { ...trust, saved: 'untrusted', missingShards: [], ...withModel };
  }
  if (partials.length === 0) {
    logger.info('No timing partials from any shard; the timing store is unchanged.');
    return { ...trust, saved: 'nothing', missingShards: [] };
  }
  const previous = await cache.restore();
  const store =
    previous === undefined
      ? emptyTimingStore()
      : parseTimingStore(previous, logger, { source: 'the timings cache entry' });
  const merged = mergeTimingPartials(store, partials, logger);
  const saved = await cache.save(serializeTimingStore(merged.store));
  const model = fitCostModel(merged.store.runs ?? []);
  const costModel = saved === 'saved' && model.samples > 0 ? { costModel: { model, kept: true } } : withModel;
  return { ...trust, saved, missingShards: merged.missingShards, ...costModel };
}
