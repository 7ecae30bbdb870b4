/**
 * The post step: runs after the job, also when it failed or was cancelled. If the main step did not finish with a
 * ready environment (and keep-on-failure is false), it deletes what this run created — only a namespace whose
 * created-by-run annotation names this very run attempt, checked by label and annotation like every delete. It
 * never fails the job: trouble becomes a warning, and the reaper is the last line.
 *
 * The runtime masks the credentials first on every path, but the kubeconfig is loaded (and @kubernetes/client-node with
 * it) only on the paths that tear down: a kept environment or a succeeding job needs no Kubernetes client.
 */
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { environmentName, formatKubeError, validateIdentity, type EnvironmentIdentity } from '@gauntlet/kube';
import { State } from './constants.js';
import { runContextOf } from './context.js';
import { connectCluster } from './credentials.js';
import type { Inputs } from './inputs.js';
import { jobOutcome } from './job-status.js';
import { describeStuckNamespace, teardown } from './teardown.js';

const DONE = new Set(['torn-down', 'down']);

export async function post(rt: ActionRuntime, parseInputs: () => Inputs): Promise<void> {
  const { logger } = rt;
  const phase = rt.getState(State.phase);
  if (phase === '' || DONE.has(phase)) return;
  const inputs = parseInputs();
  if (rt.getState(State.keepOnFailure) === 'true') {
    if (phase !== 'ready') {
      logger.info(
        `keep-on-failure: leaving ${rt.getState(State.namespace)} in place (the reaper removes it after its TTL)`,
      );
    }
    return;
  }
  if (phase === 'ready' && rt.getState(State.cancelled) !== 'true') {
    // The environment came up; tear it down only if a later step of the job failed or the job was cancelled.
    const ctx = runContextOf(rt.run, rt.env);
    const where = {
      owner: ctx.owner,
      repo: ctx.repo,
      runId: ctx.runId,
      runAttempt: ctx.runAttempt,
      runnerName: rt.env.RUNNER_NAME,
    };
    const outcome = await jobOutcome(rt.github(), where, logger);
    if (outcome !== 'failed' && outcome !== 'cancelled') {
      logger.info(
        `post: the environment stays up (job ${outcome === 'unknown' ? 'status unknown' : 'succeeding'}); mode down or the reaper removes it`,
      );
      return;
    }
    logger.info(`post: the job ${outcome} after the environment came up; tearing down what this run created`);
  } else if (phase === 'ready') {
    logger.info('post: the job was cancelled after the environment came up; tearing down what this run created');
  }
  const cluster = await connectCluster(inputs, rt);
  const identity = validateIdentity(JSON.parse(rt.getState(State.identity)) as EnvironmentIdentity);
  const namespace = environmentName(identity);
  const runKey = rt.getState(State.runKey);
  const client = await cluster.connect();
  try {
    const outcome = await teardown(client, identity, {
      onlyIfCreatedBy: runKey,
      ...(rt.getState(State.createInFlight) === 'true' ? { mayStillAppearUntil: rt.clock.now() + 15_000 } : {}),
      waitUntil: rt.clock.now() + Math.min(inputs.deleteTimeoutMs, 120_000),
      recordsNamespace: inputs.recordsNamespace,
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
            : `post: deletion of ${namespace} requested; left: it is still terminating (${describeStuckNamespace(outcome.stuck)}; mode down or the reaper finishes it)`,
        );
        break;
    }
  } catch (error) {
    throw new Error(
      `cleanup of ${namespace} failed: ${formatKubeError(error)}; left: namespace ${namespace} (mode down or the reaper deletes it)`,
      { cause: error },
    );
  } finally {
    client.close();
  }
}
