import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { parseTimingStore } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import type { RunContext } from './context.js';
import { tempWorkspace } from './test-helpers.js';
import {
  actionsTimingCache,
  CACHE_DIR,
  CACHE_FILE,
  timingKeyPrefix,
  timingSaveKey,
  type CacheLibrary,
} from './timings-cache.js';
import { loadTimingStore, updateTimingStore } from './timings.js';

function cache(workspace: string, library: Partial<CacheLibrary>, timeoutMs = 5_000) {
  const logger = new RecordingLogger();
  const full: CacheLibrary = {
    isFeatureAvailable: () => true,
    restoreCache: () => Promise.resolve(undefined),
    saveCache: () => Promise.resolve(1),
    ...library,
  };
  const c = actionsTimingCache({
    prefix: 'p-',
    workspace,
    timeoutMs,
    logger,
    run: { runId: 1, runAttempt: 1 },
    library: () => Promise.resolve(full),
  });
  return { c, logger };
}

describe('the timing cache degrades to "no timings", never to a failure', () => {
  it('CA-01: service absent → one info line, nothing restored or saved', async () => {
    const ws = await tempWorkspace();
    const { c, logger } = cache(ws, { isFeatureAvailable: () => false });
    expect(await c.restore()).toBeUndefined();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.level).toBe('info');
    expect(await c.save('{}')).toBe('skipped');
  });

  it('CA-02/04: a library that throws (429, 5xx after its retries, reset) → a warning and a miss', async () => {
    const ws = await tempWorkspace();
    const { c, logger } = cache(ws, {
      restoreCache: () => Promise.reject(new Error('Rate limited: Failed request: (429)')),
      saveCache: () => Promise.reject(new Error('socket hang up')),
    });
    expect(await c.restore()).toBeUndefined();
    expect(await c.save('{}')).toBe('failed');
    expect(logger.messages('warning')).toHaveLength(2);
  });

  it('CA-05: a stuck restore is abandoned at our own timeout, and its files are not used', async () => {
    const ws = await tempWorkspace();
    // The library's promise never settles; only our own timeout can end the wait (else this test would hang).
    const { c, logger } = cache(ws, { restoreCache: () => new Promise(() => undefined) }, 200);
    expect(await c.restore()).toBeUndefined();
    expect(logger.messages('warning')[0]).toMatch(/took longer than/);
  });

  it('CA-06: a hit whose archive held no timing file, or a partial one, leaves nothing behind', async () => {
    const ws = await tempWorkspace();
    const { c, logger } = cache(ws, {
      restoreCache: async () => {
        await mkdir(path.join(ws, CACHE_DIR, 'junk'), { recursive: true });
        return 'key';
      },
    });
    expect(await c.restore()).toBeUndefined();
    expect(logger.messages('warning')[0]).toMatch(/holds no timing file/);
    await expect(stat(path.join(ws, CACHE_DIR))).rejects.toThrow();
  });

  it('restores the stored file and removes it from the workspace', async () => {
    const ws = await tempWorkspace();
    const { c } = cache(ws, {
      restoreCache: async (paths) => {
        expect(paths).toEqual([CACHE_DIR]);
        await mkdir(path.join(ws, CACHE_DIR), { recursive: true });
        await writeFile(path.join(ws, CACHE_DIR, CACHE_FILE), '{"a.test.ts": 2}');
        return 'key';
      },
    });
    expect(await c.restore()).toBe('{"a.test.ts": 2}');
    await expect(stat(path.join(ws, CACHE_DIR))).rejects.toThrow();
  });

  it('CA-03/08: a reservation conflict or a read-only token (-1 from the library) is a failed save, not an error', async () => {
    const ws = await tempWorkspace();
    let saved = '';
    const { c, logger } = cache(ws, {
      saveCache: async (paths, key) => {
        saved = await readFile(path.join(ws, paths[0]!, CACHE_FILE), 'utf8');
        expect(key).toMatch(/^p-[0-9a-f]{16}$/);
        return -1;
      },
    });
    expect(await c.save('{"x": 1}')).toBe('failed');
    expect(saved).toBe('{"x": 1}');
    expect(logger.messages('error')).toEqual([]);
  });

  it('CA-09: the library’s Path Validation Error is caught and becomes a warning', async () => {
    const ws = await tempWorkspace();
    const { c, logger } = cache(ws, {
      saveCache: () =>
        Promise.reject(
          new Error('Path Validation Error: Path(s) specified in the action for caching do(es) not exist'),
        ),
    });
    expect(await c.save('{}')).toBe('failed');
    expect(logger.messages('warning')[0]).toMatch(/Path Validation Error/);
  });

  it('untrusted text in the library’s errors cannot forge workflow commands', async () => {
    const ws = await tempWorkspace();
    const forged = () => Promise.reject(new Error('::error::forged\n::add-mask::x'));
    const { c, logger } = cache(ws, { restoreCache: forged, saveCache: forged });
    expect(await c.restore()).toBeUndefined();
    expect(await c.save('{}')).toBe('failed');
    expect(logger.messages('warning')).toHaveLength(2);
    expect(logger.text()).not.toMatch(/^\s*::/m);
  });
});

