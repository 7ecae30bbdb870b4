/**
 * TEST-ONLY stand-in for actions/download-artifact v4, bundled by the act harness and served to nektos/act. Written
 * from the action's documented behaviour, over @actions/artifact:
 * - `name`: that one artifact, into `path` (fails when it does not exist);
 * - `artifact-ids`: those artifacts; otherwise every artifact of the run, filtered by `pattern` (a pattern that matches
 *   nothing downloads nothing and succeeds, as the real action does);
 * - several artifacts go to `path/<artifact name>/` each, or all into `path` with `merge-multiple: true`.
 * Downloading from another repository or run (`github-token`) is refused by name: the harness has no such artifacts.
 */
import os from 'node:os';
import path from 'node:path';
import { DefaultArtifactClient, type Artifact } from '@actions/artifact';
import * as core from '@actions/core';
import { Minimatch } from 'minimatch';
import { refuseInputs, runStandIn } from '../shared.js';

await runStandIn('download-artifact', async () => {
  refuseInputs(['github-token']);
  const name = core.getInput('name');
  const ids = core.getInput('artifact-ids');
  const pattern = core.getInput('pattern');
  const mergeMultiple = core.getBooleanInput('merge-multiple');
  let target = core.getInput('path') || process.env['GITHUB_WORKSPACE'] || process.cwd();
  if (target.startsWith('~')) target = target.replace('~', os.homedir());
  const resolved = path.resolve(target);
  if (name && ids)
    throw new Error("Inputs 'name' and 'artifact-ids' cannot be used together. Please specify only one.");

  const client = new DefaultArtifactClient();
  let artifacts: Artifact[];
  if (name) {
    const { artifact } = await client.getArtifact(name).catch((error: unknown) => {
      throw new Error(`Artifact '${name}' not found (${error instanceof Error ? error.message : String(error)})`);
    });
    artifacts = [artifact];
  } else {
    const all = (await client.listArtifacts({ latest: true })).artifacts;
    if (ids) {
      const wanted = ids
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '')
        .map((id) => {
          if (!/^\d+$/.test(id)) throw new Error(`Invalid artifact ID: '${id}'. Must be a number.`);
          return Number(id);
        });
      if (wanted.length === 0) throw new Error("No valid artifact IDs provided in 'artifact-ids' input");
      artifacts = all.filter((a) => wanted.includes(a.id));
      if (artifacts.length === 0) throw new Error('None of the provided artifact IDs were found');
    } else if (pattern) {
      const matcher = new Minimatch(pattern);
      artifacts = all.filter((a) => matcher.match(a.name));
      core.info(`Filtering artifacts by pattern '${pattern}': ${artifacts.length} of ${all.length} match`);
    } else {
      artifacts = all;
    }
  }
  for (const artifact of artifacts) {
    const into = name || mergeMultiple ? resolved : path.join(resolved, artifact.name);
    core.info(`- ${artifact.name} (ID: ${artifact.id}, Size: ${artifact.size}) -> ${into}`);
    await client.downloadArtifact(artifact.id, {
      path: into,
      ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
    });
  }
  core.info(`Total of ${artifacts.length} artifact(s) downloaded`);
  core.setOutput('download-path', resolved);
});
