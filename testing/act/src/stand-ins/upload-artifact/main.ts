/**
 * TEST-ONLY stand-in for actions/upload-artifact v4, bundled by the act harness and served to nektos/act. Written
 * from the action's documented behaviour, over @actions/artifact:
 * - `path` is one or more globs (`!` excludes); directories are walked; hidden files are left out unless asked.
 * - The artifact's root is the least common ancestor of the search paths; a single file is stored without its folders.
 * - Nothing found: warn (default), error or ignore.
 * - A second artifact of the same name fails with GitHub's 409 conflict unless `overwrite: true`. act's artifact
 *   server would silently replace it; GitHub does not. GitHub keeps a name unique per run ATTEMPT: a re-run attempt
 *   may upload a name an earlier attempt uploaded (the newest then wins a download by name). act has no attempts, so
 *   the harness keeps a ledger of (attempt, name) per run in GAUNTLET_ACT_ARTIFACT_LEDGER; without one, any
 *   existing artifact of the name conflicts.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { commonAncestor, enumInput, intInput, runStandIn } from '../shared.js';

const ledgerFile = () => process.env['GAUNTLET_ACT_ARTIFACT_LEDGER'];

/** Whether `name` was uploaded in this attempt (always true without a ledger: the strict reading). */
function uploadedInAttempt(name: string, attempt: string): boolean {
  const file = ledgerFile();
  if (!file || !existsSync(file)) return true;
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((line) => line === `${attempt}\t${JSON.stringify(name)}`);
}

function recordUpload(name: string, attempt: string): void {
  const file = ledgerFile();
  if (file) appendFileSync(file, `${attempt}\t${JSON.stringify(name)}\n`);
}

async function findFiles(
  searchPath: string,
  includeHidden: boolean,
): Promise<{ files: string[]; rootDirectory: string }> {
  const globber = await glob.create(searchPath, {
    followSymbolicLinks: true,
    implicitDescendants: true,
    omitBrokenSymbolicLinks: true,
    excludeHiddenFiles: !includeHidden,
  });
  const files: string[] = [];
  for (const found of await globber.glob()) if (!(await stat(found)).isDirectory()) files.push(found);
  const searchPaths = globber.getSearchPaths();
  if (searchPaths.length > 1) return { files, rootDirectory: commonAncestor(searchPaths) };
  const only = searchPaths[0] ?? process.cwd();
  if (files.length === 1 && files[0] === only) return { files, rootDirectory: path.dirname(only) };
  return { files, rootDirectory: only };
}

await runStandIn('upload-artifact', async () => {
  const name = core.getInput('name') || 'artifact';
  const searchPath = core.getInput('path', { required: true });
  const ifNoFilesFound = enumInput('if-no-files-found', ['warn', 'error', 'ignore'], 'warn');
  const retentionDays = intInput('retention-days', 0, 90);
  const compressionLevel = intInput('compression-level', 0, 9);
  const overwrite = core.getBooleanInput('overwrite');
  const includeHidden = core.getBooleanInput('include-hidden-files');

  const { files, rootDirectory } = await findFiles(searchPath, includeHidden);
  if (files.length === 0) {
    const message = `No files were found with the provided path: ${searchPath}. No artifacts will be uploaded.`;
    if (ifNoFilesFound === 'error') throw new Error(message);
    if (ifNoFilesFound === 'warn') core.warning(message);
    else core.info(message);
    return;
  }
  core.info(`With the provided path, there will be ${files.length} file${files.length === 1 ? '' : 's'} uploaded`);
  const client = new DefaultArtifactClient();
  const existing = (await client.listArtifacts({ latest: true })).artifacts.find((a) => a.name === name);
  const attempt = process.env['GITHUB_RUN_ATTEMPT'] ?? '1';
  if (existing && !overwrite && uploadedInAttempt(name, attempt)) {
    throw new Error(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run',
    );
  }
  if (existing) await client.deleteArtifact(name);
  const response = await client.uploadArtifact(name, files, rootDirectory, {
    ...(retentionDays ? { retentionDays } : {}),
    ...(compressionLevel === undefined ? {} : { compressionLevel }),
  });
  recordUpload(name, attempt);
  const id = response.id ?? 0;
  core.info(
    `Artifact ${name} has been successfully uploaded! Final size is ${response.size ?? 0} bytes. Artifact ID is ${id}`,
  );
  core.setOutput('artifact-id', id);
  core.setOutput(
    'artifact-url',
    `${process.env['GITHUB_SERVER_URL'] ?? ''}/${process.env['GITHUB_REPOSITORY'] ?? ''}/actions/runs/${process.env['GITHUB_RUN_ID'] ?? ''}/artifacts/${id}`,
  );
  core.setOutput('artifact-digest', response.digest ?? '');
});
