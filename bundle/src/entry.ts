/**
 * The one bundle behind every action, in github/codeql-action's layout: each action folder holds tiny entry
 * files (actions/<name>/dist/index.js, post.js) that call start() here. Actions are dynamic imports, so ncc
 * emits each into its own chunk and a step loads only its own action, and the Kubernetes client only when the
 * action reaches for it. The local runner (`gauntlet run`) lives in the same bundle for use outside GitHub.
 */
import { actionEntries, type ActionEntry, type Step } from './actions.js';

export async function start(action: string, step: Step): Promise<void> {
  const load = actionEntries[action];
  if (!load) throw new Error(`unknown action '${action}'`);
  const entry: ActionEntry = await load();
  const fn = entry[step];
  if (!fn) throw new Error(`action '${action}' has no ${step} step`);
  await fn();
}

export async function cli(argv: string[]): Promise<number> {
  const { main } = await import('@gauntlet/local-runner');
  return main(argv);
}
