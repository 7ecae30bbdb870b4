import { execFileSync } from 'node:child_process';
import type * as fsPromises from 'node:fs/promises';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { matchFiles } from './match-files.js';

// Counts what the walk yields, to show matchFiles stops walking at the first refused match.
const walked = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  return {
    ...actual,
    glob: async function* (...args: Parameters<typeof actual.glob>) {
      for await (const entry of actual.glob(...args)) {
        walked.count++;
        yield entry;
      }
    },
  };
});

let ws: string;
let outside: string;

beforeAll(() => {
  const top = mkdtempSync(path.join(os.tmpdir(), 'match-files-'));
  ws = path.join(top, 'ws');
  outside = path.join(top, 'outside');
  mkdirSync(path.join(ws, 'slo', 'nested'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(ws, 'slo', 'b.yaml'), 'b');
  writeFileSync(path.join(ws, 'slo', 'a.yaml'), 'a');
  writeFileSync(path.join(outside, 'secret.yaml'), 'token: hunter2');
  symlinkSync(outside, path.join(ws, 'out-dir'));
  symlinkSync(path.join(outside, 'secret.yaml'), path.join(ws, 'out.yaml'));
  execFileSync('mkfifo', [path.join(ws, 'pipe.yaml')]);
});

const match = (patterns: string[], maxFiles = 10) => matchFiles('slo-files', patterns, ws, { maxFiles });

describe('matchFiles', () => {
  it('returns regular files, sorted per pattern, each once; directories are passed over', async () => {
    expect(await match(['slo/*', 'slo/a.yaml'])).toEqual([path.join(ws, 'slo/a.yaml'), path.join(ws, 'slo/b.yaml')]);
  });

  it('refuses absolute and .. patterns itself, whatever the caller checked', async () => {
    await expect(match(['/etc/*'])).rejects.toThrow(/^Input 'slo-files': "\/etc\/\*" is an absolute pattern/);
    await expect(match(['../outside/*.yaml'])).rejects.toThrow(/leaves the workspace/);
  });

  it('refuses a match through a symlink out, naming the match and quoting nothing of the file', async () => {
    await expect(match(['*.yaml'])).rejects.toThrow(/"out.yaml" leads outside the workspace/);
    await expect(match(['out-dir/*.yaml'])).rejects.toThrow(/leads outside the workspace/);
    await expect(match(['out-dir/*.yaml'])).rejects.not.toThrow(/hunter2/);
  });

  it('a FIFO or a directory alone matches no file; too many matches is an error', async () => {
    await expect(match(['pipe.yaml'])).rejects.toThrow(/"pipe.yaml" matches no file/);
    await expect(match(['slo/nested'])).rejects.toThrow(/matches no file/);
    await expect(match(['slo/*.yaml'], 1)).rejects.toThrow(/matches more than 1 files/);
  });
});

describe('matchFiles on a directory replaced by a symlink to a large tree', () => {
  it('stops at the first match outside, without walking the tree behind the link', async () => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'match-files-walk-'));
    const big = path.join(top, 'big');
    // 50 directories of 50 files: the walk behind the link must not be what decides the answer.
    for (let d = 0; d < 50; d++) {
      mkdirSync(path.join(big, `d${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(path.join(big, `d${d}`, `f${f}.yaml`), '');
    }
    const workspace = path.join(top, 'ws');
    mkdirSync(workspace);
    symlinkSync(big, path.join(workspace, 'slos'));
    walked.count = 0;
    const error = await matchFiles('slo-files', ['slos/**/*.yaml'], workspace, { maxFiles: 100000 }).catch(
      (e: unknown) => e as Error,
    );
    expect(String(error)).toMatch(/leads outside the workspace/);
    expect(walked.count).toBeLessThan(10);
  });

  it('a pattern walking more paths than ten times the file limit is an error naming it', async () => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'match-files-dirs-'));
    for (let d = 0; d < 30; d++) mkdirSync(path.join(top, 'tree', `d${d}`), { recursive: true });
    await expect(matchFiles('slo-files', ['tree/**'], top, { maxFiles: 2 })).rejects.toThrow(
      /"tree\/\*\*" matches more than 20 paths/,
    );
  });
});
