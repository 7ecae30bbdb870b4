/** Every published action, by folder name. A test checks this list against actions/*\/action.yml. */
export type Step = 'main' | 'post';
export interface ActionEntry {
  main: () => Promise<void>;
  post?: () => Promise<void>;
}

export const actionEntries: Record<string, () => Promise<ActionEntry>> = {};
