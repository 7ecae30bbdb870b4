import type { ExperimentResult, ExperimentSpec, ExperimentVerdict, Selection } from '@gauntlet/chaos';

/** What one run did: the input of the report, the JUnit file and the journal. */
export interface RunSummary {
  readonly runId: string;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly dryRun: boolean;
  readonly namespaces: readonly string[];
  readonly experiments: readonly ExperimentSpec[];
  readonly results: readonly ExperimentResult[];
  readonly verdict: ExperimentVerdict;
  /** auto-targets: every ranked pair with its scores and reasons. */
  readonly selection?: Selection;
}

/** Worst first: the overall verdict is the worst of the experiments'; pass only when every one passed. */
const ORDER: readonly ExperimentVerdict[] = ['fail', 'halted', 'not-injected', 'not-started', 'inconclusive', 'pass'];

export function overallVerdict(results: readonly Pick<ExperimentResult, 'verdict'>[]): ExperimentVerdict {
  if (results.length === 0) return 'inconclusive';
  return ORDER.find((v) => results.some((r) => r.verdict === v)) ?? 'inconclusive';
}

export const VERDICT_ICON: Record<ExperimentVerdict, string> = {
  pass: '✅',
  fail: '❌',
  halted: '🛑',
  'not-injected': '⚪',
  'not-started': '⏸️',
  inconclusive: '❔',
};
