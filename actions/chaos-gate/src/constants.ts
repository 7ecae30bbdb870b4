/** Input, output and state names of chaos-gate, in one place (action.yml is the source of truth for defaults). */
export const ACTION = 'chaos-gate';

export const Outputs = {
  verdict: 'verdict',
  journal: 'journal',
  junit: 'junit',
  results: 'results',
} as const;

export const State = {
  /** Every ledger entry of the run (JSON), saved before each write: the post step reverts from it alone. */
  ledger: 'ledger',
  /** Set once the main step reverted and verified everything itself. */
  clean: 'clean',
} as const;
