/**
 * A shard's result as it travels to the merge: metadata (which shard, which attempt, how it ended), its JUnit and
 * its timing partial. The transport is an interface; the default is a directory (`results-dir`) that users carry
 * between jobs with actions/upload-artifact and download-artifact (`merge-multiple: true`): each result lives in its
 * own sub-directory, `shard-<i>-of-<n>-attempt-<a>[-<worker>]`, so artifacts never overwrite each other.
 *
 * Everything read back is validated: results come from artifacts a pull request's code wrote.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside, loadJson, neutralize, writeFileInside, type AllowedRoot, type Logger } from '@gauntlet/action-kit';
import {
  parseTimingPartial,
  serializeTimingPartial,
  writeJUnitXml,
  XmlError,
  type JUnitReport,
  type TimingPartial,
} from '@gauntlet/sharding';
import { ResultFiles } from './constants.js';
import { readJUnit } from './junit-read.js';

export const RESULT_FORMAT = 'gauntlet-shard-result';
export const RESULT_VERSION = 1;

export type ResultStatus = 'completed' | 'cancelled' | 'error';

export interface ResultMeta {
  readonly format: typeof RESULT_FORMAT;
  readonly version: typeof RESULT_VERSION;
  readonly planId?: string;
  /** 1-based. */
  readonly shard: number;
  readonly shardTotal: number;
  /** Workflow run attempt, or the pod's attempt for its index on Kubernetes. */
  readonly attempt: number;
  readonly source: 'run' | 'queue' | 'kubernetes';
  readonly status: ResultStatus;
  readonly exitCode: number | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Wall time of the test command(s), seconds. */
  readonly durationSeconds: number;
  /** Planned test keys this result covers (for a queue worker: the items it was credited with). */
  readonly tests: readonly string[];
  /** Why it ended as it did, for `cancelled` and `error` (plain text, escaped when shown). */
  readonly message?: string;
  /** Retries within the attempt (0 = none were needed). */
  readonly retries?: number;
}

export interface ShardResult {
  readonly meta: ResultMeta;
  readonly junit: JUnitReport;
  readonly partial?: TimingPartial;
  /** Where it was read from, for messages. */
  readonly origin: string;
}

export interface ResultTransport {
  write(result: Omit<ShardResult, 'origin'>): Promise<string>;
  readAll(logger: Logger): Promise<ShardResult[]>;
}

const MAX_META_BYTES = 16 * 1024 * 1024;
const MAX_JUNIT_BYTES = 64 * 1024 * 1024;
const MAX_RESULTS = 10_000;

