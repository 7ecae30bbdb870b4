import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchFiles } from './match-files.js';

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
