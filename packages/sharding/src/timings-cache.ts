/**
 * Timing store in the GitHub Actions cache. The cache is an optimisation, never a dependency: every failure mode of
 * @actions/cache (service absent on GHES, 429, 5xx retries, network errors, stuck downloads, corrupt archives,
 * reserve conflicts, read-only tokens for untrusted triggers, path validation errors) degrades to "no timings" or
 * "not saved" with at most one log line, and the tests still all run (reliability plan SH-08, CA-01…CA-09).
 *
 * The client is passed in (`import * as cache from '@actions/cache'` satisfies CacheClient), so this module loads
 * nothing at runtime and tests use a fake. Keys are built only from hashes and numbers: a branch name with commas
 * or 600 characters cannot make the cache library throw a ValidationError (CA-07). Cache entries are immutable, so
 * each run saves under a new key (run id and attempt) and restores the newest by prefix: this branch first, then the
 * default branch. GitHub already scopes restores to the current branch and its base, so a pull request cannot
 * poison the timings of main; validation on load caps what a poisoned entry can do within a branch.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage, neutralize, type Logger } from '@gauntlet/action-kit';
import type { DownloadOptions, UploadOptions } from '@actions/cache';
import {
  emptyTimingStore,
  readTimingStoreFile,
  serializeTimingStore,
  type LoadOptions,
  type TimingStore,
} from './timing-store.js';

/** The part of @actions/cache this module uses. */
export interface CacheClient {
  isFeatureAvailable(): boolean;
  restoreCache(
    paths: string[],
    primaryKey: string,
    restoreKeys?: string[],
    options?: DownloadOptions,
    enableCrossOsArchive?: boolean,
  ): Promise<string | undefined>;
  saveCache(paths: string[], key: string, options?: UploadOptions, enableCrossOsArchive?: boolean): Promise<number>;
}

export interface TimingCacheKeyInput {
  /** What the timings belong to (e.g. repository + workflow + job + test command); hashed. */
  readonly scope: string;
  /** The current branch (GITHUB_HEAD_REF or GITHUB_REF_NAME); hashed. */
  readonly branch: string;
  /** The default branch, restored from when this branch has no timings yet; hashed. */
  readonly defaultBranch?: string;
  readonly runId: number | string;
  readonly runAttempt?: number | string;
}

export interface TimingCacheKeys {
  readonly save: string;
  readonly restore: readonly string[];
}

const PREFIX = 'gauntlet-timings-v1';
const h = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);
const digits = (v: number | string | undefined): string =>
  String(v ?? '')
    .replace(/[^0-9]/g, '')
    .slice(0, 20) || '0';

/** Cache keys from hashes and digits only: always valid (no commas, under 512 characters). */
export function timingCacheKeys(input: TimingCacheKeyInput): TimingCacheKeys {
  const scope = h(input.scope);
  const branch = `${PREFIX}-${scope}-${h(input.branch)}-`;
  const restore = [branch];
  if (input.defaultBranch !== undefined && input.defaultBranch !== input.branch)
    restore.push(`${PREFIX}-${scope}-${h(input.defaultBranch)}-`);
  return { save: `${branch}${digits(input.runId)}-${digits(input.runAttempt ?? 1)}`, restore };
}

export interface RestoreOptions extends LoadOptions {
  /** Where the store file lives while cached. */
  readonly path: string;
  readonly keys: TimingCacheKeys;
  /** Our own bound on a restore (default 60 s): a stuck download becomes a miss (CA-05). */
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

class Timeout extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Timeout(`timed out after ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function isAvailable(client: CacheClient): boolean {
  try {
    return client.isFeatureAvailable();
  } catch {
    return false;
  }
}

function describeFailure(error: unknown): string {
  return neutralize(errorMessage(error)).split('\n')[0]!.slice(0, 300);
}

/**
 * Restores and loads the timing store. Never throws: unavailable, missed, failed or timed-out restores give an
 * empty store (partial files are deleted so a half-extracted archive is never read), and a hit goes through the
 * same validation as any other timing file.
 */
export async function restoreTimingStore(client: CacheClient, options: RestoreOptions): Promise<TimingStore> {
  const { logger, path, keys } = options;
  if (!isAvailable(client)) {
    logger.info('Actions cache is not available here (e.g. GHES without cache); planning without stored timings.');
    return emptyTimingStore();
  }
  const [primary, ...rest] = keys.restore;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let hit: string | undefined;
  try {
    hit = await withTimeout(
      client.restoreCache([path], primary ?? keys.save, rest, {
        segmentTimeoutInMs: timeoutMs,
        timeoutInMs: timeoutMs,
      }),
      timeoutMs,
    );
  } catch (error) {
    await rm(path, { force: true }).catch(() => {});
    logger.warning(
      `Restoring timings from the Actions cache failed (${describeFailure(error)}); planning without stored timings.`,
    );
    return emptyTimingStore();
  }
  if (hit === undefined) {
    logger.info('No timings in the Actions cache yet; tests are planned with estimates.');
    return emptyTimingStore();
  }
  logger.info(`Restored timings from the Actions cache (${hit}).`);
  return readTimingStoreFile(path, logger, { ...options, source: options.source ?? `cache ${hit}` });
}

export interface SaveOptions {
  readonly path: string;
  readonly key: string;
  readonly logger: Logger;
  /**
   * True for runs whose cache token is read-only or that must not write (pull requests from forks, untrusted
   * triggers): the save is skipped with a warning (CA-08).
   */
  readonly readOnly?: boolean;
}

/** Saves the store. Never throws; returns whether it was saved. */
export async function saveTimingStore(client: CacheClient, store: TimingStore, options: SaveOptions): Promise<boolean> {
  const { logger, path, key } = options;
  if (options.readOnly) {
    logger.warning(
      'Timings not saved: this run may not write to the Actions cache (untrusted trigger or read-only token).',
    );
    return false;
  }
  try {
    if (!isAvailable(client)) {
      logger.info('Actions cache is not available here; timings not saved.');
      return false;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, serializeTimingStore(store));
    await client.saveCache([path], key);
    logger.info(`Saved timings to the Actions cache (${key}).`);
    return true;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const message = errorMessage(error);
    if (name === 'CacheWriteDeniedError' || message.includes('cache write denied')) {
      logger.warning('Timings not saved: the cache token is read-only for this run.');
    } else if (name === 'ReserveCacheError' || /another job may be creating this cache|already exists/i.test(message)) {
      // Someone else is saving the same key: as good as saved (CA-03).
      logger.info(`Timings not saved: another job is saving cache key ${key}.`);
    } else {
      logger.warning(
        `Saving timings to the Actions cache failed (${describeFailure(error)}); the next run plans with older timings.`,
      );
    }
    return false;
  }
}
