/**
 * The one home of "the workspace files a list of globs names", for every file/glob input an action reads
 * (slo-check's and chaos-gate's slo-files, chaos-gate's experiments). A pattern may not be absolute or contain `..`
 * (confineGlob), and a match that leads outside the workspace through a symlink is refused by name, not read. Read
 * each match with readFileInside, which checks it again when it is opened.
 */
import { statSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors.js';
import { quote } from './inputs.js';
import { confineGlob, isInside } from './paths.js';

export interface MatchFilesOptions {
  /** Most files all patterns together may match: a glob over a whole tree is a mistake, not a suite. */
  readonly maxFiles: number;
}

/**
 * The regular files the patterns match under `workspace`, absolute, in a stable order (each pattern's matches
 * sorted, duplicates dropped). A pattern that matches no file is an error naming it; directories it matches are
 * not files and are passed over.
 */
export async function matchFiles(
  input: string,
  patterns: readonly string[],
  workspace: string,
  options: MatchFilesOptions,
): Promise<string[]> {
  const files: string[] = [];
  // Matches are checked as the walk yields them, not after it: a pull request can replace a directory the pattern
  // names with a symlink to `/`, and collecting the whole walk first would traverse the runner's filesystem.
  const maxPaths = options.maxFiles * 10;
  for (const pattern of patterns) {
    confineGlob(pattern, { input });
    const matched: string[] = [];
    let seen = 0;
    for await (const match of glob(pattern, { cwd: workspace })) {
      if (++seen > maxPaths) throw new InputError(input, `${quote(pattern)} matches more than ${maxPaths} paths`);
      const file = path.resolve(workspace, match);
      if (!isInside(workspace, file))
        throw new InputError(input, `${quote(match)} leads outside the workspace (a symbolic link); not read`);
      if (!isRegularFile(file)) continue;
      matched.push(file);
      if (matched.length > options.maxFiles) throw tooMany(input, options.maxFiles);
    }
    if (matched.length === 0) throw new InputError(input, `${quote(pattern)} matches no file`);
    for (const file of matched.sort()) {
      if (!files.includes(file)) files.push(file);
      if (files.length > options.maxFiles) throw tooMany(input, options.maxFiles);
    }
  }
  return files;
}

function tooMany(input: string, maxFiles: number): InputError {
  return new InputError(input, `matches more than ${maxFiles} files`);
}

function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
