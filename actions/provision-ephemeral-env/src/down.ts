/**
 * Mode down (on PR close): delete the PR's environment if, and only if, it is ours by label and annotation and its
 * creation record proves we created it (a namespace with copied marks is refused, naming why); wait for it to finish
 * terminating up to delete-timeout; if it is stuck, report the remaining finalizers and conditions and fail (unless
 * fail-on-stuck is false). Finalizers are never removed.
 */
import { UserError } from '@gauntlet/action-kit';
import { environmentName } from '@gauntlet/kube';
import { Outputs, State } from './constants.js';
import { identityFor } from './context.js';
import type { ModeArgs } from './mode-args.js';
import { describeStuckNamespace, teardown } from './teardown.js';

export async function down({ inputs, ctx, rt, cluster, publish }: ModeArgs): Promise<void> {
  const identity = identityFor(ctx, inputs.prNumber, inputs.namePrefix);
  const namespace = environmentName(identity);
  rt.setOutput(Outputs.namespace, namespace);
  rt.saveState(State.phase, 'down');
  const client = await cluster.connect();
  try {
    const outcome = await teardown(client, identity, {
      waitUntil: rt.clock.now() + inputs.deleteTimeoutMs,
      recordsNamespace: inputs.recordsNamespace,
      signal: rt.signal,
      logger: rt.logger,
    });
    if (outcome.result === 'absent') {
      rt.logger.info(`namespace ${namespace} does not exist; nothing to tear down`);
      rt.setOutput(Outputs.status, 'absent');
      await publish({ kind: 'down', namespace, result: 'nothing to delete', failed: false });
      return;
    }
    if (outcome.result !== 'deleted') throw new Error(`unexpected teardown outcome ${outcome.result}`);
    if (outcome.gone) {
      rt.logger.info(`namespace ${namespace} deleted`);
      rt.setOutput(Outputs.status, 'deleted');
      await publish({ kind: 'down', namespace, result: 'deleted', failed: false });
      return;
    }
    const stuck = outcome.stuck;
    rt.setOutput(Outputs.status, 'stuck');
    const detail = describeStuckNamespace(stuck);
    await publish({
      kind: 'down',
      namespace,
      result: 'still terminating',
      ...(stuck ? { stuck } : {}),
      failed: true,
    });
    const message = `namespace ${namespace} is still terminating after delete-timeout: ${detail}. Finalizers are never removed by this action.`;
    if (inputs.failOnStuck) throw new UserError(message);
    rt.logger.warning(message);
  } finally {
    client.close();
  }
}
