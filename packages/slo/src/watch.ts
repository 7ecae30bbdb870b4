import { errorMessage } from '@gauntlet/action-kit';
import { evaluateSlos, type EvaluateSlosParams } from './evaluate.js';
import { systemClock } from '@gauntlet/action-kit';
import type { SloCheckResult } from './result.js';

export interface WatchSlosParams extends Omit<EvaluateSlosParams, 'nowMs' | 'signal'> {
  /** Time between evaluation starts. */
  readonly intervalMs: number;
  /** How long to keep watching from the first evaluation. */
  readonly durationMs: number;
  readonly signal?: AbortSignal;
  /** Called after every evaluation; awaited before the next one. */
  readonly onVerdict?: (result: SloCheckResult, iteration: number) => void | Promise<void>;
  /** Stop as soon as an evaluation gates as fail (chaos-gate's halt condition). Default false. */
  readonly stopOnFail?: boolean;
}

export interface WatchResult {
  readonly stoppedBecause: 'duration' | 'fail' | 'aborted';
  readonly iterations: number;
  /** Last evaluation, if any ran. */
  readonly last?: SloCheckResult;
  /** Gate of each evaluation in order, for summaries. */
  readonly gates: ReadonlyArray<SloCheckResult['gate']>;
}

/**
 * Evaluates the same SLOs every intervalMs for durationMs: a halt condition for chaos experiments. Each iteration
 * uses the clock's current time as its evaluation time, so windows slide. Configuration errors (UserError) throw
 * from the first iteration; cancellation returns with stoppedBecause 'aborted'.
 */
export async function watchSlos(params: WatchSlosParams): Promise<WatchResult> {
  const { intervalMs, durationMs, signal, onVerdict, stopOnFail = false, ...evaluation } = params;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  if (!(durationMs >= 0)) throw new RangeError(`durationMs must not be negative, got ${durationMs}`);
  const clock = params.clock ?? systemClock;
  const startedAt = clock.now();
  const gates: Array<SloCheckResult['gate']> = [];
  let last: SloCheckResult | undefined;
  let iteration = 0;
  const done = (stoppedBecause: WatchResult['stoppedBecause']): WatchResult => ({
    stoppedBecause,
    iterations: iteration,
    gates,
    ...(last ? { last } : {}),
  });
  for (;;) {
    if (signal?.aborted) return done('aborted');
    const iterationStart = clock.now();
    last = await evaluateSlos({ ...evaluation, clock, nowMs: iterationStart, ...(signal ? { signal } : {}) });
    iteration += 1;
    gates.push(last.gate);
    if (onVerdict) {
      try {
        await onVerdict(last, iteration);
      } catch (error) {
        params.logger?.warning(`onVerdict callback failed: ${errorMessage(error)}`);
      }
    }
    if (signal?.aborted) return done('aborted');
    if (stopOnFail && last.gate === 'fail') return done('fail');
    const next = iterationStart + intervalMs;
    if (next - startedAt > durationMs) return done('duration');
    try {
      await clock.sleep(Math.max(0, next - clock.now()), signal);
    } catch {
      return done('aborted');
    }
  }
}
