// Where the test bed keeps binaries and run state. Everything lives outside the repository so that
// `git status` stays clean and a warm machine reuses builds across checkouts.
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `${GAUNTLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}`, the same rule as scripts/toolchain.sh. */
export function gauntletCacheDir(): string {
  const explicit = process.env.GAUNTLET_CACHE;
  if (explicit) return resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'gauntlet');
}

/** Version-keyed binaries and manifest.env written by scripts/build-binaries.sh. */
export function testbedCacheDir(): string {
  return join(gauntletCacheDir(), 'testbed');
}

/** Pids, ports, kubeconfig and data dirs of the running test bed. Overridable so parallel checkouts don't collide. */
export function runStateDir(): string {
  const explicit = process.env.GAUNTLET_TESTBED_STATE_DIR;
  return explicit ? resolve(explicit) : join(testbedCacheDir(), 'run');
}

const here = dirname(fileURLToPath(import.meta.url));

/** packages/testbed (resolved from this file, so it works from any cwd). */
export const packageDir = resolve(here, '..');
export const buildScript = join(packageDir, 'scripts', 'build-binaries.sh');
