/**
 * A private copy of the built bundle and one action's entry, for tests and benches that run the real bundle: other
 * people build in this checkout too, and a rebuild empties bundle/dist while it runs. Builds first when the bundle
 * is missing or older than any source under `sourceDirs`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLockHeld, root, waitForBuildLock } from './build-lock.js';

/** Newest mtime of the non-test TypeScript sources under `dir` (dist and node_modules skipped). */
function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((max, d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory())
      return d.name === 'node_modules' || d.name === 'dist' ? max : Math.max(max, newestSource(full));
    return /\.ts$/.test(d.name) && !/\.test\.ts$/.test(d.name) ? Math.max(max, statSync(full).mtimeMs) : max;
  }, 0);
}

/** Returns the copied action folder (its dist/index.js runs the copied bundle). */
export function snapshotBundle(action: string, sourceDirs: readonly string[]): string {
  const actionDir = path.join(root, 'actions', action);
  const entry = path.join(actionDir, 'dist', 'index.js');
  const bundle = path.join(root, 'bundle', 'dist', 'index.js');
  for (let attempt = 0; attempt < 5; attempt++) {
    waitForBuildLock();
    const built = existsSync(entry) && existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
    const sources = Math.max(...sourceDirs.map((dir) => newestSource(path.resolve(root, dir))));
    if (built < sources) execFileSync('pnpm', ['-s', 'build'], { cwd: root, stdio: 'inherit' });
    const target = mkdtempSync(path.join(os.tmpdir(), `gauntlet-${action}-bundle-`));
    try {
      cpSync(path.join(root, 'bundle', 'dist'), path.join(target, 'bundle', 'dist'), { recursive: true });
      cpSync(path.join(actionDir, 'dist'), path.join(target, 'actions', action, 'dist'), { recursive: true });
      cpSync(path.join(actionDir, 'action.yml'), path.join(target, 'actions', action, 'action.yml'));
    } catch {
      continue; // a build started while copying
    }
    if (buildLockHeld()) continue;
    return path.join(target, 'actions', action);
  }
  throw new Error('could not take a stable copy of the bundle (builds keep running)');
}
