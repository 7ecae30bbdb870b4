/**
 * The orchestration: parse every input first (a bad one stops the step before any test, cache call or cluster
 * request), then run the mode. The runner's cancellation (SIGINT, then SIGTERM) aborts the running tests so a
 * shard can still record that it was cancelled.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { InputReader, type Logger } from '@gauntlet/action-kit';
import type { SummaryWriter } from '@gauntlet/github';
import { readRunContext } from './context.js';
import type { ModeDeps } from './deps.js';
import { parseInputs, type Inputs } from './inputs.js';
import { runMergeMode } from './merge-mode.js';
import { runPlanMode } from './plan-mode.js';
import { runQueueMode } from './queue-mode.js';
import { runRunMode } from './run-mode.js';
import { CACHE_DIR, type CacheLibrary } from './timings-cache.js';

export interface Runtime {
  readonly logger: Logger;
  readonly setOutput: (name: string, value: string | number | boolean) => void;
  readonly summary: SummaryWriter;
  readonly registerSecret: (value: string | undefined) => void;
  readonly saveState: (name: string, value: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly reader?: InputReader;
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
  readonly signal?: AbortSignal;
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

/** Aborts on the runner's cancellation signals while `fn` runs. */
async function withCancellation<T>(fn: (signal: AbortSignal) => Promise<T>, logger: Logger): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted)
      logger.info(`Received ${signal}: stopping the tests and recording the cancellation.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function run(runtime: Runtime): Promise<void> {
  const env = runtime.env ?? process.env;
  const ctx = readRunContext(env);
  const inputs = parseInputs(runtime.reader ?? new InputReader(), ctx.workspace);
  runtime.registerSecret(inputs.githubToken);
  const go = async (signal: AbortSignal): Promise<void> => {
    const deps: ModeDeps = {
      logger: runtime.logger,
      ctx,
      setOutput: runtime.setOutput,
      summary: runtime.summary,
      registerSecret: runtime.registerSecret,
      saveState: runtime.saveState,
      signal,
      env,
      ...(runtime.cacheLibrary ? { cacheLibrary: runtime.cacheLibrary } : {}),
    };
    try {
      await runMode(inputs, deps);
    } finally {
      // A cache restore that timed out may still be writing in the background: leave no files behind.
      await rm(path.join(ctx.workspace, CACHE_DIR), { recursive: true, force: true }).catch(() => undefined);
    }
  };
  if (runtime.signal) await go(runtime.signal);
  else await withCancellation(go, runtime.logger);
}
