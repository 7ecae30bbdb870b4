/**
 * The post step: runs after the job, also when it failed or was cancelled. If the main step did not finish with a
 * ready environment (and keep-on-failure is false), it deletes what this run created — only a namespace whose
 * created-by-run annotation names this very run attempt, checked by label and annotation like every delete. It
 * never fails the job: trouble becomes a warning, and the reaper is the last line.
 */
import { getActionsLogger, getState, registerSecret } from '@gauntlet/action-kit/runner';
import {
  KubeClient,
  environmentName,
  formatKubeError,
  loadKubeConfig,
  validateIdentity,
  type EnvironmentIdentity,
} from '@gauntlet/kube';
import { ACTION, State } from './constants.js';
import { parseInputs } from './inputs.js';
import { teardown } from './teardown.js';

const DONE = new Set(['ready', 'torn-down', 'down']);

export async function runPost(): Promise<void> {
  const logger = getActionsLogger();
  const phase = getState(State.phase);
  if (phase === '' || DONE.has(phase)) return;
  const inputs = parseInputs();
  registerSecret(inputs.githubToken);
  const kube = loadKubeConfig({
    ...(inputs.kubeconfig ? { inline: inputs.kubeconfig } : {}),
    ...(inputs.context ? { context: inputs.context } : {}),
    registerSecret,
  });
  if (getState(State.keepOnFailure) === 'true') {
    logger.info(`keep-on-failure: leaving ${getState(State.namespace)} in place (the reaper removes it after its TTL)`);
    return;
  }
  const identity = validateIdentity(JSON.parse(getState(State.identity)) as EnvironmentIdentity);
  const namespace = environmentName(identity);
  const runKey = getState(State.runKey);
  const client = await KubeClient.create(kube.kubeConfig, { userAgent: `gauntlet/${ACTION}-post` });
  try {
    const outcome = await teardown(client, identity, {
      onlyIfCreatedBy: runKey,
      waitUntil: Date.now() + Math.min(inputs.deleteTimeoutMs, 120_000),
      logger,
    });
    switch (outcome.result) {
      case 'absent':
        logger.info(`post: ${namespace} does not exist; nothing to clean up`);
        break;
      case 'not-created-by-this-run':
        logger.info(`post: ${namespace} was not created by this run; left in place`);
        break;
      case 'deleted':
        logger.info(
          outcome.gone
            ? `post: ${namespace} deleted`
            : `post: deletion of ${namespace} requested; it is still terminating`,
        );
        break;
    }
  } catch (error) {
    throw new Error(`cleanup of ${namespace} failed: ${formatKubeError(error)}`, { cause: error });
  } finally {
    client.close();
  }
}
