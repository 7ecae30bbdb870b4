/**
 * Builds the TEST-ONLY stand-ins for third-party actions (src/stand-ins/<name>/) into folders act can load with
 * --local-repository: action.yml plus one esbuild bundle (dist/index.mjs) holding @actions/artifact and friends.
 * actions/checkout needs none: act copies the work tree itself for a checkout of the same repository.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The third-party actions the harness replaces, by owner/repo, with the folder of each stand-in's sources. */
export const STAND_INS = {
  'actions/upload-artifact': 'upload-artifact',
  'actions/download-artifact': 'download-artifact',
  'actions/setup-node': 'setup-node',
} as const;

export type StandInRepository = keyof typeof STAND_INS;

/** Bundles every stand-in into `outDir/<name>`; returns the folder of each, by owner/repo. */
export async function buildStandIns(outDir: string): Promise<Record<StandInRepository, string>> {
  const result = {} as Record<StandInRepository, string>;
  await Promise.all(
    Object.entries(STAND_INS).map(async ([repository, name]) => {
      const source = path.join(here, 'stand-ins', name);
      const target = path.join(outDir, name);
      await mkdir(path.join(target, 'dist'), { recursive: true });
      await copyFile(path.join(source, 'action.yml'), path.join(target, 'action.yml'));
      await build({
        entryPoints: [path.join(source, 'main.ts')],
        outfile: path.join(target, 'dist', 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'esm',
        logLevel: 'error',
        // node-fetch (under the Azure SDK) checks a signal by its class name, which bundling would otherwise rename.
        keepNames: true,
        // The Azure SDK inside @actions/artifact is CommonJS and calls require() for Node built-ins.
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      result[repository as StandInRepository] = target;
    }),
  );
  return result;
}
