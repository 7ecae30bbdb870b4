/**
 * What a mode needs from its surroundings: the action runtime every action gets (logger, outputs, state, secrets,
 * cancellation, GitHub client, report), plus the run context and the cache library,
 * so every mode runs the same in the action, in tests (action-runtime/testing's TestHost, a fake cache) and in the
 * demo.
 */
import type { ActionRuntime } from '@gauntlet/action-runtime';
import type { RunContext } from './context.js';
import type { CacheLibrary } from './timings-cache.js';

export interface ModeDeps extends ActionRuntime {
  readonly ctx: RunContext;
  /** @actions/cache, or a fake. */
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
}
