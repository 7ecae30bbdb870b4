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
  for (const pattern of patterns) {
    confineGlob(pattern, { input });
    const matches: string[] = [];
    for await (const match of glob(pattern, { cwd: workspace })) matches.push(match);
    let matched = 0;
    for (const match of matches.sort()) {
      const file = path.resolve(workspace, match);
      if (!isInside(workspace, file))
        throw new InputError(input, `${quote(match)} leads outside the workspace (a symbolic link); not read`);
      if (!isRegularFile(file)) continue;
      matched++;
      if (!files.includes(file)) files.push(file);
      if (files.length > options.maxFiles) throw new InputError(input, `matches more than ${options.maxFiles} files`);
    }
    if (matched === 0) throw new InputError(input, `${quote(pattern)} matches no file`);
  }
  return files;
}

function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
