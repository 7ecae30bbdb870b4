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
import { runMergeMode } from './modes/merge/merge.js';
import { runPlanMode } from './modes/plan/plan.js';
import { runQueueMode } from './modes/queue/queue.js';
import { runRunMode } from './modes/run/run.js';
import { CACHE_DIR, type CacheLibrary } from './timings-cache.js';

/** What the action takes besides the runtime (tests pass a fake cache). */
export interface ShardAndRunOptions {
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
}

/** Runs the mode the inputs name; each mode is its own folder under modes/. */
export async function dispatchMode(inputs: Inputs, deps: ModeDeps): Promise<void> {
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
      const { runKubernetesMode } = await import('./modes/kubernetes/backend.js');
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
    await dispatchMode(inputs, deps);
  } finally {
    // A cache restore that timed out may still be writing in the background: leave no files behind.
    await rm(path.join(ctx.workspace, CACHE_DIR), { recursive: true, force: true }).catch(() => undefined);
  }
}
