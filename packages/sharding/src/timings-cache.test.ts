/** Cache behaviour (reliability plan CA-01…CA-09) against a fake @actions/cache client. */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './test-helpers.js';
import { storeFromFlatMap } from './timing-store.js';
import { restoreTimingStore, saveTimingStore, timingCacheKeys, type CacheClient } from './timings-cache.js';

const keys = timingCacheKeys({
  scope: 'o/r:ci.yml:test',
  branch: 'feature/x',
  defaultBranch: 'main',
  runId: 42,
  runAttempt: 2,
});
const tmp = async (): Promise<string> => join(await mkdtemp(join(tmpdir(), 'tc-')), 'timings.json');
const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

function fake(
  over: Partial<CacheClient> & { files?: Record<string, string> },
): CacheClient & { restores: number; saves: string[] } {
  const client = {
    restores: 0,
    saves: [] as string[],
    isFeatureAvailable: () => true,
    async restoreCache(paths: string[]) {
      client.restores++;
      for (const p of paths) {
        const content = over.files?.[p];
        if (content !== undefined) await writeFile(p, content);
      }
      return over.files ? keys.restore[0] + '1-1' : undefined;
    },
    async saveCache(_paths: string[], key: string) {
      client.saves.push(key);
      return 1;
    },
    ...over,
  };
  return client;
}

describe('timingCacheKeys (CA-07)', () => {
  it('builds valid keys from any branch name: no commas, bounded length, branch then default-branch prefixes', () => {
    expect(keys.save.startsWith(keys.restore[0]!)).toBe(true);
    expect(keys.save.endsWith('-42-2')).toBe(true);
    expect(keys.restore).toHaveLength(2);
    const rand = mulberry32(7);
    for (let i = 0; i < 10_000; i++) {
      const branch =
        Array.from({ length: Math.floor(rand() * 600) }, () => String.fromCharCode(Math.floor(rand() * 0xffff))).join(
          '',
        ) + ',';
      const k = timingCacheKeys({ scope: branch, branch, defaultBranch: 'main', runId: 'x1,2', runAttempt: '-3' });
      for (const key of [k.save, ...k.restore]) {
        expect(key.includes(',')).toBe(false);
        expect(key.length).toBeLessThan(512);
      }
    }
  });
});

describe('restoreTimingStore', () => {
  it('CA-01: cache service absent → one info line, empty store, no restore attempted', async () => {
    const log = new RecordingLogger();
    const client = fake({ isFeatureAvailable: () => false });
    const store = await restoreTimingStore(client, { path: await tmp(), keys, logger: log });
    expect(store.entries.size).toBe(0);
    expect(client.restores).toBe(0);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.level).toBe('info');
  });

  it('a hit is loaded through validation', async () => {
    const path = await tmp();
    const log = new RecordingLogger();
    const store = await restoreTimingStore(fake({ files: { [path]: '{"a.py::t": 2, "b.py::t": -1}' } }), {
      path,
      keys,
      logger: log,
    });
    expect([...store.entries.keys()]).toEqual(['a.py::t']);
    expect(log.messages('warning')).toHaveLength(1);
  });

  it('a miss is an info line', async () => {
    const log = new RecordingLogger();
    expect((await restoreTimingStore(fake({}), { path: await tmp(), keys, logger: log })).entries.size).toBe(0);
    expect(log.messages('warning')).toHaveLength(0);
  });

  it.each([
    ['CA-02: 429', named('HttpClientError', 'Cache service responded with 429')],
    ['CA-04: 503 after retries', named('HttpClientError', 'Cache service responded with 503')],
    ['CA-04b: ECONNRESET', named('NetworkError', 'read ECONNRESET')],
    ['read denied', named('CacheReadDeniedError', 'cache read denied: untrusted')],
  ])('%s → one warning, empty store', async (_, error) => {
    const log = new RecordingLogger();
    const store = await restoreTimingStore(fake({ restoreCache: () => Promise.reject(error) }), {
      path: await tmp(),
      keys,
      logger: log,
    });
    expect(store.entries.size).toBe(0);
    expect(log.messages('warning')).toHaveLength(1);
    expect(log.messages('error')).toHaveLength(0);
  });

  it('CA-05: a stuck download is bounded by our own timeout and becomes a miss', async () => {
    const log = new RecordingLogger();
    const stuck = fake({ restoreCache: () => new Promise<string | undefined>(() => {}) });
    const store = await restoreTimingStore(stuck, { path: await tmp(), keys, logger: log, timeoutMs: 20 });
    expect(store.entries.size).toBe(0);
    expect(log.messages('warning')[0]).toMatch(/timed out/);
  });

  it('CA-06: a corrupt archive leaves no partial timing file behind', async () => {
    const path = await tmp();
    const log = new RecordingLogger();
    const corrupt = fake({
      restoreCache: async () => {
        await writeFile(path, '{"a.py::t": 1, "half');
        throw new Error('tar: Unexpected EOF in archive');
      },
    });
    const store = await restoreTimingStore(corrupt, { path, keys, logger: log });
    expect(store.entries.size).toBe(0);
    await expect(stat(path)).rejects.toThrow();
  });

  it('untrusted text in error messages cannot forge workflow commands', async () => {
    const log = new RecordingLogger();
    await restoreTimingStore(
      fake({ restoreCache: () => Promise.reject(new Error('::error::forged\n::add-mask::x')) }),
      { path: await tmp(), keys, logger: log },
    );
    expect(log.text()).not.toMatch(/^\s*::/m);
  });
});

describe('saveTimingStore', () => {
  const store = storeFromFlatMap(new Map([['a.py::t', 1]]));

  it('writes the store and saves it under the run key', async () => {
    const path = await tmp();
    const client = fake({});
    expect(await saveTimingStore(client, store, { path, key: keys.save, logger: new RecordingLogger() })).toBe(true);
    expect(client.saves).toEqual([keys.save]);
    expect(await readFile(path, 'utf8')).toContain('"a.py::t"');
  });

  it('CA-03: reserve conflict is success-equivalent (no warning, no error)', async () => {
    const log = new RecordingLogger();
    const client = fake({
      saveCache: () =>
        Promise.reject(
          named('ReserveCacheError', 'Unable to reserve cache with key k, another job may be creating this cache.'),
        ),
    });
    expect(await saveTimingStore(client, store, { path: await tmp(), key: keys.save, logger: log })).toBe(false);
    expect(log.messages('warning')).toHaveLength(0);
    expect(log.messages('error')).toHaveLength(0);
  });

  it('CA-08: read-only runs skip the save with a warning', async () => {
    const log = new RecordingLogger();
    const client = fake({});
    expect(
      await saveTimingStore(client, store, { path: await tmp(), key: keys.save, logger: log, readOnly: true }),
    ).toBe(false);
    expect(client.saves).toEqual([]);
    expect(log.messages('warning')).toHaveLength(1);
    const denied = fake({
      saveCache: () => Promise.reject(named('CacheWriteDeniedError', 'cache write denied: read-only token')),
    });
    expect(await saveTimingStore(denied, store, { path: await tmp(), key: keys.save, logger: log })).toBe(false);
  });

  it('CA-09: a path validation error is a warning, never a throw', async () => {
    const log = new RecordingLogger();
    const client = fake({
      saveCache: () =>
        Promise.reject(
          new Error('Path Validation Error: Path(s) specified in the action for caching do(es) not exist'),
        ),
    });
    await expect(saveTimingStore(client, store, { path: await tmp(), key: keys.save, logger: log })).resolves.toBe(
      false,
    );
    expect(log.messages('warning')).toHaveLength(1);
  });
});
