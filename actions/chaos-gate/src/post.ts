/**
 * The post step (post-if: always()): reverts, from the saved ledger alone, every fault the main step did not
 * verify as reverted — after a failure, a timeout, an exception, SIGINT or SIGTERM. It reads only the kubeconfig
 * input, so inputs that only the main step needed cannot stop it. What it cannot revert is warned about, and the
 * labels and expiry annotations on every object leave it to the reaper (mode: reap).
 */
import { errorMessage, type InputReader } from '@gauntlet/action-kit';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { revertLedger, type LedgerEntry } from '@gauntlet/chaos';
import { State } from './constants.js';
import { parseKubeconfigInput } from './inputs.js';
import { connect } from './main.js';

export function savedLedger(raw: string): LedgerEntry[] {
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('the saved ledger is not a list');
  return parsed as LedgerEntry[];
}

export async function post(rt: ActionRuntime, reader: InputReader): Promise<void> {
  if (rt.getState(State.clean) === 'true') return;
  let entries: LedgerEntry[];
  try {
    entries = savedLedger(rt.getState(State.ledger));
  } catch (error) {
    rt.logger.warning(
      `the saved fault ledger could not be read (${errorMessage(error)}); run chaos-gate with mode: reap`,
    );
    return;
  }
  const pending = entries.filter((e) => e.state !== 'reverted');
  if (pending.length === 0) return;
  rt.logger.info(`Reverting ${pending.length} fault${pending.length === 1 ? '' : 's'} left by the main step`);
  const client = await connect(parseKubeconfigInput(reader, rt.run.workspace), rt);
  try {
    const { reverted, problems } = await revertLedger(pending, { client, log: (line) => rt.logger.info(line) });
    rt.logger.info(`Reverted and verified ${reverted} of ${pending.length}`);
    if (problems.length) {
      rt.logger.warning(
        `${problems.length} fault${problems.length === 1 ? '' : 's'} not verified as reverted (the objects carry expiry annotations for mode: reap): ${problems.join('; ')}`,
      );
    }
  } finally {
    client.close();
  }
}
