/** Input and output names of slo-check, in one place (action.yml is the source of truth for defaults). */
export const ACTION = 'slo-check';

export const Outputs = {
  verdict: 'verdict',
  gate: 'gate',
  score: 'score',
  result: 'result',
  overridden: 'overridden',
} as const;
