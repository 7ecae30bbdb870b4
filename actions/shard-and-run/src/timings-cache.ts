/**
 * The timing store in the Actions cache. The cache is an optimisation, never a dependency: every failure of the
 * service (absent, 429, 5xx, reset, stuck download, corrupt archive, read-only token) degrades to "no timings" with
 * one warning, and the run is otherwise unchanged. Keys are built from hashes only, never from branch names or
 * other text a pull request controls, so no input can make a key invalid or collide with another suite's.
 *
 * Restores happen on every run; GitHub scopes caches by branch, so a pull request reads its base branch's
 * timings. Saves happen only from trusted runs (see context.ts). Each save gets a fresh key (cache entries are
 * immutable) and restores take the newest entry with the suite's prefix.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, neutralize, type Logger } from '@gauntlet/action-kit';

export const CACHE_DIR = '.gauntlet-shard-timings';
export const CACHE_FILE = 'timings.json';
const MAX_RESTORED_BYTES = 16 * 1024 * 1024;

export type SaveOutcome = 'saved' | 'skipped' | 'failed';

export interface TimingCache {
  /** The stored timing file's content, or undefined (miss, unavailable, failed, timed out). Never throws. */
  restore(): Promise<string | undefined>;
  /** Stores new content under a fresh key. Never throws. */
  save(content: string): Promise<SaveOutcome>;
}

/** The part of @actions/cache this uses, so tests can pass a fake. */
export interface CacheLibrary {
  isFeatureAvailable(): boolean;
  restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[]): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

const hex = (value: string, length = 16): string => createHash('sha256').update(value).digest('hex').slice(0, length);

/**
 * The key prefix of a suite: a hash of the repository, the working directory (relative to the workspace) and the
 * user's timings-key. Only [a-z0-9-], far below the 512-character limit, never a comma.
 */
export function timingKeyPrefix(parts: { repository: string; directory: string; key: string }): string {
  return `gauntlet-shard-timings-v1-${hex(JSON.stringify([parts.repository, parts.directory, parts.key]))}-`;
}

/** A fresh key for one save: the prefix and a hash of the run, attempt and time. */
export function timingSaveKey(prefix: string, run: { runId: number; runAttempt: number; nowMs: number }): string {
  return `${prefix}${hex(`${run.runId}:${run.runAttempt}:${run.nowMs}`)}`;
}

export interface ActionsTimingCacheOptions {
  readonly prefix: string;
  /** The workspace the cache library archives relative to (GITHUB_WORKSPACE). */
  readonly workspace: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly run: { runId: number; runAttempt: number };
  /** Loads @actions/cache; tests pass a fake. */
  readonly library?: () => Promise<CacheLibrary>;
  readonly now?: () => number;
}

async function loadActionsCache(): Promise<CacheLibrary> {
  // Loaded on demand: run-mode shards never pay for the cache client and the Azure SDK it pulls in.
  const cache = await import('@actions/cache');
  return {
    isFeatureAvailable: () => cache.isFeatureAvailable(),
    restoreCache: (paths, primaryKey, restoreKeys) => cache.restoreCache(paths, primaryKey, restoreKeys),
    saveCache: (paths, key) => cache.saveCache(paths, key),
  };
}

type Timed<T> = { kind: 'done'; value: T } | { kind: 'timeout' };

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<Timed<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then((value): Timed<T> => ({ kind: 'done', value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function actionsTimingCache(options: ActionsTimingCacheOptions): TimingCache {
  const { logger } = options;
  const dir = path.join(options.workspace, CACHE_DIR);
  const file = path.join(dir, CACHE_FILE);
  // The path as given to the cache library is part of the entry's version: relative, so every runner agrees.
  const cachePaths = [CACHE_DIR];
  let library: CacheLibrary | undefined;
  const lib = async (): Promise<CacheLibrary | undefined> => {
    try {
      library ??= await (options.library ?? loadActionsCache)();
    } catch (error) {
      logger.warning(
        `The Actions cache client could not be loaded (${neutralize(errorMessage(error))}); timings are not cached.`,
      );
      return undefined;
    }
    if (!library.isFeatureAvailable()) {
      logger.info('The Actions cache service is not available here; timings are neither restored nor saved.');
      return undefined;
    }
    return library;
  };
  const clear = () => rm(dir, { recursive: true, force: true });

  return {
    async restore() {
      const cache = await lib();
      if (!cache) return undefined;
      try {
        await clear(); // never read a stale or partial file from an earlier step
        const primary = timingSaveKey(options.prefix, { ...options.run, nowMs: 0 });
        const result = await withTimeout(
          cache.restoreCache([...cachePaths], primary, [options.prefix]),
          options.timeoutMs,
        );
        if (result.kind === 'timeout') {
          logger.warning(
            `Restoring timings from the Actions cache took longer than ${Math.round(options.timeoutMs / 1000)} s; planning without them.`,
          );
          return undefined;
        }
        if (result.value === undefined) {
          logger.info('No timings in the Actions cache yet; tests are planned with estimates.');
          return undefined;
        }
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) {
          logger.warning('The restored timings cache entry holds no timing file; planning without it.');
          return undefined;
        }
        if (info.size > MAX_RESTORED_BYTES) {
          logger.warning(`The restored timing file is larger than ${MAX_RESTORED_BYTES} bytes and was ignored.`);
          return undefined;
        }
        logger.info('Timings restored from the Actions cache.');
        return await readFile(file, 'utf8');
      } catch (error) {
        logger.warning(
          `Could not restore timings from the Actions cache (${neutralize(errorMessage(error))}); planning without them.`,
        );
        return undefined;
      } finally {
        // Also removes what a failed extraction left behind.
        await clear().catch(() => undefined);
      }
    },

    async save(content) {
      const cache = await lib();
      if (!cache) return 'skipped';
      const key = timingSaveKey(options.prefix, { ...options.run, nowMs: (options.now ?? Date.now)() });
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(file, content, 'utf8');
        const result = await withTimeout(cache.saveCache([...cachePaths], key), options.timeoutMs);
        if (result.kind === 'timeout') {
          logger.warning(
            `Saving timings to the Actions cache took longer than ${Math.round(options.timeoutMs / 1000)} s; they were not saved.`,
          );
          return 'failed';
        }
        // The library reports its own failures (reservation conflicts, read-only tokens, 5xx) and returns -1.
        if (result.value === -1) return 'failed';
        logger.info('Timings saved to the Actions cache.');
        return 'saved';
      } catch (error) {
        logger.warning(`Could not save timings to the Actions cache (${neutralize(errorMessage(error))}).`);
        return 'failed';
      } finally {
        await clear().catch(() => undefined);
      }
    },
  };
}

/** A cache that does nothing, for `timings: false`. */
export const noTimingCache: TimingCache = {
  restore: () => Promise.resolve(undefined),
  save: () => Promise.resolve('skipped'),
};
