/**
 * The build lock: several people (and agents) build in one checkout, so scripts/build.ts holds a lock directory
 * while it rewrites bundle/dist, with the builder's pid inside. A lock whose holder is gone is stale.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_LOCK = path.join(root, 'bundle', '.build-lock');

/** True while a live build holds the lock (a lock just created, before its pid is written, counts as held). */
export function buildLockHeld(lock: string = BUILD_LOCK): boolean {
  if (!existsSync(lock)) return false;
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits (up to 10 minutes) while a build holds the lock. Synchronous: test set-up and benches call it. */
export function waitForBuildLock(lock: string = BUILD_LOCK): void {
  for (let waited = 0; buildLockHeld(lock) && waited < 600; waited++) execFileSync('sleep', ['1']);
}
