/**
 * The main step: the runtime parsed every input first (a bad one stops the step before any test, cache call or
 * cluster request); this runs the mode. The runtime's cancellation signal (SIGINT, then SIGTERM) aborts the running
 * tests so a shard can still record that it was cancelled.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { runContextOf } from './context.js';
import type { ModeDeps } from './deps.js';
import type { Inputs } from './inputs.js';
import { runMergeMode } from './merge-mode.js';
import { runPlanMode } from './plan-mode.js';
import { runQueueMode } from './queue-mode.js';
import { runRunMode } from './run-mode.js';
import { CACHE_DIR, type CacheLibrary } from './timings-cache.js';

/** What the action takes besides the runtime (tests pass a fake cache). */
export interface ShardAndRunOptions {
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
}

export async function runMode(inputs: Inputs, deps: ModeDeps): Promise<void> {
  switch (inputs.mode) {
    case 'plan':
      return runPlanMode(inputs, deps);
    case 'run':
      return runRunMode(inputs, deps);
    case 'merge':
      return runMergeMode(inputs, deps);
    case 'queue':
      return runQueueMode(inputs, deps);
    case 'kubernetes': {
      // The Kubernetes client loads only on this path.
      const { runKubernetesMode } = await import('./kubernetes/backend.js');
      return runKubernetesMode(inputs, deps);
    }
  }
}

export async function main(inputs: Inputs, rt: ActionRuntime, options: ShardAndRunOptions = {}): Promise<void> {
  const ctx = runContextOf(rt.run, rt.env);
  const deps: ModeDeps = {
    ...rt,
    ctx,
    ...(options.cacheLibrary ? { cacheLibrary: options.cacheLibrary } : {}),
  };
  try {
    await runMode(inputs, deps);
  } finally {
    // A cache restore that timed out may still be writing in the background: leave no files behind.
    await rm(path.join(ctx.workspace, CACHE_DIR), { recursive: true, force: true }).catch(() => undefined);
  }
}
