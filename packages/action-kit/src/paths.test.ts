import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { confineGlob, confinePath, isInside, readFileInside, readFileInsideSync, writeFileInside } from './paths.js';

let root: string;
let outside: string;

beforeAll(async () => {
  const top = await mkdtemp(path.join(os.tmpdir(), 'confine-'));
  root = path.join(top, 'workspace');
  outside = path.join(top, 'outside');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'token=hunter2-secret-value\n');
  await symlink(outside, path.join(root, 'escape-dir'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'escape-file'));
  await symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling'));
  await symlink(path.join(root, 'sub'), path.join(root, 'inner-link'));
});

describe('confinePath', () => {
  it('accepts paths inside the workspace, existing or not, and symlinks that stay inside', () => {
    expect(confinePath(root, 'sub/plan.json')).toBe(path.join(root, 'sub/plan.json'));
    expect(confinePath(root, 'new/deeper/file.xml')).toBe(path.join(root, 'new/deeper/file.xml'));
    expect(confinePath(root, path.join(root, 'sub'))).toBe(path.join(root, 'sub'));
    expect(confinePath(root, 'inner-link/x.json')).toBe(path.join(root, 'inner-link/x.json'));
    expect(confinePath(root, 'x.json', { base: path.join(root, 'sub') })).toBe(path.join(root, 'sub/x.json'));
  });

  it('refuses .., absolute paths and symlinks out, naming the input and quoting only the value', () => {
    expect(() => confinePath(root, '../outside/secret.txt', { input: 'plan-file' })).toThrow(
      /^Input 'plan-file': "..\/outside\/secret.txt" is outside the workspace/,
    );
    expect(() => confinePath(root, '/etc/passwd', { input: 'plan-file' })).toThrow(/outside the workspace/);
    expect(() => confinePath(root, 'escape-dir/secret.txt')).toThrow(/through a symbolic link/);
    expect(() => confinePath(root, 'escape-file')).toThrow(/outside the workspace/);
    expect(() => confinePath(root, 'escape-dir/new/file')).toThrow(/outside the workspace/);
    expect(() => confinePath(root, 'dangling')).toThrow(/dangling symbolic link/);
    expect(() => confinePath(root, 'a\0b')).toThrow(/NUL/);
    try {
      confinePath(root, 'escape-file', { input: 'slo-files' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('isInside treats the root itself as inside and a sibling with the same prefix as outside', () => {
    expect(isInside(root, root)).toBe(true);
    expect(isInside(root, `${root}-other/x`)).toBe(false);
  });
});

describe('confineGlob', () => {
  it('refuses absolute patterns and .. segments', () => {
    expect(confineGlob('test/**/*.test.ts')).toBe('test/**/*.test.ts');
    expect(() => confineGlob('/etc/*', { input: 'tests' })).toThrow(/absolute pattern/);
    expect(() => confineGlob('../../**/*.key', { input: 'tests' })).toThrow(/leaves the workspace/);
    expect(() => confineGlob('a/../../b')).toThrow(/leaves the workspace/);
    expect(() => confineGlob('~/x')).toThrow(/absolute/);
  });
});

describe('writeFileInside / readFileInside', () => {
  it('writes and reads inside', async () => {
    const file = path.join(root, 'sub/out.txt');
    await writeFileInside(root, file, 'ok');
    expect(await readFileInside(root, file, { maxBytes: 10 })).toBe('ok');
    await expect(readFileInside(root, file, { maxBytes: 1 })).rejects.toThrow(/at most 1/);
  });

  it('never writes through a symlink planted at the path, nor reads through one', async () => {
    await expect(writeFileInside(root, path.join(root, 'escape-file'), 'overwritten')).rejects.toThrow(/outside/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toContain('hunter2');
    await expect(writeFileInside(root, path.join(root, 'dangling'), 'x')).rejects.toThrow(/dangling/);
    await expect(readFileInside(root, path.join(root, 'escape-file'), { maxBytes: 100 })).rejects.toThrow(/outside/);
  });

  it('reads once with the cap on the read itself; the sync reader does the same', async () => {
    const file = path.join(root, 'sub/ten.txt');
    await writeFile(file, '0123456789');
    expect(await readFileInside(root, file, { maxBytes: 10 })).toBe('0123456789');
    expect(readFileInsideSync(root, file, { maxBytes: 10 })).toBe('0123456789');
    await expect(readFileInside(root, file, { maxBytes: 9 })).rejects.toThrow(/larger than 9 bytes/);
    expect(() => readFileInsideSync(root, file, { maxBytes: 9 })).toThrow(/larger than 9 bytes/);
    expect(() => readFileInsideSync(root, path.join(root, 'escape-file'), { maxBytes: 100 })).toThrow(/outside/);
  });

  it('refuses what is not a regular file without blocking on it (a FIFO: stat says 0 bytes, a writer sends any)', async () => {
    const fifo = path.join(root, 'sub/plan.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readFileInside(root, fifo, { maxBytes: 100 })).rejects.toThrow(/not a regular file/);
    expect(() => readFileInsideSync(root, fifo, { maxBytes: 100 })).toThrow(/not a regular file/);
    await expect(readFileInside(root, path.join(root, 'sub'), { maxBytes: 100 })).rejects.toThrow(/not a regular file/);
  });

  it('refuses a final symlink even when it points inside (O_NOFOLLOW)', async () => {
    await symlink(path.join(root, 'sub/out.txt'), path.join(root, 'link-inside'));
    await expect(writeFileInside(root, path.join(root, 'link-inside'), 'x')).rejects.toThrow(/symbolic link/);
  });
});
