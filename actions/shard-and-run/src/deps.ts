/**
 * What a mode needs from its surroundings, passed in so every mode runs the same in the action, in unit tests
 * (RecordingLogger, in-memory outputs, a fake cache) and in the demo.
 */
import type { Logger } from '@gauntlet/action-kit';
import type { SummaryWriter } from '@gauntlet/github';
import type { RunContext } from './context.js';
import type { CacheLibrary } from './timings-cache.js';

export interface ModeDeps {
  readonly logger: Logger;
  readonly ctx: RunContext;
  readonly setOutput: (name: string, value: string | number | boolean) => void;
  readonly summary: SummaryWriter;
  /** Registers a secret with the runner's masker (no-op in tests). */
  readonly registerSecret: (value: string | undefined) => void;
  /** Aborted when the runner cancels the step (SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** Saves post-step state (the Kubernetes backend records what it created). */
  readonly saveState: (name: string, value: string) => void;
  /** @actions/cache, or a fake. */
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
  /** Environment of the step (for RUNNER_NAME and the like); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}
