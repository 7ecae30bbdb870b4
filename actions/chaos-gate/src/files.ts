import path from 'node:path';
import { UserError, matchFiles, readFileInside } from '@gauntlet/action-kit';
import { loadExperiments, type ExperimentSpec } from '@gauntlet/chaos';

/** Most files one input may match: a glob over a whole tree is a mistake, not a suite. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;

/** Every experiment of every file, each validated; names must be unique across files (they name cluster objects). */
export async function loadExperimentFiles(patterns: readonly string[], workspace: string): Promise<ExperimentSpec[]> {
  const out: ExperimentSpec[] = [];
  const seen = new Map<string, string>();
  for (const file of await matchFiles('experiments', patterns, workspace, { maxFiles: MAX_FILES })) {
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
