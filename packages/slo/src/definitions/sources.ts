/**
 * The SLO definitions a workflow names: the inline `slos` input and the files its `slo-files` globs match, read
 * from the workspace only (action-kit's matchFiles and readFileInside: no absolute pattern, no `..`, no symlink
 * out, checked again at the read, read once with a size cap). One reader for slo-check and chaos-gate.
 */
import path from 'node:path';
import { matchFiles, readFileInside } from '@gauntlet/action-kit';
import type { SloSource } from './load.js';

/** Most definition files one run reads: a glob that matches a whole tree is a mistake, not a suite of SLOs. */
const MAX_FILES = 200;
/** loadSlos refuses a source past 1,000,000 characters; UTF-8 takes at most 4 bytes for one. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The SLO sources: the inline input first, then each file the globs match, in a stable order. */
export async function readSloSources(
  inline: string | undefined,
  patterns: readonly string[],
  workspace: string,
  input = 'slo-files',
): Promise<SloSource[]> {
  const sources: SloSource[] = inline === undefined ? [] : [{ text: inline, origin: 'input slos' }];
  for (const file of await matchFiles(input, patterns, workspace, { maxFiles: MAX_FILES })) {
    sources.push({
      text: await readFileInside(workspace, file, { maxBytes: MAX_FILE_BYTES }),
      origin: path.relative(workspace, file),
    });
  }
  return sources;
}
