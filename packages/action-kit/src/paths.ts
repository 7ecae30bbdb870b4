/**
 * Path confinement. Every path input (and every path read from a file a pull request controls) stays inside the
 * workspace, resolved through symlinks: a PR can commit a symlink at a default output path, or name `../../etc`,
 * and run as root on a self-hosted runner the action would then read or overwrite a file outside the checkout.
 *
 * The check resolves the longest existing prefix of the path with realpath (so a symlinked parent or a symlinked
 * file counts where it points) and requires the result under the workspace's own real path. Paths are checked when
 * inputs are parsed and again right before each read or write (writeFileInside/readFileInside), since the test
 * command runs in between and may plant a symlink; writes also refuse to follow a final symlink (O_NOFOLLOW).
 * Error messages quote the offending input value only, never what a file holds.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UserError } from './errors.js';
import { quote } from './inputs.js';

export interface ConfineOptions {
  /** The input the path came from, for the error message. */
  input?: string;
  /** Where the path is relative to (default: the root). Must itself be inside the root. */
  base?: string;
  /**
   * Further roots the path may be under, each with the name the message gives it (RUNNER_TEMP, where workflows
   * download artifacts). Only for inputs whose documentation says so.
   */
  alsoUnder?: readonly AllowedRoot[];
}

/** A directory besides the workspace that an input may name paths under. */
export interface AllowedRoot {
  readonly name: string;
  readonly path: string;
}

/**
 * RUNNER_TEMP as a second allowed root, when the runner set it to an absolute directory that is not the
 * filesystem root (a `/` would allow everything).
 */
export function runnerTempRoot(env: NodeJS.ProcessEnv = process.env): AllowedRoot[] {
  const temp = env['RUNNER_TEMP'];
  if (temp === undefined || !path.isAbsolute(temp) || path.resolve(temp) === path.parse(temp).root) return [];
  return [{ name: 'RUNNER_TEMP', path: temp }];
}

/** The real path of `file` (which need not exist): realpath of its longest existing prefix, plus the rest. */
export function realPathOf(file: string): string {
  const absolute = path.resolve(file);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling symlink could point anywhere, and creating the file would follow it: refuse it.
      if (code === 'ENOENT' && isSymlink(current)) throw new UserError(`${current} is a dangling symbolic link`);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function lexicallyInside(root: string, file: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(file));
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** True when `file` (resolved through symlinks) is `root` or below it. */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(realPathOf(root), realPathOf(file));
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

function refuse(value: string, options: ConfineOptions, why: string): never {
  const message = `${quote(value)} ${why}`;
  if (options.input !== undefined) throw new InputError(options.input, message);
  throw new UserError(`the path ${message}`);
}

/**
 * Resolves `value` against `options.base` (default `root`) and returns its absolute path, refusing one that is,
 * or through a symlink leads, outside `root`. The returned path is lexical (symlinks inside the root kept), so
 * messages show the user's own names.
 */
export function confinePath(root: string, value: string, options: ConfineOptions = {}): string {
  if (value.includes('\0')) refuse(value.replace(/\0/g, '\\0'), options, 'contains a NUL character');
  const resolved = path.resolve(options.base ?? root, value);
  const roots = [root, ...(options.alsoUnder ?? []).map((r) => r.path)];
  let inside: boolean;
  try {
    inside = roots.some((r) => isInside(r, resolved));
  } catch (error) {
    if (error instanceof UserError) refuse(value, options, 'is a dangling symbolic link');
    throw error;
  }
  if (!inside) {
    const where = ['the workspace', ...(options.alsoUnder ?? []).map((r) => r.name)].join(' and ');
    const through = roots.some((r) => lexicallyInside(r, resolved)) ? ' (through a symbolic link)' : '';
    refuse(value, options, `is outside ${where}${through}; paths must stay inside ${roots.length > 1 ? 'them' : 'it'}`);
  }
  return resolved;
}

/**
 * A glob pattern that can only match inside its base: not absolute, no `..` segment. Matches must still be
 * filtered with isInside, since a directory inside may be a symlink to outside.
 */
export function confineGlob(pattern: string, options: ConfineOptions = {}): string {
  if (pattern.includes('\0')) refuse(pattern.replace(/\0/g, '\\0'), options, 'contains a NUL character');
  const normal = pattern.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:\//.test(normal) || normal.startsWith('~'))
    refuse(pattern, options, 'is an absolute pattern; patterns are relative to the workspace');
  if (normal.split('/').includes('..'))
    refuse(pattern, options, 'leaves the workspace (..); patterns must stay inside it');
  return pattern;
}

/** Writes a file inside `root` (or `alsoUnder`): checked again now, and never through a final symlink. */
export async function writeFileInside(
  root: string,
  file: string,
  data: string | Uint8Array,
  alsoUnder: readonly AllowedRoot[] = [],
): Promise<void> {
  confinePath(root, file, { alsoUnder });
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  ).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP')
      throw new UserError(`${path.relative(root, file) || file} is a symbolic link; not writing through it`);
    throw error;
  });
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

export interface ReadInsideOptions {
  /** Most bytes read: the file is read once, up to one byte past this, and refused when it is longer. */
  readonly maxBytes: number;
  readonly alsoUnder?: readonly AllowedRoot[];
}

// O_NONBLOCK: opening a FIFO planted at the path would otherwise wait forever for a writer. It changes nothing for
// a regular file. O_NOFOLLOW: the path was resolved through its symlinks just before; a final symlink now is one
// swapped in since, and is refused.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function openFailure(name: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'ELOOP') return new UserError(`${name} became a symbolic link; not read`);
  return error;
}

function notRegular(name: string): UserError {
  return new UserError(`${name} is not a regular file; not read`);
}

function tooLarge(name: string, maxBytes: number): UserError {
  return new UserError(`${name} is larger than ${maxBytes} bytes; at most ${maxBytes} are read`);
}

/**
 * Reads a file once, with the size cap on that one read: opened once, never through a final symlink, a regular file
 * only, and read up to maxBytes + 1 bytes from that descriptor. A size taken with stat before the read would let a
 * file that grows in between (the test command runs alongside) be read whole. `name` is what messages call it.
 */
export async function readFileBounded(file: string, maxBytes: number, name = file): Promise<string> {
  const handle = await open(file, READ_FLAGS).catch((error: NodeJS.ErrnoException) => {
    throw openFailure(name, error);
  });
  try {
    if (!(await handle.stat()).isFile()) throw notRegular(name);
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(name, maxBytes);
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** readFileBounded for synchronous callers (a stack's manifests, a kubeconfig file), with the same checks. */
export function readFileBoundedSync(file: string, maxBytes: number, name = file): string {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    throw openFailure(name, error as NodeJS.ErrnoException);
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegular(name);
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(name, maxBytes);
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads a file inside `root` (or `alsoUnder`), checked again now, once and bounded (readFileBounded). */
export async function readFileInside(root: string, file: string, options: ReadInsideOptions): Promise<string> {
  const real = realPathOf(confinePath(root, file, { alsoUnder: options.alsoUnder ?? [] }));
  return readFileBounded(real, options.maxBytes, path.relative(root, file) || file);
}

/** readFileInside for synchronous callers. */
export function readFileInsideSync(root: string, file: string, options: ReadInsideOptions): string {
  const real = realPathOf(confinePath(root, file, { alsoUnder: options.alsoUnder ?? [] }));
  return readFileBoundedSync(real, options.maxBytes, path.relative(root, file) || file);
}
