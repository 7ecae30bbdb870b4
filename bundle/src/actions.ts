/** Every published action, by folder name. A test checks this list against actions/*\/action.yml. */
export type Step = 'main' | 'post';
export interface ActionEntry {
  main: () => Promise<void>;
  post?: () => Promise<void>;
}

export const actionEntries: Record<string, () => Promise<ActionEntry>> = {
  'slo-check': () => import('../../actions/slo-check/src/index.js'),
  'provision-ephemeral-env': () => import('../../actions/provision-ephemeral-env/src/index.js'),
  'shard-and-run': () => import('../../actions/shard-and-run/src/index.js'),
};