export function resultDirName(meta: Pick<ResultMeta, 'shard' | 'shardTotal' | 'attempt'>, worker?: string): string {
  const suffix = worker ? `-${worker.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}` : '';
  return `shard-${meta.shard}-of-${meta.shardTotal}-attempt-${meta.attempt}${suffix}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** Validates result metadata; returns a reason string when it is unusable. */
export function validateMeta(value: unknown): ResultMeta | string {
  if (!isRecord(value) || value['format'] !== RESULT_FORMAT) return 'not a shard result';
  if (value['version'] !== RESULT_VERSION) return `unsupported version ${JSON.stringify(value['version'])}`;
  const { shard, shardTotal, attempt } = value;
  if (!positive(shard) || !positive(shardTotal) || shard > shardTotal || shardTotal > 256 || !positive(attempt)) {
    return 'invalid shard, shardTotal or attempt';
  }
  if (!['completed', 'cancelled', 'error'].includes(value['status'] as string)) return 'invalid status';
  if (!['run', 'queue', 'kubernetes'].includes(value['source'] as string)) return 'invalid source';
  const exitCode = value['exitCode'];
  if (exitCode !== null && !(typeof exitCode === 'number' && Number.isSafeInteger(exitCode)))
    return 'invalid exit code';
  const duration = value['durationSeconds'];
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0 || duration > 7 * 86_400)
    return 'invalid duration';
  for (const key of ['startedAt', 'finishedAt'] as const) {
    if (typeof value[key] !== 'string' || Number.isNaN(Date.parse(value[key]))) return `invalid ${key}`;
  }
  const tests = value['tests'];
  if (!Array.isArray(tests) || tests.some((t) => typeof t !== 'string')) return 'invalid test list';
  if (
    value['planId'] !== undefined &&
    (typeof value['planId'] !== 'string' || !/^[0-9a-f]{16}$/.test(value['planId']))
  ) {
    return 'invalid plan id';
  }
  if (value['message'] !== undefined && typeof value['message'] !== 'string') return 'invalid message';
  return value as unknown as ResultMeta;
}

/** Where results may be written: the workspace, and the other roots results-dir may be under (RUNNER_TEMP). */
export interface ResultRoots {
  readonly workspace: string;
  readonly alsoUnder: readonly AllowedRoot[];
}

/** The directory transport: one sub-directory per result under `root`. */
export function directoryTransport(root: string, cwd: string, within: ResultRoots, worker?: string): ResultTransport {
  return {
    async write(result) {
      const dir = path.join(root, resultDirName(result.meta, worker));
      await mkdir(dir, { recursive: true });
      // Confined again at each write: the test command ran before and may have planted symlinks at the results
      // directory or its files.
      const write = (file: string, text: string) =>
        writeFileInside(within.workspace, path.join(dir, file), text, within.alsoUnder);
      await write(ResultFiles.junit, writeJUnitXml(result.junit));
      if (result.partial) await write(ResultFiles.timings, serializeTimingPartial(result.partial));
      // Metadata last: a result directory without result.json is an interrupted write, never a result.
      await write(ResultFiles.meta, `${JSON.stringify(result.meta, null, 1)}\n`);
      return dir;
    },
    async readAll(logger) {
      return readResultDirectory(root, cwd, logger);
    },
  };
}

async function findMetaFiles(root: string, depth = 0, out: string[] = []): Promise<string[]> {
  if (depth > 4 || out.length >= MAX_RESULTS) return out;
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.isFile() && entry.name === ResultFiles.meta) out.push(full);
    else if (entry.isDirectory()) await findMetaFiles(full, depth + 1, out);
  }
  return out;
}

/** A result file's text, unless it is too large or (a symlink) not really under the results directory. */
async function readCapped(root: string, file: string, max: number): Promise<string | undefined> {
  if (!isInside(root, file)) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile() || info.size > max) return undefined;
  return readFile(file, 'utf8');
}

/** Reads every result under `root`. Unreadable results are reported (one warning each) and skipped. */
export async function readResultDirectory(root: string, cwd: string, logger: Logger): Promise<ShardResult[]> {
  const results: ShardResult[] = [];
  for (const metaFile of await findMetaFiles(root)) {
    const dir = path.dirname(metaFile);
    const origin = path.relative(root, dir) || '.';
    const shown = JSON.stringify(neutralize(origin));
    let metaValue: unknown;
    try {
      const text = await readCapped(root, metaFile, MAX_META_BYTES);
      if (text === undefined) throw new Error('too large');
      metaValue = loadJson(text, { origin: 'meta', limits: { maxChars: MAX_META_BYTES } });
    } catch {
      logger.warning(`Shard result ${shown} has unreadable metadata and was ignored.`);
      continue;
    }
    const meta = validateMeta(metaValue);
    if (typeof meta === 'string') {
      logger.warning(`Shard result ${shown} was ignored: ${meta}.`);
      continue;
    }
    let junit: JUnitReport = { suites: [] };
    let finalMeta = meta;
    const junitText = await readCapped(root, path.join(dir, ResultFiles.junit), MAX_JUNIT_BYTES).catch(() => undefined);
    if (junitText === undefined) {
      finalMeta = { ...meta, status: 'error', message: 'its JUnit report is missing or too large' };
    } else {
      try {
        junit = readJUnit(junitText, cwd);
      } catch (error) {
        if (!(error instanceof XmlError)) throw error;
        finalMeta = { ...meta, status: 'error', message: `its JUnit report is unreadable (${error.message})` };
      }
    }
    const partialText = await readCapped(root, path.join(dir, ResultFiles.timings), MAX_META_BYTES).catch(
      () => undefined,
    );
    const partial = partialText === undefined ? undefined : parseTimingPartial(partialText, logger, { source: origin });
    results.push({ meta: finalMeta, junit, ...(partial ? { partial } : {}), origin });
  }
  return results;
}
