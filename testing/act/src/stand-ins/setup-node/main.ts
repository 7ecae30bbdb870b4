/**
 * TEST-ONLY stand-in for actions/setup-node v4, bundled by the act harness and served to nektos/act:
 * - finds the newest Node in the tool cache (`$RUNNER_TOOL_CACHE/node/<version>/x64` with its `x64.complete`
 *   marker, the layout of @actions/tool-cache) that matches `node-version`, and puts its bin/ first on PATH;
 * - `cache: npm` needs a lock file, as the real action does, and points npm's cache at the folder the harness keeps
 *   between runs (GAUNTLET_ACT_NPM_CACHE), standing in for the Actions cache entry the real action restores.
 * It never downloads; whatever it does not implement fails the step by name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { refuseInputs, runStandIn } from '../shared.js';
import { compareVersions, satisfies } from './versions.js';

await runStandIn('setup-node', async () => {
  refuseInputs(['registry-url', 'scope', 'mirror', 'mirror-token']);
  if (core.getBooleanInput('check-latest')) throw new Error('the test stand-in does not implement check-latest: true');
  if (core.getBooleanInput('always-auth')) throw new Error('the test stand-in does not implement always-auth: true');
  const architecture = core.getInput('architecture');
  if (architecture && architecture !== 'x64')
    throw new Error(`the test stand-in only has x64 Node, not ${architecture}`);
  const workspace = process.env['GITHUB_WORKSPACE'] ?? process.cwd();
  let spec = core.getInput('node-version');
  const versionFile = core.getInput('node-version-file');
  if (!spec && versionFile) spec = readFileSync(path.resolve(workspace, versionFile), 'utf8').trim();
  if (!/^v?\d+(\.(\d+|x|\*)){0,2}$/.test(spec))
    throw new Error(
      `node-version ${JSON.stringify(spec)}: the test stand-in takes a major, x-range or exact version only`,
    );

  const toolCache = process.env['RUNNER_TOOL_CACHE'];
  if (!toolCache) throw new Error('RUNNER_TOOL_CACHE is not set');
  const nodeDir = path.join(toolCache, 'node');
  const versions = (existsSync(nodeDir) ? readdirSync(nodeDir) : [])
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(path.join(nodeDir, v, 'x64.complete')))
    .filter((v) => satisfies(v, spec))
    .sort(compareVersions);
  const version = versions.at(-1);
  if (!version)
    throw new Error(`no Node matching ${spec} in the tool cache ${nodeDir} (the test stand-in never downloads)`);
  core.addPath(path.join(nodeDir, version, 'x64', 'bin'));
  core.info(`Found in cache @ ${path.join(nodeDir, version, 'x64')}`);
  core.setOutput('node-version', `v${version}`);

  const cache = core.getInput('cache');
  if (cache) {
    if (cache !== 'npm') throw new Error(`the test stand-in implements cache: npm only, not ${cache}`);
    const lockPatterns = core.getInput('cache-dependency-path') || 'package-lock.json\nnpm-shrinkwrap.json\nyarn.lock';
    const locks = lockPatterns
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (!locks.some((lock) => existsSync(path.resolve(workspace, lock))))
      throw new Error(
        `Dependencies lock file is not found in ${workspace}. Supported file patterns: ${locks.join(',')}`,
      );
    const npmCache = process.env['GAUNTLET_ACT_NPM_CACHE'];
    if (!npmCache) throw new Error('GAUNTLET_ACT_NPM_CACHE is not set: the harness gives the npm cache folder');
    core.exportVariable('npm_config_cache', npmCache);
    const hit = existsSync(npmCache) && readdirSync(npmCache).length > 0;
    core.setOutput('cache-hit', hit);
    core.info(hit ? `npm cache restored from ${npmCache}` : `npm cache is empty (${npmCache})`);
  }
});