describe('CA-07: cache keys are built from hashes only', () => {
  it('10,000 fuzzed names never produce a key the cache would reject', () => {
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = 'abc,/\\ :;"\'\n\t{}$()`*?[]~^éü中😀-_.=';
    for (let i = 0; i < 10_000; i++) {
      let text = '';
      for (let n = next() % 700; n > 0; n--) text += alphabet[next() % alphabet.length];
      const prefix = timingKeyPrefix({ repository: text, directory: text.slice(3), key: text.slice(7) });
      const key = timingSaveKey(prefix, { runId: next(), runAttempt: 1 + (next() % 5), nowMs: next() });
      expect(key).toMatch(/^gauntlet-shard-timings-v1-[0-9a-f]{16}-[0-9a-f]{16}$/);
      expect(key.length).toBeLessThanOrEqual(512);
    }
  });
});

describe('updateTimingStore', () => {
  const ctx = (eventName: string): RunContext => ({
    eventName,
    ref: 'refs/heads/main',
    owner: 'o',
    repo: 'r',
    runId: 1,
    runAttempt: 1,
    sha: 'a',
    headSha: 'a',
    prNumber: undefined,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    workspace: '/',
    runnerTemp: '/tmp',
    event: { repository: { default_branch: 'main' } },
  });
  const inputs = { useCache: true, key: '', trustedRefs: [], cacheTimeoutMs: 1000 };
  const partial = { shard: 1, shardTotal: 1, attempt: 1, tests: new Map([['a.test.ts', 2]]) };

  it('never touches the cache from a pull request', async () => {
    let calls = 0;
    const spy = {
      restore: () => (calls++, Promise.resolve(undefined)),
      save: () => (calls++, Promise.resolve('saved' as const)),
    };
    const update = await updateTimingStore(inputs, ctx('pull_request'), spy, [partial], new RecordingLogger());
    expect(update.saved).toBe('untrusted');
    expect(calls).toBe(0);
  });

  it('merges the partials into the restored store on a trusted push', async () => {
    let written = '';
    const spy = {
      restore: () => Promise.resolve('{"b.test.ts": 4}'),
      save: (content: string) => ((written = content), Promise.resolve('saved' as const)),
    };
    const update = await updateTimingStore(inputs, ctx('push'), spy, [partial], new RecordingLogger());
    expect(update.saved).toBe('saved');
    const store = parseTimingStore(written, new RecordingLogger());
    expect(store.entries.get('a.test.ts')).toMatchObject({ seconds: 2, missedRuns: 0 });
    expect(store.entries.get('b.test.ts')).toMatchObject({ seconds: 4, missedRuns: 1 });
  });
});

describe('loadTimingStore with a timings file', () => {
  const inputs = (file: string) => ({ useCache: false, file, key: '', trustedRefs: [], cacheTimeoutMs: 1000 });
  const noCache = { restore: () => Promise.resolve(undefined), save: () => Promise.resolve('skipped' as const) };

  it('a missing file is an info line, not a warning', async () => {
    const ws = await tempWorkspace();
    const logger = new RecordingLogger();
    const store = await loadTimingStore(inputs(path.join(ws, 'absent.json')), noCache, logger, ws);
    expect(store.entries.size).toBe(0);
    expect(logger.messages('warning')).toEqual([]);
    expect(logger.messages('info')).toHaveLength(1);
  });

  it('a 50 MB file is refused from its size alone', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'big.json');
    await writeFile(file, '{');
    await truncate(file, 50 * 1024 * 1024); // sparse: no 50 MB written to disk
    const logger = new RecordingLogger();
    const store = await loadTimingStore(inputs(file), noCache, logger, ws);
    expect(store.entries.size).toBe(0);
    expect(logger.messages('warning')).toHaveLength(1);
    expect(logger.messages('warning')[0]).toContain('larger than');
  });
});
