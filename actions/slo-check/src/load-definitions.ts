import { glob, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '@gauntlet/action-kit';
import type { SloSource } from '@gauntlet/slo';

/** Most definition files one run reads: a glob that matches a whole tree is a mistake, not a suite of SLOs. */
const MAX_FILES = 200;

/** The SLO sources: the inline input first, then each file the globs match, in a stable order. */
export async function loadSources(
  inline: string | undefined,
  patterns: readonly string[],
  workspace: string,
): Promise<SloSource[]> {
  const sources: SloSource[] = inline === undefined ? [] : [{ text: inline, origin: 'input slos' }];
  for (const pattern of patterns) {
    const matches: string[] = [];
    for await (const match of glob(pattern, { cwd: workspace })) matches.push(match);
    if (matches.length === 0) throw new InputError('slo-files', `${JSON.stringify(pattern)} matches no file`);
    for (const file of matches.sort()) {
      if (sources.length >= MAX_FILES) throw new InputError('slo-files', `matches more than ${MAX_FILES} files`);
      sources.push({ text: await readFile(path.resolve(workspace, file), 'utf8'), origin: file });
    }
  }
  return sources;
}
