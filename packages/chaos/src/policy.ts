/**
 * The decision rule during an experiment (the design's MDP step), as an explicit table over what the guard observed
 * at each interval. It is printed in the report, and each run's trajectory through it is recorded.
 *
 * | observed  | first time             | repeated (≥ limit in a row) |
 * |-----------|------------------------|-----------------------------|
 * | steady    | continue               | continue                    |
 * | degraded  | continue (watch)       | rollback (fail)             |
 * | breached  | rollback (fail)        | rollback (fail)             |
 * | unknown   | continue (a lost scrape)| escalate (inconclusive)    |
 */
export type ObservedState = 'steady' | 'degraded' | 'breached' | 'unknown';
export type Decision = 'continue' | 'rollback' | 'escalate';

export interface PolicyLimits {
  /** Consecutive degraded intervals before a rollback. */
  readonly degradedLimit: number;
  /** Consecutive unknown intervals (no data) before escalating. */
  readonly unknownLimit: number;
}

export const DEFAULT_POLICY: PolicyLimits = { degradedLimit: 3, unknownLimit: 2 };

export interface TrajectoryStep {
  readonly atMs: number;
  readonly state: ObservedState;
  /** How many intervals in a row had this state, this one included. */
  readonly streak: number;
  readonly decision: Decision;
  readonly reason: string;
}

export function decide(state: ObservedState, streak: number, limits: PolicyLimits = DEFAULT_POLICY): Decision {
  switch (state) {
    case 'steady':
      return 'continue';
    case 'degraded':
      return streak >= limits.degradedLimit ? 'rollback' : 'continue';
    case 'breached':
      return 'rollback';
    case 'unknown':
      return streak >= limits.unknownLimit ? 'escalate' : 'continue';
  }
}

/** Rows of the table for the report, with the limits in force. */
export function policyTable(
  limits: PolicyLimits = DEFAULT_POLICY,
): { state: ObservedState; first: Decision; repeated: string }[] {
  return (['steady', 'degraded', 'breached', 'unknown'] as const).map((state) => {
    const limit = state === 'degraded' ? limits.degradedLimit : state === 'unknown' ? limits.unknownLimit : 1;
    return {
      state,
      first: decide(state, 1, limits),
      repeated: `${decide(state, limit, limits)} (after ${limit} in a row)`,
    };
  });
}

/** Records observations and decisions; the streak counts consecutive intervals of the same state. */
export class Trajectory {
  readonly steps: TrajectoryStep[] = [];
  constructor(private readonly limits: PolicyLimits = DEFAULT_POLICY) {}

  observe(atMs: number, state: ObservedState, reason: string): Decision {
    const last = this.steps.at(-1);
    const streak = last && last.state === state ? last.streak + 1 : 1;
    const decision = decide(state, streak, this.limits);
    this.steps.push({ atMs, state, streak, decision, reason });
    return decision;
  }
}
