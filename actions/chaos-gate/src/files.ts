import { glob } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UserError, isInside, quote, readFileInside } from '@gauntlet/action-kit';
import { loadExperiments, type ExperimentSpec } from '@gauntlet/chaos';
import type { SloSource } from '@gauntlet/slo';

/** Most files one input may match: a glob over a whole tree is a mistake, not a suite. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The workspace files a list of globs matches, in a stable order. Patterns were checked not to leave the
 * workspace; a match reached through a symlink that leads outside is refused, not read.
 */
export async function matchFiles(input: string, patterns: readonly string[], workspace: string): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    const matches: string[] = [];
    for await (const match of glob(pattern, { cwd: workspace })) matches.push(match);
    if (matches.length === 0) throw new InputError(input, `${quote(pattern)} matches no file`);
    for (const match of matches.sort()) {
      const file = path.resolve(workspace, match);
      if (!isInside(workspace, file))
        throw new InputError(input, `${quote(match)} leads outside the workspace (a symbolic link); not read`);
      if (!files.includes(file)) files.push(file);
      if (files.length > MAX_FILES) throw new InputError(input, `matches more than ${MAX_FILES} files`);
    }
  }
  return files;
}

/** Every experiment of every file, each validated; names must be unique across files (they name cluster objects). */
export async function loadExperimentFiles(patterns: readonly string[], workspace: string): Promise<ExperimentSpec[]> {
  const out: ExperimentSpec[] = [];
  const seen = new Map<string, string>();
  for (const file of await matchFiles('experiments', patterns, workspace)) {
    const origin = path.relative(workspace, file);
    const text = await readFileInside(workspace, file, { maxBytes: MAX_FILE_BYTES });
    for (const experiment of loadExperiments(text, origin)) {
      const other = seen.get(experiment.name);
      if (other !== undefined)
        throw new UserError(
          `${origin}: experiment '${experiment.name}' is also defined in ${other}; names must be unique`,
        );
      seen.set(experiment.name, origin);
      out.push(experiment);
    }
  }
  return out;
}

/** The SLO sources: the inline input first, then each file the globs match. */
export async function loadSloSources(
  inline: string | undefined,
  patterns: readonly string[],
  workspace: string,
): Promise<SloSource[]> {
  const sources: SloSource[] = inline === undefined ? [] : [{ text: inline, origin: 'input slos' }];
  for (const file of await matchFiles('slo-files', patterns, workspace)) {
    sources.push({
      text: await readFileInside(workspace, file, { maxBytes: MAX_FILE_BYTES }),
      origin: path.relative(workspace, file),
    });
  }
  return sources;
}
